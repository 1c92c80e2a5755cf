//! Who the caller is.

use crate::extract::Caller;
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_domain::Principal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// `member` or `api_key`.
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
    /// The workspace role the caller acts with.
    pub role: Option<String>,
    pub workspace: WorkspaceResponse,
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
    let (kind, id) = match actor.principal {
        Principal::Member { id, .. } => ("member", id.as_uuid()),
        Principal::ApiKey { id, .. } => ("api_key", id.as_uuid()),
        Principal::ClientUser { id, .. } => ("client_user", id.as_uuid()),
    };
    Ok(Json(MeResponse {
        kind,
        id,
        role: actor.agency_role().map(|r| r.to_string()),
        name: actor.label,
        workspace: WorkspaceResponse {
            id: workspace.id.as_uuid(),
            name: workspace.name,
            slug: workspace.slug,
        },
    }))
}
