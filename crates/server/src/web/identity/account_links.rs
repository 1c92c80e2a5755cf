//! What the pages behind emailed links share: the page in the workspace's brand and the
//! recipient's language, its form, the page that says why a link cannot be used, and signing in.
//! These forms post without script, so they work anywhere.

use crate::api::identity::sessions::session_cookie_for;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::i18n::Messages;
use crate::web::page::{BrandStyle, Chrome, brand_style};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::AppError;
use clientele_app::identity::account_links::Accepted;
use clientele_app::identity::auth::SignInStep;
use clientele_domain::{Language, WorkspaceId};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "link.html")]
pub(crate) struct LinkPage {
    pub(crate) chrome: Chrome,
    pub(crate) lead: String,
    pub(crate) problem: Option<String>,
    pub(crate) form: Option<LinkForm>,
}

pub(crate) struct LinkForm {
    pub(crate) action: &'static str,
    pub(crate) token: String,
    pub(crate) needs_name: bool,
    pub(crate) needs_password: bool,
    pub(crate) name: String,
    pub(crate) name_error: Option<String>,
    pub(crate) password_error: Option<String>,
    pub(crate) submit: &'static str,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub(crate) token: String,
}

#[derive(Deserialize)]
pub struct LinkFormData {
    #[serde(default)]
    pub(crate) token: String,
    pub(crate) name: Option<String>,
    pub(crate) password: Option<String>,
}

pub(crate) async fn chrome(
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

pub(crate) fn page(chrome: Chrome, lead: String, form: LinkForm) -> LinkPage {
    LinkPage {
        chrome,
        lead,
        problem: None,
        form: Some(form),
    }
}

/// 410 with a page saying why the link cannot be used; other failures are problems.
pub(crate) fn unusable(title: &str, error: AppError) -> Result<Response, Problem> {
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
pub(crate) fn signed_in(headers: &HeaderMap, accepted: &Accepted) -> Response {
    match &accepted.signed_in {
        SignInStep::SignedIn(signed_in) => {
            let cookie = session_cookie_for(&signed_in.token, headers, signed_in.expires_at);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
        }
        SignInStep::SecondFactor(_) => Redirect::to("/").into_response(),
    }
}
