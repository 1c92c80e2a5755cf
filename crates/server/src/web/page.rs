//! What every page shares: who is looking, the brand the page wears, the frame around it, and
//! how a failure is shown (an HTML page, never a JSON problem or a 500 with a stack).

use crate::extract::cookie_token;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::i18n::Messages;
use crate::web::{assets, icons};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::AppError;
use clientele_app::identity::auth::Authenticated;
use clientele_app::identity::tokens::Token;
use clientele_domain::{Actor, WorkspaceId};

/// What a page needs of the brand.
pub struct BrandStyle {
    pub product_name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

impl BrandStyle {
    /// The product name's first letter, for the mark shown when there is no logo.
    pub fn initial(&self) -> String {
        initial(&self.product_name)
    }
}

/// A name's first letter, upper-cased, for avatars.
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

pub async fn brand_style(
    state: &AppState,
    workspace_id: WorkspaceId,
) -> Result<BrandStyle, AppError> {
    let brand = state.app.brand_of(workspace_id).await?;
    Ok(BrandStyle {
        logo_url: brand.logo_url(&state.app.config.public_url),
        product_name: brand.product_name,
        primary_color: brand.primary_color,
        accent_color: brand.accent_color,
        support_email: brand.support_email,
    })
}

/// A signed-in visitor and the CSRF token their page sends back with every change.
pub struct Visitor {
    pub authenticated: Authenticated,
    pub csrf: String,
}

impl Visitor {
    pub fn actor(&self) -> &Actor {
        &self.authenticated.actor
    }
}

/// The visitor behind the request's session cookie, if it is a live session.
pub async fn visitor(state: &AppState, headers: &HeaderMap) -> Option<Visitor> {
    let token = Token::from_client(cookie_token(headers)?);
    let authenticated = state.app.authenticate_session(&token).await.ok()?;
    Some(Visitor {
        authenticated,
        csrf: token.csrf_token(),
    })
}

/// One entry of a page's navigation.
pub struct NavItem {
    pub href: String,
    pub label: String,
    pub icon: &'static str,
    pub current: bool,
}

/// The frame around a page: language, brand, navigation and the signed-in person.
pub struct Chrome {
    pub t: Messages,
    pub brand: BrandStyle,
    pub csrf: String,
    pub title: String,
    pub user_name: String,
    pub user_detail: String,
    pub nav: Vec<NavItem>,
    pub assets: &'static str,
}

impl Chrome {
    pub fn new(t: Messages, brand: BrandStyle, csrf: String, title: String) -> Self {
        Self {
            t,
            brand,
            csrf,
            title,
            user_name: String::new(),
            user_detail: String::new(),
            nav: Vec::new(),
            assets: assets::version(),
        }
    }

    pub fn user_initial(&self) -> String {
        initial(&self.user_name)
    }

    /// An icon's SVG by name, for templates.
    pub fn icon(&self, name: &str) -> &'static str {
        icons::by_name(name)
    }
}

/// Why a page could not be shown.
pub enum PageError {
    /// Not signed in (or not as the right kind of account): go sign in.
    SignIn(String),
    /// Anything else, shown as a plain page with its status.
    Failed(Problem),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self::Failed(Problem::from(error))
    }
}

impl From<Problem> for PageError {
    fn from(problem: Problem) -> Self {
        Self::Failed(problem)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
    assets: &'static str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn(to) => Redirect::to(&to).into_response(),
            Self::Failed(problem) => {
                let status = problem.status();
                let page = ErrorPage {
                    status: status.as_u16(),
                    title: problem.title().to_owned(),
                    detail: problem
                        .field_errors()
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .chain(problem.detail().map(str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" "),
                    assets: assets::version(),
                };
                (status, page).into_response()
            }
        }
    }
}

/// A page, or why not.
pub type PageResult = Result<Response, PageError>;

/// 404 as a page: a foreign or missing thing looks the same.
pub fn not_found() -> PageError {
    PageError::Failed(Problem::not_found())
}
