//! One agent in the console: who it is, the client it serves, and its runtime connection (the
//! runtime key, issued once and rotated with an overlap, the addresses the runtime calls, and
//! the webhook endpoint with its delivery log).

use crate::state::AppState;
use crate::web::console::{chrome, member};
use crate::web::page::{Chrome, PageResult, not_found};
use crate::web::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::AppError;
use clientele_app::runtime::webhooks::WebhookEvent;
use clientele_domain::AgentId;

#[derive(Template, WebTemplate)]
#[template(path = "console/agent.html")]
struct AgentPage {
    chrome: Chrome,
    id: String,
    kind: &'static str,
    description: String,
    organization: Option<(String, String)>,
    external_ref: Option<String>,
    /// The agent's keys that work now; `None` when the visitor may not manage them.
    keys: Option<Vec<KeyLine>>,
    /// Where the runtime calls, for the setup instructions.
    runtime_base: String,
    /// The webhook endpoint and its latest events; `None` when the visitor may not manage them.
    webhook: Option<WebhookPanel>,
}

struct WebhookPanel {
    url: String,
    secret: Option<String>,
    previous_secret_until: Option<String>,
    events: Vec<EventLine>,
}

/// One webhook event in the delivery log, with its latest attempt.
struct EventLine {
    id: String,
    kind: String,
    sequence: i64,
    status: String,
    created: String,
    attempts: usize,
    /// The runtime's status code, or why no answer came.
    answer: Option<String>,
    answer_ok: bool,
    excerpt: String,
    latency: Option<i64>,
}

impl From<WebhookEvent> for EventLine {
    fn from(event: WebhookEvent) -> Self {
        let latest = event.attempts.first();
        Self {
            id: event.id.as_uuid().to_string(),
            sequence: event.sequence,
            created: when(event.created_at),
            attempts: event.attempts.len(),
            answer: latest.map(|a| {
                a.status_code.map_or_else(
                    || a.error.clone().unwrap_or_default(),
                    |code| format!("HTTP {code}"),
                )
            }),
            answer_ok: latest
                .is_some_and(|a| a.status_code.is_some_and(|c| (200..300).contains(&c))),
            excerpt: latest
                .map(|a| a.response_excerpt.clone())
                .unwrap_or_default(),
            latency: latest.map(|a| a.latency_ms),
            kind: event.kind,
            status: event.status,
        }
    }
}

struct KeyLine {
    prefix: String,
    created: String,
    last_used: String,
    expires: Option<String>,
}

/// `GET /console/agents/{id}`
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let id = uuid::Uuid::parse_str(&id)
        .map(AgentId::from)
        .map_err(|_| not_found())?;
    let actor = visitor.actor();
    let agent = state.app.agent(actor, id).await?;
    let keys = match state.app.runtime_keys(actor, id).await {
        Ok(keys) => Some(
            keys.into_iter()
                .map(|k| KeyLine {
                    prefix: k.prefix,
                    created: when(k.created_at),
                    last_used: k.last_used_at.map_or_else(|| "Never".to_owned(), when),
                    expires: k.expires_at.map(when),
                })
                .collect(),
        ),
        Err(AppError::Forbidden(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let webhook = match state.app.webhook_endpoint(actor, id).await {
        Ok(endpoint) => {
            let events = state.app.webhook_events(actor, id, Some(20)).await?;
            Some(WebhookPanel {
                url: endpoint.url.unwrap_or_default(),
                secret: endpoint.secret,
                previous_secret_until: endpoint.previous_secret_expires_at.map(when),
                events: events.into_iter().map(EventLine::from).collect(),
            })
        }
        Err(AppError::Forbidden(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let page = AgentPage {
        chrome: chrome(&state, &visitor, agent.name.clone(), "/console").await?,
        id: agent.id.to_string(),
        kind: agent.kind.as_str(),
        description: agent.description,
        organization: agent
            .organization_id
            .zip(agent.organization_name)
            .map(|(id, name)| (id.to_string(), name)),
        external_ref: agent.external_ref,
        keys,
        runtime_base: format!("{}/runtime/v1", state.app.config.public_url.as_str()),
        webhook,
    };
    Ok(page.into_response())
}
