//! Where a runtime reports what its agent did, in batches of events.

use crate::extract::{ApiJson, RuntimeCaller};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::FieldError;
use clientele_app::runtime::events::{EventResult, MOST_EVENTS, Outcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A batch of the agent's events, oldest first as far as the runtime knows (any order works).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatchRequest {
    /// 1 to 500 events.
    #[schema(value_type = Vec<RuntimeEvent>)]
    pub events: Vec<serde_json::Value>,
}

/// One event. Every event has `id` (the runtime's own, unique per agent: delivering it again
/// changes nothing), `type` and `occurred_at`; the other fields depend on the type.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RuntimeEvent {
    /// The runtime's id of the event, at most 200 characters.
    id: String,
    /// `conversation.started`, `message`, `handoff.requested`, `conversation.ended`, `rating`
    /// or `usage`.
    r#type: String,
    /// RFC 3339; at most 5 minutes ahead of Clientele's clock.
    occurred_at: String,
    /// The runtime's id of the conversation (optional only for `usage`).
    conversation_id: Option<String>,
    /// `conversation.started`: where it happens (`web`, `whatsapp`, `phone`, ...).
    channel: Option<String>,
    /// `conversation.started`: who the contact is, as far as known.
    contact: Option<RuntimeContact>,
    /// `message`: `contact`, `agent`, `human` or `system`.
    role: Option<String>,
    /// `message`: up to 16000 characters.
    text: Option<String>,
    /// `handoff.requested`: why a person is wanted.
    reason: Option<String>,
    /// `conversation.ended`: how it ended (`resolved`, `abandoned`, ...).
    outcome: Option<String>,
    /// `rating`: 1 to 5.
    score: Option<i64>,
    /// `usage`: credits consumed (fractions allowed, to a thousandth).
    credits: Option<f64>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RuntimeContact {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// What became of each event, in the batch's order.
#[derive(Serialize, ToSchema)]
pub struct EventBatchResponse {
    pub results: Vec<EventResultResponse>,
    /// How many events were stored now.
    pub stored: usize,
    /// How many had been delivered before with the same content (nothing changed).
    pub duplicates: usize,
    /// How many were refused (see each result's `errors`).
    pub refused: usize,
}

#[derive(Serialize, ToSchema)]
pub struct EventResultResponse {
    /// The event's position in the batch, from 0.
    pub index: usize,
    pub id: Option<String>,
    /// 201 stored, 200 delivered before with the same content, 409 the id was delivered
    /// before with other content, 422 invalid (see `errors`).
    pub status: u16,
    pub errors: Vec<EventFieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct EventFieldError {
    /// The field, as `events[i].name`.
    pub field: String,
    pub message: String,
}

impl From<EventResult> for EventResultResponse {
    fn from(result: EventResult) -> Self {
        let (status, errors) = match result.outcome {
            Outcome::Stored => (201, Vec::new()),
            Outcome::Duplicate => (200, Vec::new()),
            Outcome::Conflict => (
                409,
                vec![FieldError {
                    field: format!("events[{}].id", result.index),
                    message: "was delivered before with other content".to_owned(),
                }],
            ),
            Outcome::Invalid(errors) => (422, errors),
        };
        Self {
            index: result.index,
            id: result.id,
            status,
            errors: errors
                .into_iter()
                .map(|e| EventFieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// Reports a batch of the agent's events (runtime key). Good events land even when others of
/// the batch are refused; each result says which and why.
#[utoipa::path(post, path = "/runtime/v1/events", tag = "runtime", operation_id = "reportRuntimeEvents",
    security(("runtime_key" = [])),
    request_body = EventBatchRequest,
    responses((status = 200, body = EventBatchResponse),
        (status = 401, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The agent serves no organization", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 413, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AppState>,
    RuntimeCaller(runtime): RuntimeCaller,
    ApiJson(request): ApiJson<EventBatchRequest>,
) -> Result<Json<EventBatchResponse>, Problem> {
    if request.events.len() > MOST_EVENTS {
        return Err(Problem::too_large(
            "events",
            &format!("a batch carries at most {MOST_EVENTS} events"),
        ));
    }
    let results = state.app.ingest_events(&runtime, request.events).await?;
    let count = |outcome: Outcome| results.iter().filter(|r| r.outcome == outcome).count();
    let (stored, duplicates) = (count(Outcome::Stored), count(Outcome::Duplicate));
    let results: Vec<EventResultResponse> = results.into_iter().map(Into::into).collect();
    let refused = results.len() - stored - duplicates;
    Ok(Json(EventBatchResponse {
        results,
        stored,
        duplicates,
        refused,
    }))
}
