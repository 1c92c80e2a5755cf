//! An agent's runtime keys, managed by the agency (owner and admins).

use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::runtime::keys::RuntimeKey;
use clientele_domain::AgentId;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

/// A runtime key that works now; its token is shown only once, when it is issued.
#[derive(Serialize, ToSchema)]
pub struct RuntimeKeyResponse {
    pub id: Uuid,
    pub agent_id: Uuid,
    /// The first characters of the token, to tell keys apart.
    pub prefix: String,
    pub created_at: String,
    /// Set while the key is being rotated out: it stops working then.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<RuntimeKey> for RuntimeKeyResponse {
    fn from(key: RuntimeKey) -> Self {
        Self {
            id: key.id.as_uuid(),
            agent_id: key.agent_id.as_uuid(),
            prefix: key.prefix,
            created_at: rfc3339(key.created_at),
            expires_at: key.expires_at.map(rfc3339),
            last_used_at: key.last_used_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RuntimeKeyListResponse {
    /// Newest first: the current key, then one being rotated out, if any.
    pub runtime_keys: Vec<RuntimeKeyResponse>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct IssueRuntimeKeyRequest {
    /// How long the agent's current key keeps working after this one is issued, in seconds
    /// (at most 604800; 86400 when absent; 0 ends it at once).
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedRuntimeKeyResponse {
    pub runtime_key: RuntimeKeyResponse,
    /// The runtime sends this as `Authorization: Bearer <token>` on `/runtime/v1`. Shown this
    /// once; only a hash is kept.
    pub token: String,
    /// When the key this one replaced stops working, if it replaced one.
    pub previous_key_expires_at: Option<String>,
}

/// Lists the agent's runtime keys that work now (owner and admins).
#[utoipa::path(get, path = "/api/v1/agents/{id}/runtime-keys", tag = "runtime", operation_id = "listRuntimeKeys",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = RuntimeKeyListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RuntimeKeyListResponse>, Problem> {
    let keys = state
        .app
        .runtime_keys(&caller.actor, AgentId::from(id))
        .await?;
    Ok(Json(RuntimeKeyListResponse {
        runtime_keys: keys.into_iter().map(RuntimeKeyResponse::from).collect(),
    }))
}

/// Issues the agent a runtime key (owner and admins). A key it already has keeps working for
/// the overlap, so the runtime can switch without a gap; the token is in this response only.
#[utoipa::path(post, path = "/api/v1/agents/{id}/runtime-keys", tag = "runtime", operation_id = "issueRuntimeKey",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    request_body = IssueRuntimeKeyRequest,
    responses((status = 201, body = IssuedRuntimeKeyResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn issue(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<IssueRuntimeKeyRequest>,
) -> Result<(StatusCode, Json<IssuedRuntimeKeyResponse>), Problem> {
    let overlap = request.overlap_seconds.map(Duration::from_secs);
    let issued = state
        .app
        .issue_runtime_key(&caller.actor, AgentId::from(id), overlap, &origin)
        .await?;
    let body = IssuedRuntimeKeyResponse {
        runtime_key: issued.key.into(),
        token: issued.token.reveal().to_owned(),
        previous_key_expires_at: issued.previous_expires_at.map(rfc3339),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Revokes every runtime key of the agent at once (owner and admins): its runtime is cut off
/// until a new key is issued.
#[utoipa::path(delete, path = "/api/v1/agents/{id}/runtime-keys", tag = "runtime", operation_id = "revokeRuntimeKeys",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 204, description = "Revoked"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .revoke_runtime_keys(&caller.actor, AgentId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
