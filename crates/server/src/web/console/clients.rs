//! The Clients view: the workspace's organizations with their agents on one side, the agent
//! pool on the other. Both lists are searched and paged on the server, so the page stays small
//! at thousands of organizations and agents.

use crate::state::AppState;
use crate::web::console::{chrome, member};
use crate::web::page::{Chrome, PageResult, initial};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::clients::agents::Agent;
use clientele_app::clients::agents::AgentListRequest;
use clientele_app::clients::organizations::OrganizationListRequest;
use clientele_app::clients::organizations::OrganizationSort;
use clientele_domain::{AgentKind, OrganizationId};
use serde::Deserialize;
use std::collections::HashMap;

const ORGANIZATIONS_PER_PAGE: u64 = 20;
const AGENTS_PER_PAGE: u64 = 30;
const CHIPS_PER_ORGANIZATION: usize = 6;

#[derive(Deserialize, Default)]
pub struct ClientsQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
    #[serde(default)]
    aq: String,
    acursor: Option<String>,
    /// `all` shows assigned agents too; the default is the pool.
    #[serde(default)]
    agents: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/clients.html")]
struct ClientsPage {
    chrome: Chrome,
    query: ClientsQuery,
    organizations: Vec<OrganizationCard>,
    total: i64,
    next_organizations: Option<String>,
    agents: Vec<AgentItem>,
    next_agents: Option<String>,
    show_all_agents: bool,
}

struct OrganizationCard {
    id: String,
    name: String,
    initial: String,
    logo_url: Option<String>,
    user_count: i64,
    agent_count: i64,
    agents: Vec<AgentItem>,
    more_agents: i64,
}

struct AgentItem {
    id: String,
    name: String,
    voice: bool,
    description: String,
    organization: Option<String>,
}

impl From<&Agent> for AgentItem {
    fn from(agent: &Agent) -> Self {
        Self {
            id: agent.id.to_string(),
            name: agent.name.clone(),
            voice: agent.kind == AgentKind::Voice,
            description: agent.description.clone(),
            organization: agent.organization_name.clone(),
        }
    }
}

impl ClientsPage {
    /// The page's URL with one parameter changed (paging one list keeps the other's state).
    fn link(&self, key: &str, value: &str) -> String {
        let q = &self.query;
        let mut pairs: Vec<(&str, &str)> = vec![
            ("q", &q.q),
            ("cursor", q.cursor.as_deref().unwrap_or_default()),
            ("aq", &q.aq),
            ("acursor", q.acursor.as_deref().unwrap_or_default()),
            ("agents", &q.agents),
        ];
        for pair in &mut pairs {
            if pair.0 == key {
                pair.1 = value;
            }
        }
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if query.is_empty() {
            "/console".to_owned()
        } else {
            format!("/console?{}", query.join("&"))
        }
    }
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /console`
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ClientsQuery>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let actor = visitor.actor();
    let show_all_agents = query.agents == "all";
    let organizations = OrganizationListRequest {
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        sort: OrganizationSort::NameAscending,
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(ORGANIZATIONS_PER_PAGE),
    };
    let agents = AgentListRequest {
        search: Some(query.aq.clone()).filter(|q| !q.trim().is_empty()),
        assigned: if show_all_agents { None } else { Some(false) },
        organization_id: None,
        cursor: query.acursor.clone().filter(|c| !c.is_empty()),
        limit: Some(AGENTS_PER_PAGE),
    };
    let (organizations, agents) = tokio::try_join!(
        state.app.list_organizations(actor, organizations),
        state.app.list_agents(actor, agents),
    )?;
    let ids: Vec<OrganizationId> = organizations.organizations.iter().map(|o| o.id).collect();
    let mut assigned: HashMap<String, Vec<AgentItem>> = HashMap::new();
    for agent in state.app.agents_of_organizations(actor, &ids).await? {
        if let Some(organization) = agent.organization_id {
            assigned
                .entry(organization.to_string())
                .or_default()
                .push(AgentItem::from(&agent));
        }
    }
    let public_url = &state.app.config.public_url;
    let cards = organizations
        .organizations
        .iter()
        .map(|o| {
            let id = o.id.to_string();
            let mut agents = assigned.remove(&id).unwrap_or_default();
            agents.truncate(CHIPS_PER_ORGANIZATION);
            let shown = i64::try_from(agents.len()).unwrap_or_default();
            OrganizationCard {
                initial: initial(&o.name),
                logo_url: o
                    .logo_image_id
                    .as_ref()
                    .map(|i| public_url.join(&format!("/images/{i}"))),
                name: o.name.clone(),
                user_count: o.user_count,
                agent_count: o.agent_count,
                more_agents: o.agent_count - shown,
                agents,
                id,
            }
        })
        .collect();
    let page = ClientsPage {
        chrome: chrome(&state, &visitor, "Clients", "/console").await?,
        organizations: cards,
        total: organizations.total,
        next_organizations: organizations.next_cursor,
        agents: agents.agents.iter().map(AgentItem::from).collect(),
        next_agents: agents.next_cursor,
        show_all_agents,
        query,
    };
    Ok(page.into_response())
}
