//! The workspace's privacy settings in the console: how long conversations are kept, and
//! erasing one contact's conversations on request (owner and admins).

use crate::state::AppState;
use crate::web::console::{chrome, member};
use crate::web::page::{Chrome, PageResult};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::clients::organizations::{OrganizationListRequest, OrganizationSort};

/// Where the page lives.
pub const PATH: &str = "/console/workspace/privacy";

/// The retention periods offered, in days, with how they read.
const PERIODS: [(i64, &str); 6] = [
    (30, "30 days"),
    (90, "90 days"),
    (180, "6 months"),
    (365, "1 year"),
    (730, "2 years"),
    (1825, "5 years"),
];

#[derive(Template, WebTemplate)]
#[template(path = "console/privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    /// (days, label, selected), the current period first when it is not one offered.
    periods: Vec<(i64, String, bool)>,
    keep_forever: bool,
    organizations: Vec<(String, String)>,
}

/// `GET /console/workspace/privacy`
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let actor = visitor.actor();
    let days = state.app.transcript_retention(actor).await?;
    let mut periods: Vec<(i64, String, bool)> = PERIODS
        .iter()
        .map(|(d, label)| (*d, (*label).to_owned(), Some(*d) == days))
        .collect();
    if let Some(days) = days.filter(|d| !PERIODS.iter().any(|(p, _)| p == d)) {
        periods.insert(0, (days, format!("{days} days"), true));
    }
    let organizations = state
        .app
        .list_organizations(
            actor,
            OrganizationListRequest {
                search: None,
                sort: OrganizationSort::NameAscending,
                cursor: None,
                limit: Some(200),
            },
        )
        .await?
        .organizations
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    let page = PrivacyPage {
        chrome: chrome(&state, &visitor, "Privacy", PATH).await?,
        periods,
        keep_forever: days.is_none(),
        organizations,
    };
    Ok(page.into_response())
}
