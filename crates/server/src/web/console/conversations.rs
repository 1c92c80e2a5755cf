//! The agency's conversations across all its clients: the list (with a client filter) and one
//! transcript.

use crate::state::AppState;
use crate::web::console::{chrome, member};
use crate::web::conversations::{self, ListParams, ListView, Surface, TranscriptView};
use crate::web::i18n::Messages;
use crate::web::page::{Chrome, PageResult, Visitor};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::clients::agents::{Agent, AgentListRequest};
use clientele_app::clients::organizations::{OrganizationListRequest, OrganizationSort};
use clientele_domain::Language;

/// Where the console's conversations live.
pub const PATH: &str = "/console/conversations";

#[derive(Template, WebTemplate)]
#[template(path = "console/conversations.html")]
struct ConversationsPage {
    chrome: Chrome,
    body: Body,
}

enum Body {
    List(ListView),
    Transcript(TranscriptView),
}

/// `GET /console/conversations`
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let actor = visitor.actor();
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
        .organizations;
    let surface = Surface {
        base: PATH,
        transcripts: PATH,
        agents: agents(&state, &visitor)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
        organizations: organizations.into_iter().map(|o| (o.id, o.name)).collect(),
    };
    let t = Messages::new(Language::En);
    let view = conversations::list(&state.app, actor, t, surface, params).await?;
    render(
        &state,
        &visitor,
        "Conversations".to_owned(),
        Body::List(view),
    )
    .await
}

/// `GET /console/conversations/{id}`
pub async fn transcript(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let agents = agents(&state, &visitor).await?;
    let name = |id| {
        agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let t = Messages::new(Language::En);
    let view = conversations::transcript(&state.app, visitor.actor(), t, &id, PATH, name).await?;
    render(
        &state,
        &visitor,
        view.contact.clone(),
        Body::Transcript(view),
    )
    .await
}

async fn agents(
    state: &AppState,
    visitor: &Visitor,
) -> Result<Vec<Agent>, crate::web::page::PageError> {
    let request = AgentListRequest {
        search: None,
        assigned: None,
        organization_id: None,
        cursor: None,
        limit: Some(200),
    };
    Ok(state
        .app
        .list_agents(visitor.actor(), request)
        .await?
        .agents)
}

async fn render(state: &AppState, visitor: &Visitor, title: String, body: Body) -> PageResult {
    let page = ConversationsPage {
        chrome: chrome(state, visitor, title, PATH).await?,
        body,
    };
    Ok(page.into_response())
}
