//! Server-rendered pages: the agency console, the client dashboard, and the pages behind
//! emailed links. Pages read through the app's services; their forms call the JSON API.

pub mod assets;
pub mod auth_page;
pub mod console;
pub mod conversations;
pub mod dashboard;
pub mod i18n;
pub mod icons;
pub mod identity;
pub mod org;
pub mod page;
pub mod workspace;

use crate::state::AppState;
use axum::Router;
use axum::routing::{MethodRouter, get, post};
use clientele_domain::Timestamp;

/// A time as pages show it: to the minute, in UTC.
pub fn when(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.as_offset_date_time().format(&format).unwrap_or_default()
}

/// Every page route: the one list the router is built from and the tests walk, so a new page
/// cannot escape them.
pub fn pages() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(dashboard::home)),
        ("/preview/end", post(dashboard::end_preview)),
        (
            "/setup",
            get(workspace::setup::show).post(workspace::setup::create),
        ),
        (
            "/invitation",
            get(identity::invitations::show).post(identity::invitations::accept),
        ),
        (
            "/reset-password",
            get(identity::password_resets::show).post(identity::password_resets::complete),
        ),
        ("/preview", get(identity::previews::open)),
        ("/assets/app.css", get(assets::stylesheet)),
        ("/assets/app.js", get(assets::script)),
        ("/sign-in", get(dashboard::sign_in)),
        ("/forgot-password", get(dashboard::forgot_password)),
        ("/sections/{section}", get(dashboard::section)),
        ("/conversations/{id}", get(dashboard::conversation)),
        ("/users", get(dashboard::users)),
        ("/teams", get(dashboard::teams)),
        ("/org-info", get(dashboard::org_info)),
        ("/account", get(dashboard::security)),
        ("/console", get(console::clients::show)),
        ("/console/agents/{id}", get(console::agents::show)),
        ("/console/conversations", get(console::conversations::list)),
        (
            "/console/conversations/{id}",
            get(console::conversations::transcript),
        ),
        ("/console/sign-in", get(console::sign_in)),
        ("/console/forgot-password", get(console::forgot_password)),
        ("/console/workspace/brand", get(console::workspace::brand)),
        ("/console/workspace/email", get(console::workspace::email)),
        (
            "/console/workspace/templates",
            get(console::workspace::templates),
        ),
        (
            "/console/workspace/members",
            get(console::workspace::members),
        ),
        (
            "/console/workspace/api-keys",
            get(console::workspace::api_keys),
        ),
        ("/console/workspace/outbox", get(console::workspace::outbox)),
        (
            "/console/workspace/outbox/{id}",
            get(console::workspace::outbox_message),
        ),
        ("/console/activity", get(console::workspace::activity)),
        (console::privacy::PATH, get(console::privacy::show)),
        ("/console/account", get(console::workspace::security)),
        (
            "/console/organizations/{id}",
            get(console::organization::users),
        ),
        (
            "/console/organizations/{id}/teams",
            get(console::organization::teams),
        ),
        (
            "/console/organizations/{id}/settings",
            get(console::organization::settings),
        ),
        (
            "/console/organizations/{id}/access",
            get(console::organization::access),
        ),
        (
            "/console/organizations/{id}/activity",
            get(console::organization::activity),
        ),
    ]
}

/// The router of every page.
pub fn routes() -> Router<AppState> {
    pages()
        .into_iter()
        .fold(Router::new(), |router, (path, page)| {
            router.route(path, page)
        })
}
