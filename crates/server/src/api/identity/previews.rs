//! "Log in as": a member opens the client dashboard as one of its users.

use crate::api::rfc3339;
use crate::extract::{ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_domain::ClientUserId;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A preview ready to open.
#[derive(Serialize, ToSchema)]
pub struct PreviewResponse {
    /// Open this in the browser: it signs in to the client dashboard as the user, once.
    pub url: String,
    /// The link must be opened before this; the preview itself then lasts up to an hour.
    pub expires_at: String,
}

/// "Log in as": starts a preview of the client dashboard as this user (signed-in agency
/// members). The preview is logged, marked with the member, and ends within an hour.
#[utoipa::path(post, path = "/api/v1/client-users/{id}/preview", tag = "invitations", operation_id = "previewClientUser",
    security(("session" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 201, body = PreviewResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The user is disabled", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<PreviewResponse>), Problem> {
    let started = state
        .app
        .start_preview(&caller.actor, ClientUserId::from(id), &origin)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PreviewResponse {
            url: started.url,
            expires_at: rfc3339(started.expires_at),
        }),
    ))
}
