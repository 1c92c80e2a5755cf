//! Password resets: asking for a reset email (the same answer whether or not the address has
//! an account), checking a reset link, and setting the new password with it.

use crate::api::identity::account_links::{LinkSignInResponse, TokenQuery, signed_in};
use crate::extract::{ApiJson, ApiQuery, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use clientele_domain::WorkspaceId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientResetRequest {
    /// Needed only off the workspace's dashboard domain: the workspace's slug.
    pub workspace: Option<String>,
    pub email: String,
}

/// Always the same answer, whether or not the address has an account.
#[derive(Serialize, ToSchema)]
pub struct ResetRequestedResponse {
    pub message: String,
}

fn reset_requested() -> (StatusCode, Json<ResetRequestedResponse>) {
    (
        StatusCode::ACCEPTED,
        Json(ResetRequestedResponse {
            message: "If the address has an account, a link to reset its password is on its way. It works once, for one hour.".to_owned(),
        }),
    )
}

/// Asks for a password-reset email for an agency account.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "invitations", operation_id = "requestPasswordReset",
    request_body = ResetRequest,
    responses((status = 202, body = ResetRequestedResponse),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn request_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<ResetRequestedResponse>), Problem> {
    state
        .app
        .request_member_password_reset(&request.email, &origin)
        .await?;
    Ok(reset_requested())
}

/// Asks for a password-reset email for a client user, in the workspace's brand. On a
/// dashboard domain the workspace is the one that domain belongs to.
#[utoipa::path(post, path = "/api/v1/dashboard/password-resets", tag = "invitations", operation_id = "requestClientPasswordReset",
    request_body = ClientResetRequest,
    responses((status = 202, body = ResetRequestedResponse),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn request_client_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ClientResetRequest>,
) -> Result<(StatusCode, Json<ResetRequestedResponse>), Problem> {
    let workspace = dashboard_workspace(&state, &headers, request.workspace.as_deref()).await?;
    match workspace {
        Some(workspace_id) => {
            state
                .app
                .request_client_password_reset(workspace_id, &request.email, &origin)
                .await?
        }
        None if request.workspace.is_none() => {
            return Err(Problem::invalid_field(
                "workspace",
                "this address serves no client dashboard: name the workspace".to_owned(),
            ));
        }
        None => {}
    }
    Ok(reset_requested())
}

/// The workspace a dashboard request is for: the one its host serves, else the named one.
pub(crate) async fn dashboard_workspace(
    state: &AppState,
    headers: &HeaderMap,
    slug: Option<&str>,
) -> Result<Option<WorkspaceId>, Problem> {
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok())
        && let Some(id) = state.app.workspace_for_host(host).await?
    {
        return Ok(Some(id));
    }
    match slug {
        Some(slug) => Ok(state.app.workspace_by_slug(slug).await?),
        None => Ok(None),
    }
}

/// Whose password a reset link resets.
#[derive(Serialize, ToSchema)]
pub struct ResetDetailsResponse {
    pub email: String,
    /// `member` or `client_user`.
    pub account_kind: String,
    pub language: String,
}

/// Checks a reset link without using it.
#[utoipa::path(get, path = "/api/v1/password-reset", tag = "invitations", operation_id = "getPasswordReset",
    params(TokenQuery),
    responses((status = 200, body = ResetDetailsResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_reset(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<ResetDetailsResponse>, Problem> {
    let details = state.app.password_reset(&query.token).await?;
    Ok(Json(ResetDetailsResponse {
        email: details.email,
        account_kind: if details.is_member {
            "member"
        } else {
            "client_user"
        }
        .to_owned(),
        language: details.language.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteResetRequest {
    pub token: String,
    pub password: String,
}

/// Sets a new password with a reset link: every other session of the account ends, and this
/// one is signed in.
#[utoipa::path(post, path = "/api/v1/password-reset/complete", tag = "invitations", operation_id = "completePasswordReset",
    request_body = CompleteResetRequest,
    responses((status = 201, description = "Password set and signed in", body = LinkSignInResponse),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn complete_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CompleteResetRequest>,
) -> Result<impl IntoResponse, Problem> {
    let accepted = state
        .app
        .reset_password(&request.token, request.password, &origin)
        .await?;
    Ok(signed_in(&headers, accepted))
}
