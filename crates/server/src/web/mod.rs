//! Server-rendered pages: the agency console, the client dashboard, and the pages behind
//! emailed links. Pages read through the app's services; their forms call the JSON API.

pub mod assets;
pub mod auth_page;
pub mod console;
pub mod dashboard;
pub mod i18n;
pub mod icons;
pub mod links;
pub mod org;
pub mod page;
pub mod setup;

use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use clientele_domain::Timestamp;

/// A time as pages show it: to the minute, in UTC.
pub fn when(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.as_offset_date_time().format(&format).unwrap_or_default()
}

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(assets::stylesheet))
        .route("/assets/app.js", get(assets::script))
        .route("/sign-in", get(dashboard::sign_in))
        .route("/forgot-password", get(dashboard::forgot_password))
        .route("/sections/{section}", get(dashboard::section))
        .route("/users", get(dashboard::users))
        .route("/teams", get(dashboard::teams))
        .route("/org-info", get(dashboard::org_info))
        .route("/console", get(console::clients::show))
        .route("/console/sign-in", get(console::sign_in))
        .route("/console/forgot-password", get(console::forgot_password))
        .route("/console/workspace/brand", get(console::workspace::brand))
        .route("/console/workspace/email", get(console::workspace::email))
        .route(
            "/console/workspace/templates",
            get(console::workspace::templates),
        )
        .route(
            "/console/workspace/members",
            get(console::workspace::members),
        )
        .route(
            "/console/workspace/api-keys",
            get(console::workspace::api_keys),
        )
        .route("/console/workspace/outbox", get(console::workspace::outbox))
        .route(
            "/console/workspace/outbox/{id}",
            get(console::workspace::outbox_message),
        )
        .route("/console/activity", get(console::workspace::activity))
        .route(
            "/console/organizations/{id}",
            get(console::organization::users),
        )
        .route(
            "/console/organizations/{id}/teams",
            get(console::organization::teams),
        )
        .route(
            "/console/organizations/{id}/settings",
            get(console::organization::settings),
        )
        .route(
            "/console/organizations/{id}/access",
            get(console::organization::access),
        )
        .route(
            "/console/organizations/{id}/activity",
            get(console::organization::activity),
        )
}
