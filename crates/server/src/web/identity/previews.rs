//! Opening a "Log in as" preview from its one-time link.

use crate::problem::Problem;
use crate::state::AppState;
use crate::web::identity::account_links::{TokenQuery, signed_in, unusable};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

/// Opens a preview: exchanges the one-time link for a preview session on this domain.
pub async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.open_preview(&query.token).await {
        Ok(accepted) => Ok(signed_in(&headers, &accepted)),
        Err(error) => unusable("link.preview", error),
    }
}
