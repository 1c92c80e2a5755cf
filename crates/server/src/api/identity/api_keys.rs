//! API keys for automation.

use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::identity::api_keys::ApiKey;
use clientele_domain::{ApiKeyId, MemberRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An API key as listed; the token itself is shown only once, at creation.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: Uuid,
    pub name: String,
    /// `admin` or `member`.
    pub role: String,
    /// The first characters of the token, to tell keys apart.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(row: ApiKey) -> Self {
        Self {
            id: row.id.as_uuid(),
            name: row.name,
            role: row.role.to_string(),
            prefix: row.prefix,
            created_at: rfc3339(row.created_at),
            last_used_at: row.last_used_at.map(rfc3339),
            revoked_at: row.revoked_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyListResponse {
    pub api_keys: Vec<ApiKeyResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// `admin` or `member`.
    #[schema(value_type = String)]
    pub role: MemberRole,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    pub api_key: ApiKeyResponse,
    /// Send as `Authorization: Bearer <token>`. Shown this once; only a hash is kept.
    pub token: String,
}

/// Lists the workspace's API keys (owner and admins).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api keys", operation_id = "listApiKeys",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = ApiKeyListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<ApiKeyListResponse>, Problem> {
    let keys = state.app.list_api_keys(&caller.actor).await?;
    Ok(Json(ApiKeyListResponse {
        api_keys: keys.into_iter().map(ApiKeyResponse::from).collect(),
    }))
}

/// Creates an API key (owner and admins, signed in); its token is in this response only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api keys", operation_id = "createApiKey",
    security(("session" = [])), request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKeyResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<CreatedApiKeyResponse>), Problem> {
    let (key, token) = state
        .app
        .create_api_key(&caller.actor, &request.name, request.role, &origin)
        .await?;
    let body = CreatedApiKeyResponse {
        api_key: key.into(),
        token: token.reveal().to_owned(),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Revokes an API key; requests with it fail from now on.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api keys", operation_id = "revokeApiKey",
    security(("session" = [])),
    params(("id" = Uuid, Path, description = "The API key")),
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
        .revoke_api_key(&caller.actor, ApiKeyId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
