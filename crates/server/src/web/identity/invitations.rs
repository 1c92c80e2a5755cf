//! The invitation page: who is invited, what they must give to accept, and accepting.

use crate::extract::Origin;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::identity::account_links::{
    LinkForm, LinkFormData, TokenQuery, chrome, page, signed_in, unusable,
};
use crate::web::page::Chrome;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use clientele_app::AppError;
use clientele_app::identity::invitations::Acceptance;

/// The invitation page: who is invited, and what they must give to accept.
pub async fn show(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.invitation(&query.token).await {
        Ok(details) => {
            let chrome = chrome(
                &state,
                details.workspace_id,
                details.language,
                "link.accept_title",
            )
            .await?;
            let form = invitation_form(query.token, details.needs_name, details.needs_password);
            let lead = invitation_lead(&chrome, &details.email);
            Ok(page(chrome, lead, form).into_response())
        }
        Err(error) => unusable("link.invitation", error),
    }
}

fn invitation_form(token: String, needs_name: bool, needs_password: bool) -> LinkForm {
    LinkForm {
        action: "/invitation",
        token,
        needs_name,
        needs_password,
        name: String::new(),
        name_error: None,
        password_error: None,
        submit: "link.accept",
    }
}

fn invitation_lead(chrome: &Chrome, email: &str) -> String {
    chrome
        .t
        .with("link.accept_lead", "product", &chrome.brand.product_name)
        .replace("{email}", email)
}

/// Accepts the invitation and signs in.
pub async fn accept(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    Form(data): Form<LinkFormData>,
) -> Result<Response, Problem> {
    let acceptance = Acceptance {
        name: data.name.clone(),
        password: data.password.clone(),
    };
    match state
        .app
        .accept_invitation(&data.token, acceptance, &origin)
        .await
    {
        Ok(accepted) => Ok(signed_in(&headers, &accepted)),
        Err(AppError::Invalid(errors)) => {
            let details = state.app.invitation(&data.token).await?;
            let chrome = chrome(
                &state,
                details.workspace_id,
                details.language,
                "link.accept_title",
            )
            .await?;
            let find = |field: &str| {
                errors
                    .iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            };
            let mut form = invitation_form(data.token, details.needs_name, details.needs_password);
            form.name = data.name.unwrap_or_default();
            form.name_error = find("name");
            form.password_error = find("password");
            let lead = invitation_lead(&chrome, &details.email);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(chrome, lead, form)).into_response())
        }
        Err(error) => unusable("link.invitation", error),
    }
}
