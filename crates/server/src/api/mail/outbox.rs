//! The workspace's email outbox: what was queued, sent or failed, and each email's content.

use crate::api::rfc3339;
use crate::extract::{ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::mail::outbox::OutboxEmail;
use clientele_domain::OutboxId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An email and where its delivery stands.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessageResponse {
    pub id: Uuid,
    /// `invitation` or `password_reset`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending` (waiting or retrying), `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// The SMTP server's last answer, or why the last attempt failed.
    pub last_response: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<OutboxEmail> for OutboxMessageResponse {
    fn from(email: OutboxEmail) -> Self {
        Self {
            id: email.id.as_uuid(),
            next_attempt_at: email.next_attempt_at.map(rfc3339),
            kind: email.kind,
            recipient: email.recipient,
            subject: email.subject,
            status: email.status,
            attempts: email.attempts,
            last_response: email.last_response,
            created_at: rfc3339(email.created_at),
            sent_at: email.sent_at.map(rfc3339),
        }
    }
}

/// An email with its bodies.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessageDetailResponse {
    #[serde(flatten)]
    pub message: OutboxMessageResponse,
    /// The body with its link hidden; `null` if it cannot be opened with this server's secret
    /// key.
    pub html: Option<String>,
    pub text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxListResponse {
    pub messages: Vec<OutboxMessageResponse>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// The workspace's emails, newest first (owner and admins).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "workspace", operation_id = "listOutbox",
    security(("session" = []), ("api_key" = [])), params(OutboxQuery),
    responses((status = 200, body = OutboxListResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> Result<Json<OutboxListResponse>, Problem> {
    let rows = state
        .app
        .list_outbox(&caller.actor, query.status.as_deref(), query.limit)
        .await?;
    Ok(Json(OutboxListResponse {
        messages: rows.into_iter().map(Into::into).collect(),
    }))
}

/// One email with its HTML and text bodies, its single-use link hidden (owner and admins);
/// reading it is recorded in the activity log.
#[utoipa::path(get, path = "/api/v1/outbox/{id}", tag = "workspace", operation_id = "getOutboxMessage",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The email")),
    responses((status = 200, body = OutboxMessageDetailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    Origin(origin): Origin,
) -> Result<Json<OutboxMessageDetailResponse>, Problem> {
    let message = state
        .app
        .outbox_message(&caller.actor, OutboxId::from(id), &origin)
        .await?;
    Ok(Json(OutboxMessageDetailResponse {
        html: message.html,
        text: message.text,
        message: message.email.into(),
    }))
}
