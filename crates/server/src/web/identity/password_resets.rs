//! The page to choose a new password with a reset link.

use crate::extract::Origin;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::identity::account_links::{
    LinkForm, LinkFormData, TokenQuery, chrome, page, signed_in, unusable,
};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use clientele_app::AppError;

/// The page to choose a new password.
pub async fn show(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.password_reset(&query.token).await {
        Ok(details) => {
            let chrome = chrome(
                &state,
                details.workspace_id,
                details.language,
                "link.reset_title",
            )
            .await?;
            let lead = chrome.t.with("link.reset_lead", "email", &details.email);
            Ok(page(chrome, lead, reset_form(query.token, None)).into_response())
        }
        Err(error) => unusable("link.reset", error),
    }
}

/// Sets the new password, ends the account's other sessions and signs in.
pub async fn complete(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    Form(data): Form<LinkFormData>,
) -> Result<Response, Problem> {
    let password = data.password.clone().unwrap_or_default();
    match state
        .app
        .reset_password(&data.token, password, &origin)
        .await
    {
        Ok(accepted) => Ok(signed_in(&headers, &accepted)),
        Err(AppError::Invalid(errors)) => {
            let details = state.app.password_reset(&data.token).await?;
            let chrome = chrome(
                &state,
                details.workspace_id,
                details.language,
                "link.reset_title",
            )
            .await?;
            let message = errors.into_iter().next().map(|e| e.message);
            let lead = chrome.t.with("link.reset_lead", "email", &details.email);
            let form = reset_form(data.token, message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(chrome, lead, form)).into_response())
        }
        Err(error) => unusable("link.reset", error),
    }
}

fn reset_form(token: String, error: Option<String>) -> LinkForm {
    LinkForm {
        action: "/reset-password",
        token,
        needs_name: false,
        needs_password: true,
        name: String::new(),
        name_error: None,
        password_error: error,
        submit: "link.reset_submit",
    }
}
