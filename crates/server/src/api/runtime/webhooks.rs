//! Webhooks to an agent's runtime: the endpoint and its signing secret, a test event, the
//! delivery log with replay (agency owner and admins), and the pull of the same events for a
//! runtime without a public URL (runtime key).

use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin, RuntimeCaller};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::runtime::webhooks::{WebhookAttempt, WebhookEndpoint, WebhookEvent};
use clientele_domain::{AgentId, WebhookId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Where an agent's webhook events go and how they are signed.
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointResponse {
    pub agent_id: Uuid,
    /// Where events are sent; null while the runtime pulls them.
    pub url: Option<String>,
    /// The Standard Webhooks signing secret (`whsec_…`); null until the agent is connected
    /// (a runtime key issued or a URL set).
    pub secret: Option<String>,
    /// Until when the secret it replaced still signs alongside it.
    pub previous_secret_expires_at: Option<String>,
    /// The sequence number of the agent's latest event.
    pub last_sequence: i64,
}

impl From<WebhookEndpoint> for WebhookEndpointResponse {
    fn from(endpoint: WebhookEndpoint) -> Self {
        Self {
            agent_id: endpoint.agent_id.as_uuid(),
            url: endpoint.url,
            secret: endpoint.secret,
            previous_secret_expires_at: endpoint.previous_secret_expires_at.map(rfc3339),
            last_sequence: endpoint.last_sequence,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWebhookRequest {
    /// An https URL (plain http only inside a network the operator allows), or null to stop
    /// sending: the runtime then pulls its events.
    pub url: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// How long the current secret keeps signing alongside the new one, in seconds (at most
    /// 604800; 86400 when absent; 0 ends it at once).
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<u64>,
}

/// One attempt to deliver an event.
#[derive(Serialize, ToSchema)]
pub struct WebhookAttemptResponse {
    pub attempted_at: String,
    pub url: String,
    /// The runtime's HTTP status; null when no answer came.
    pub status_code: Option<u16>,
    /// The first kilobyte of the runtime's answer.
    pub response_excerpt: String,
    /// Why no answer came.
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl From<WebhookAttempt> for WebhookAttemptResponse {
    fn from(attempt: WebhookAttempt) -> Self {
        Self {
            attempted_at: rfc3339(attempt.attempted_at),
            url: attempt.url,
            status_code: attempt.status_code,
            response_excerpt: attempt.response_excerpt,
            error: attempt.error,
            latency_ms: attempt.latency_ms,
        }
    }
}

/// A webhook event and its deliveries.
#[derive(Serialize, ToSchema)]
pub struct WebhookEventResponse {
    /// The `webhook-id` header it is sent with.
    pub id: Uuid,
    pub sequence: i64,
    /// `configuration.changed`, `agent.stopped`, `agent.resumed` or `webhook.test`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending`, `delivered`, `failed`, or `unsent` (no URL was set; it can be pulled).
    pub status: String,
    /// The body exactly as signed: `type`, `timestamp` and `data`.
    pub payload: Value,
    pub created_at: String,
    pub delivered_at: Option<String>,
    /// Newest first.
    pub attempts: Vec<WebhookAttemptResponse>,
}

impl From<WebhookEvent> for WebhookEventResponse {
    fn from(event: WebhookEvent) -> Self {
        Self {
            id: event.id.as_uuid(),
            sequence: event.sequence,
            kind: event.kind,
            status: event.status,
            payload: event.payload,
            created_at: rfc3339(event.created_at),
            delivered_at: event.delivered_at.map(rfc3339),
            attempts: event.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEventListResponse {
    pub events: Vec<WebhookEventResponse>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// At most this many (1 to 100; 50 when absent).
    pub limit: Option<u64>,
}

/// The agent's webhook endpoint and signing secret (owner and admins).
#[utoipa::path(get, path = "/api/v1/agents/{id}/webhook", tag = "runtime", operation_id = "getWebhook",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = WebhookEndpointResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookEndpointResponse>, Problem> {
    let endpoint = state
        .app
        .webhook_endpoint(&caller.actor, AgentId::from(id))
        .await?;
    Ok(Json(endpoint.into()))
}

/// Sets where the agent's events are sent, or clears it (owner and admins). URLs that point
/// at loopback, link-local or private addresses are refused unless the operator allows them.
#[utoipa::path(put, path = "/api/v1/agents/{id}/webhook", tag = "runtime", operation_id = "setWebhook",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    request_body = SetWebhookRequest,
    responses((status = 200, body = WebhookEndpointResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn set(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<SetWebhookRequest>,
) -> Result<Json<WebhookEndpointResponse>, Problem> {
    let endpoint = state
        .app
        .set_webhook_url(
            &caller.actor,
            AgentId::from(id),
            request.url.as_deref(),
            &origin,
        )
        .await?;
    Ok(Json(endpoint.into()))
}

/// Gives the agent a new signing secret (owner and admins); the current one keeps signing
/// alongside it for the overlap.
#[utoipa::path(post, path = "/api/v1/agents/{id}/webhook/secret", tag = "runtime", operation_id = "rotateWebhookSecret",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    request_body = RotateSecretRequest,
    responses((status = 200, body = WebhookEndpointResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<RotateSecretRequest>,
) -> Result<Json<WebhookEndpointResponse>, Problem> {
    let overlap = request.overlap_seconds.map(Duration::from_secs);
    let endpoint = state
        .app
        .rotate_webhook_secret(&caller.actor, AgentId::from(id), overlap, &origin)
        .await?;
    Ok(Json(endpoint.into()))
}

/// Sends the agent's runtime a `webhook.test` event now and answers with how it answered
/// (owner and admins).
#[utoipa::path(post, path = "/api/v1/agents/{id}/webhook/test", tag = "runtime", operation_id = "testWebhook",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = WebhookEventResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn test(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookEventResponse>, Problem> {
    let event = state
        .app
        .send_test_webhook(&caller.actor, AgentId::from(id), &origin)
        .await?;
    Ok(Json(event.into()))
}

/// The agent's latest webhook events with every delivery attempt, newest first (owner and
/// admins).
#[utoipa::path(get, path = "/api/v1/agents/{id}/webhook/events", tag = "runtime", operation_id = "listWebhookEvents",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent"), EventsQuery),
    responses((status = 200, body = WebhookEventListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn events(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<WebhookEventListResponse>, Problem> {
    let events = state
        .app
        .webhook_events(&caller.actor, AgentId::from(id), query.limit)
        .await?;
    Ok(Json(WebhookEventListResponse {
        events: events.into_iter().map(Into::into).collect(),
    }))
}

/// Sends an event again from now, whatever became of it (owner and admins).
#[utoipa::path(post, path = "/api/v1/agents/{id}/webhook/events/{event_id}/replay", tag = "runtime", operation_id = "replayWebhookEvent",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent"), ("event_id" = Uuid, Path, description = "The event")),
    responses((status = 202, description = "Queued for delivery"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn replay(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath((id, event_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .replay_webhook(
            &caller.actor,
            AgentId::from(id),
            WebhookId::from(event_id),
            &origin,
        )
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// One event as a runtime pulls it.
#[derive(Serialize, ToSchema)]
pub struct PulledEventResponse {
    /// The same id a webhook delivery carries in `webhook-id`.
    pub id: Uuid,
    pub sequence: i64,
    /// The body a webhook delivery carries: `type`, `timestamp` and `data`.
    pub payload: Value,
}

#[derive(Serialize, ToSchema)]
pub struct PulledEventsResponse {
    /// Oldest first.
    pub events: Vec<PulledEventResponse>,
    /// Pass as `after` to pull what comes next (the last sequence number here, or the one
    /// given when nothing is new).
    pub next_after: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The sequence number of the last event already handled (0 for the start).
    pub after: Option<i64>,
    /// At most this many (1 to 500; 100 when absent).
    pub limit: Option<u64>,
}

/// The agent's webhook events after a sequence number, oldest first, for a runtime that has
/// no public URL. The same events are sent by webhook when a URL is set.
#[utoipa::path(get, path = "/runtime/v1/webhook-events", tag = "runtime", operation_id = "pullWebhookEvents",
    security(("runtime_key" = [])),
    params(PullQuery),
    responses((status = 200, body = PulledEventsResponse),
        (status = 401, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn pull(
    State(state): State<AppState>,
    RuntimeCaller(runtime): RuntimeCaller,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PulledEventsResponse>, Problem> {
    let after = query.after.unwrap_or(0);
    let events = state
        .app
        .pull_webhooks(&runtime, after, query.limit)
        .await?;
    let next_after = events.last().map_or(after, |event| event.sequence);
    Ok(Json(PulledEventsResponse {
        events: events
            .into_iter()
            .map(|event| PulledEventResponse {
                id: event.id.as_uuid(),
                sequence: event.sequence,
                payload: event.payload,
            })
            .collect(),
        next_after,
    }))
}
