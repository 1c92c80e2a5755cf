//! The start page. A signed-in client user (or a member previewing as one) sees their
//! workspace's branded home with the sections they hold, and during a preview a banner with
//! the way back; anyone else is sent to the API reference.

use crate::extract::{Origin, constant_time_eq, cookie_token};
use crate::openapi::REFERENCE_PATH;
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::page::{BrandStyle, brand_style};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::auth::Authenticated;
use clientele_app::tokens::Token;
use clientele_domain::Principal;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    brand: BrandStyle,
    name: String,
    sections: Vec<&'static str>,
    preview: bool,
    csrf_token: String,
}

/// The client's home, or the API reference for everyone else.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Problem> {
    let Some((authenticated, token)) = session(&state, &headers).await else {
        return Ok(Redirect::temporary(REFERENCE_PATH).into_response());
    };
    let actor = authenticated.actor;
    let Principal::ClientUser { permissions, .. } = actor.principal else {
        return Ok(Redirect::temporary(REFERENCE_PATH).into_response());
    };
    let page = HomePage {
        brand: brand_style(&state, actor.workspace_id).await?,
        name: actor.label,
        sections: permissions.iter().map(|p| p.title()).collect(),
        preview: actor.impersonated_by.is_some(),
        csrf_token: token.csrf_token(),
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct EndPreviewForm {
    #[serde(default)]
    csrf_token: String,
}

/// Ends a preview (the banner's button) and returns to the agency console.
pub async fn end_preview(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    Form(form): Form<EndPreviewForm>,
) -> Result<Response, Problem> {
    let Some((authenticated, token)) = session(&state, &headers).await else {
        return Err(Problem::unauthenticated());
    };
    if !constant_time_eq(form.csrf_token.as_bytes(), token.csrf_token().as_bytes()) {
        return Err(Problem::csrf_failed());
    }
    if authenticated.actor.impersonated_by.is_none() {
        return Err(Problem::not_found());
    }
    let workspace_id = authenticated.actor.workspace_id;
    state.app.sign_out(&authenticated, &origin).await?;
    let console = state
        .app
        .brand_of(workspace_id)
        .await?
        .console_url(&state.app.config.public_url);
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0".to_owned(),
            ),
            (header::LOCATION, console.join("/")),
        ],
    )
        .into_response())
}

async fn session(state: &AppState, headers: &HeaderMap) -> Option<(Authenticated, Token)> {
    let token = Token::from_client(cookie_token(headers)?);
    let authenticated = state.app.authenticate_session(&token).await.ok()?;
    Some((authenticated, token))
}
