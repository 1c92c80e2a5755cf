//! How long conversations are kept, and erasing one contact's (agency owner and admins).

use crate::extract::{ApiJson, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::conversations::retention::ErasureRequest;
use clientele_domain::OrganizationId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionDocument {
    /// Days a conversation is kept after its last message (1 to 3650); null keeps
    /// conversations until they are erased. An hourly job deletes older ones.
    #[schema(minimum = 1, maximum = 3650)]
    pub transcript_retention_days: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequestBody {
    /// The contact's email (any case).
    pub email: Option<String>,
    /// The contact's phone number, exactly as the runtime reported it.
    pub phone: Option<String>,
    /// Only this organization's conversations; every organization's when absent.
    pub organization_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct ErasureResponse {
    /// How many conversations were erased, with all their messages.
    pub conversations_erased: u64,
}

/// How long the workspace keeps conversations (owner and admins).
#[utoipa::path(get, path = "/api/v1/workspace/retention", tag = "conversations", operation_id = "getRetention",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = RetentionDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<RetentionDocument>, Problem> {
    let days = state.app.transcript_retention(&caller.actor).await?;
    Ok(Json(RetentionDocument {
        transcript_retention_days: days,
    }))
}

/// Sets how long the workspace keeps conversations (owner and admins).
#[utoipa::path(put, path = "/api/v1/workspace/retention", tag = "conversations", operation_id = "putRetention",
    security(("session" = []), ("api_key" = [])),
    request_body = RetentionDocument,
    responses((status = 200, body = RetentionDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(document): ApiJson<RetentionDocument>,
) -> Result<Json<RetentionDocument>, Problem> {
    let days = state
        .app
        .set_transcript_retention(&caller.actor, document.transcript_retention_days, &origin)
        .await?;
    Ok(Json(RetentionDocument {
        transcript_retention_days: days,
    }))
}

/// Erases every conversation of one contact, found by email or phone (owner and admins). The
/// activity log records that it happened and how many went, not who or what they said.
#[utoipa::path(post, path = "/api/v1/contacts/erasure", tag = "conversations", operation_id = "eraseContact",
    security(("session" = []), ("api_key" = [])),
    request_body = ErasureRequestBody,
    responses((status = 200, body = ErasureResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn erase(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(body): ApiJson<ErasureRequestBody>,
) -> Result<Json<ErasureResponse>, Problem> {
    let request = ErasureRequest {
        organization_id: body.organization_id.map(OrganizationId::from),
        email: body.email,
        phone: body.phone,
    };
    let erased = state
        .app
        .erase_contact(&caller.actor, request, &origin)
        .await?;
    Ok(Json(ErasureResponse {
        conversations_erased: erased,
    }))
}
