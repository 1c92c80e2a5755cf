//! Liveness and readiness probes for load balancers and orchestrators.

use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::time::Duration;

/// How long readiness waits for the database before calling it unavailable.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of a successful probe.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusResponse {
    /// `ok` for liveness, `ready` for readiness.
    pub status: &'static str,
}

/// Liveness: answers while the process is up, without touching the database.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "getHealth",
    responses((status = 200, description = "The process is up", body = StatusResponse)))]
pub async fn healthz() -> Json<StatusResponse> {
    Json(StatusResponse { status: "ok" })
}

/// Readiness: answers 200 only when the database answers a query.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "getReadiness",
    responses(
        (status = 200, description = "The database answers", body = StatusResponse),
        (status = 503, description = "The database does not answer", body = ProblemResponse,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<StatusResponse>, Problem> {
    match tokio::time::timeout(READINESS_TIMEOUT, state.app.ping()).await {
        Ok(Ok(())) => Ok(Json(StatusResponse { status: "ready" })),
        Ok(Err(error)) => {
            tracing::warn!(error = %crate::problem::error_chain(&error), "readiness check failed");
            Err(Problem::database_unavailable())
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(Problem::database_unavailable())
        }
    }
}
