//! The pages behind emailed links, in the workspace's brand and the recipient's language:
//! accepting an invitation, choosing a new password, and opening a preview. A link that cannot
//! be used gets a page that says why. These forms post without script, so they work anywhere.

use crate::api::sessions::session_cookie_for;
use crate::extract::Origin;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::i18n::Messages;
use crate::web::page::{BrandStyle, Chrome, brand_style};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::AppError;
use clientele_app::identity::auth::SignInStep;
use clientele_app::identity::invitations::{Acceptance, Accepted};
use clientele_domain::{Language, WorkspaceId};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "link.html")]
struct LinkPage {
    chrome: Chrome,
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

async fn chrome(
    state: &AppState,
    workspace_id: WorkspaceId,
    language: Language,
    title: &str,
) -> Result<Chrome, Problem> {
    let t = Messages::new(language);
    let brand = brand_style(state, workspace_id).await?;
    Ok(Chrome::new(
        t,
        brand,
        String::new(),
        t.get(title).to_owned(),
    ))
}

/// The invitation page: who is invited, and what they must give to accept.
pub async fn show_invitation(
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

/// The page to choose a new password.
pub async fn show_reset(
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

/// Opens a preview: exchanges the one-time link for a preview session on this domain.
pub async fn open_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    match state.app.open_preview(&query.token).await {
        Ok(accepted) => Ok(signed_in(&headers, &accepted)),
        Err(error) => unusable("link.preview", error),
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

fn page(chrome: Chrome, lead: String, form: LinkForm) -> LinkPage {
    LinkPage {
        chrome,
        lead,
        problem: None,
        form: Some(form),
    }
}

/// 410 with a page saying why the link cannot be used; other failures are problems.
fn unusable(title: &str, error: AppError) -> Result<Response, Problem> {
    let AppError::LinkUnusable(reason) = error else {
        return Err(error.into());
    };
    // An unusable link names no workspace it could be trusted to speak for: plain colours,
    // no name.
    let t = Messages::new(Language::En);
    let brand = BrandStyle {
        product_name: t.get("auth.account").to_owned(),
        primary_color: clientele_app::workspace::brand::DEFAULT_PRIMARY.to_owned(),
        accent_color: clientele_app::workspace::brand::DEFAULT_ACCENT.to_owned(),
        logo_url: None,
        support_email: None,
    };
    let page = LinkPage {
        chrome: Chrome::new(t, brand, String::new(), t.get(title).to_owned()),
        lead: String::new(),
        problem: Some(reason.to_owned()),
        form: None,
    };
    Ok((StatusCode::GONE, page).into_response())
}

/// Signed in: the session cookie, then on to the start page. An account with a second factor
/// signs in again instead, with its new password and its code.
fn signed_in(headers: &HeaderMap, accepted: &Accepted) -> Response {
    match &accepted.signed_in {
        SignInStep::SignedIn(signed_in) => {
            let cookie = session_cookie_for(&signed_in.token, headers, signed_in.expires_at);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
        }
        SignInStep::SecondFactor(_) => Redirect::to("/").into_response(),
    }
}
