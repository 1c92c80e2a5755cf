//! Who the caller is.

use crate::extract::Caller;
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_domain::{Permission, Principal};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// `member`, `api_key` or `client_user`.
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
    /// The workspace role the caller acts with (agency accounts and API keys).
    pub role: Option<String>,
    /// The client user's organization.
    pub organization_id: Option<Uuid>,
    /// The client user's sections.
    #[schema(value_type = Option<Vec<String>>)]
    pub permissions: Option<Vec<Permission>>,
    pub workspace: WorkspaceResponse,
    /// During a preview ("Log in as"): the agency member seeing the dashboard as this user.
    pub impersonated_by: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceResponse {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

/// The signed-in account or API key, and its workspace.
#[utoipa::path(get, path = "/api/v1/me", tag = "sessions", operation_id = "getMe",
    security(("session" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "Not signed in", body = ProblemResponse, content_type = "application/problem+json"),
    ))]
pub async fn me(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<MeResponse>, Problem> {
    let workspace = state.app.own_workspace(&caller.actor).await?;
    let actor = caller.actor;
    let (kind, id, organization_id, permissions) = match &actor.principal {
        Principal::Member { id, .. } => ("member", id.as_uuid(), None, None),
        Principal::ApiKey { id, .. } => ("api_key", id.as_uuid(), None, None),
        Principal::ClientUser {
            id,
            organization_id,
            permissions,
        } => (
            "client_user",
            id.as_uuid(),
            Some(organization_id.as_uuid()),
            Some(permissions.iter().collect()),
        ),
    };
    Ok(Json(MeResponse {
        kind,
        id,
        role: actor.agency_role().map(|r| r.to_string()),
        organization_id,
        permissions,
        name: actor.label,
        impersonated_by: actor.impersonated_by.map(|id| id.as_uuid()),
        workspace: WorkspaceResponse {
            id: workspace.id.as_uuid(),
            name: workspace.name,
            slug: workspace.slug,
        },
    }))
}
