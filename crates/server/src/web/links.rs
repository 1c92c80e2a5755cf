//! The pages behind emailed links, in the workspace's brand: accepting an invitation, choosing
//! a new password, and opening a preview. A link that cannot be used gets a page that says why.

use crate::api::sessions::session_cookie_for;
use crate::extract::Origin;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::page::BrandStyle;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::AppError;
use clientele_app::invitations::{Acceptance, Accepted};
use clientele_domain::WorkspaceId;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "link.html")]
struct LinkPage {
    lang: &'static str,
    brand: BrandStyle,
    title: &'static str,
    lead: String,
    problem: Option<String>,
    form: Option<LinkForm>,
}

struct LinkForm {
    action: &'static str,
    token: String,
    needs_name: bool,
    needs_password: bool,
    name: String,
    name_error: Option<String>,
    password_error: Option<String>,
    general_error: Option<String>,
    submit: &'static str,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct LinkFormData {
    #[serde(default)]
    token: String,
    name: Option<String>,
    password: Option<String>,
}

/// The invitation page: who is invited, and what they must give to accept.
pub async fn show_invitation(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.invitation(&query.token).await {
        Ok(details) => {
            let brand = brand_style(&state, details.workspace_id).await?;
            let form = LinkForm {
                action: "/invitation",
                token: query.token,
                needs_name: details.needs_name,
                needs_password: details.needs_password,
                name: String::new(),
                name_error: None,
                password_error: None,
                general_error: None,
                submit: "Accept invitation",
            };
            let lead = format!(
                "You were invited to {} as {}.",
                brand.product_name, details.email
            );
            Ok(page(brand, "Accept your invitation", lead, form).into_response())
        }
        Err(error) => unusable("Invitation", error),
    }
}

/// Accepts the invitation and signs in.
pub async fn accept_invitation(
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
            let brand = brand_style(&state, details.workspace_id).await?;
            let find = |field: &str| {
                errors
                    .iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            };
            let form = LinkForm {
                action: "/invitation",
                token: data.token,
                needs_name: details.needs_name,
                needs_password: details.needs_password,
                name: data.name.unwrap_or_default(),
                name_error: find("name"),
                password_error: find("password"),
                general_error: None,
                submit: "Accept invitation",
            };
            let lead = format!("You were invited as {}.", details.email);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(brand, "Accept your invitation", lead, form),
            )
                .into_response())
        }
        Err(error) => unusable("Invitation", error),
    }
}

/// The page to choose a new password.
pub async fn show_reset(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.password_reset(&query.token).await {
        Ok(details) => {
            let brand = brand_style(&state, details.workspace_id).await?;
            let lead = format!("Choose a new password for {}.", details.email);
            Ok(page(
                brand,
                "Reset your password",
                lead,
                reset_form(query.token, None),
            )
            .into_response())
        }
        Err(error) => unusable("Password reset", error),
    }
}

/// Sets the new password, ends the account's other sessions and signs in.
pub async fn complete_reset(
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
            let brand = brand_style(&state, details.workspace_id).await?;
            let message = errors.into_iter().next().map(|e| e.message);
            let lead = format!("Choose a new password for {}.", details.email);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    brand,
                    "Reset your password",
                    lead,
                    reset_form(data.token, message),
                ),
            )
                .into_response())
        }
        Err(error) => unusable("Password reset", error),
    }
}

/// Opens a preview: exchanges the one-time link for a preview session on this domain.
pub async fn open_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.open_preview(&query.token).await {
        Ok(accepted) => Ok(signed_in(&headers, &accepted)),
        Err(error) => unusable("Preview", error),
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
        general_error: None,
        submit: "Set password and sign in",
    }
}

fn page(brand: BrandStyle, title: &'static str, lead: String, form: LinkForm) -> LinkPage {
    LinkPage {
        lang: "en",
        brand,
        title,
        lead,
        problem: None,
        form: Some(form),
    }
}

/// 410 with a page saying why the link cannot be used; other failures are problems.
fn unusable(title: &'static str, error: AppError) -> Result<Response, Problem> {
    let AppError::LinkUnusable(reason) = error else {
        return Err(error.into());
    };
    let brand = neutral_brand();
    let page = LinkPage {
        lang: "en",
        brand,
        title,
        lead: String::new(),
        problem: Some(reason.to_owned()),
        form: None,
    };
    Ok((StatusCode::GONE, page).into_response())
}

/// Signed in: the session cookie, then on to the start page.
fn signed_in(headers: &HeaderMap, accepted: &Accepted) -> Response {
    let signed_in = &accepted.signed_in;
    let cookie = session_cookie_for(&signed_in.token, headers, signed_in.expires_at);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

async fn brand_style(state: &AppState, workspace_id: WorkspaceId) -> Result<BrandStyle, Problem> {
    Ok(crate::web::page::brand_style(state, workspace_id).await?)
}

/// An unusable link names no workspace it could be trusted to speak for: plain colours, no name.
fn neutral_brand() -> BrandStyle {
    BrandStyle {
        product_name: "Account".to_owned(),
        primary_color: clientele_app::brand::DEFAULT_PRIMARY.to_owned(),
        accent_color: clientele_app::brand::DEFAULT_ACCENT.to_owned(),
        logo_url: None,
        support_email: None,
    }
}
