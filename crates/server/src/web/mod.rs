//! Server-rendered pages: the agency console, the client dashboard, and the pages behind
//! emailed links. Pages read through the app's services; their forms call the JSON API.

pub mod assets;
pub mod auth_page;
pub mod console;
pub mod home;
pub mod i18n;
pub mod icons;
pub mod links;
pub mod page;
pub mod setup;

use crate::state::AppState;
use axum::Router;
use axum::routing::get;

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(assets::stylesheet))
        .route("/assets/app.js", get(assets::script))
        .route("/console", get(console::clients::show))
        .route("/console/sign-in", get(console::sign_in))
        .route("/console/forgot-password", get(console::forgot_password))
}
