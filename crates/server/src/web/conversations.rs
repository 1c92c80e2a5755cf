//! The conversation pages both surfaces share: the list with its filters, and one transcript.
//! The client dashboard shows the organization's; the agency console all of them.

use crate::web::i18n::Messages;
use crate::web::page::PageError;
use crate::web::when;
use clientele_app::App;
use clientele_app::conversations::{Conversation, ConversationQuery, Transcript};
use clientele_domain::{
    Actor, AgentId, ConversationId, ConversationStatus, MessageRole, OrganizationId,
};
use serde::Deserialize;
use std::collections::HashMap;

/// The list's filters, as the page's GET form sends them; a value that is not understood
/// filters nothing.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    agent: String,
    #[serde(default)]
    organization: String,
    cursor: Option<String>,
}

/// One row of the list.
pub struct RowView {
    pub href: String,
    pub contact: String,
    pub initial: String,
    pub channel: String,
    pub status_label: String,
    pub status_class: &'static str,
    pub last_message: String,
    pub when: String,
    pub agent: String,
    pub organization: String,
}

/// The list page's content.
pub struct ListView {
    /// Where the filter form goes: this page.
    pub base: String,
    pub search: String,
    pub status: String,
    pub channel: String,
    pub agent: String,
    pub organization: String,
    pub statuses: Vec<(&'static str, String)>,
    pub agents: Vec<(String, String)>,
    /// Organizations to filter by: the console's; none on the dashboard.
    pub organizations: Vec<(String, String)>,
    pub rows: Vec<RowView>,
    /// The next page's address, filters kept.
    pub next: Option<String>,
    pub filtered: bool,
}

/// Where the list is shown and what names its ids.
pub struct Surface<'a> {
    pub base: &'a str,
    /// Transcripts live at `{transcripts}/{id}`.
    pub transcripts: &'a str,
    pub agents: Vec<(AgentId, String)>,
    pub organizations: Vec<(OrganizationId, String)>,
}

/// Builds the list for `actor` from the page's filters.
pub async fn list(
    app: &App,
    actor: &Actor,
    t: Messages,
    surface: Surface<'_>,
    params: ListParams,
) -> Result<ListView, PageError> {
    let status = params.status.parse::<ConversationStatus>().ok();
    let agent_id = parse_id(&params.agent).map(AgentId::from);
    let organization_id = parse_id(&params.organization).map(OrganizationId::from);
    let query = ConversationQuery {
        organization_id,
        agent_id,
        status,
        channel: Some(params.channel.trim().to_owned()).filter(|c| !c.is_empty()),
        search: Some(params.q.clone()),
        cursor: params.cursor.clone(),
        ..ConversationQuery::default()
    };
    let page = app.list_conversations(actor, query).await?;
    let agent_names: HashMap<AgentId, &str> = surface
        .agents
        .iter()
        .map(|(id, n)| (*id, n.as_str()))
        .collect();
    let org_names: HashMap<OrganizationId, &str> = surface
        .organizations
        .iter()
        .map(|(id, n)| (*id, n.as_str()))
        .collect();
    let rows = page
        .conversations
        .into_iter()
        .map(|c| row(t, &surface, &agent_names, &org_names, c))
        .collect();
    let filters = [
        ("q", params.q.as_str()),
        ("status", params.status.as_str()),
        ("channel", params.channel.as_str()),
        ("agent", params.agent.as_str()),
        ("organization", params.organization.as_str()),
    ];
    let kept: Vec<(&str, &str)> = filters
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    let kept = serde_urlencoded::to_string(&kept).unwrap_or_default();
    Ok(ListView {
        base: surface.base.to_owned(),
        next: page
            .next_cursor
            .map(|c| format!("{}?{kept}&cursor={c}", surface.base)),
        filtered: filters.iter().any(|(_, v)| !v.trim().is_empty()),
        statuses: ConversationStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(t, *s)))
            .collect(),
        agents: surface
            .agents
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone()))
            .collect(),
        organizations: surface
            .organizations
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone()))
            .collect(),
        search: params.q,
        status: params.status,
        channel: params.channel,
        agent: params.agent,
        organization: params.organization,
        rows,
    })
}

fn row(
    t: Messages,
    surface: &Surface<'_>,
    agents: &HashMap<AgentId, &str>,
    organizations: &HashMap<OrganizationId, &str>,
    c: Conversation,
) -> RowView {
    let contact = contact_name(t, &c);
    RowView {
        href: format!("{}/{}", surface.transcripts, c.id),
        initial: contact
            .chars()
            .next()
            .unwrap_or('?')
            .to_uppercase()
            .collect(),
        contact,
        channel: c.channel,
        status_label: status_label(t, c.status),
        status_class: status_class(c.status),
        last_message: c.last_message_text,
        when: when(c.last_message_at),
        agent: agents
            .get(&c.agent_id)
            .copied()
            .unwrap_or_default()
            .to_owned(),
        organization: c
            .organization_id
            .and_then(|id| organizations.get(&id).copied())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// One message as the transcript shows it.
pub struct MessageView {
    pub role: &'static str,
    pub author: String,
    pub text: String,
    pub when: String,
    /// Written on the organization's side (the agent or a person): shown on the right.
    pub ours: bool,
}

/// The transcript page's content.
pub struct TranscriptView {
    pub back: String,
    pub export: String,
    pub contact: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel: String,
    pub status_label: String,
    pub status_class: &'static str,
    pub started: String,
    pub agent: String,
    pub rating: Option<i64>,
    pub outcome: Option<String>,
    /// Why a person was asked for, when one was.
    pub handoff_reason: Option<String>,
    pub messages: Vec<MessageView>,
}

/// Builds one transcript for `actor`; `back` is the list it came from.
pub async fn transcript(
    app: &App,
    actor: &Actor,
    t: Messages,
    id: &str,
    back: &str,
    agent_name: impl Fn(AgentId) -> String,
) -> Result<TranscriptView, PageError> {
    let id = parse_id(id)
        .map(ConversationId::from)
        .ok_or_else(crate::web::page::not_found)?;
    let Transcript {
        conversation: c,
        messages,
    } = app.conversation(actor, id).await?;
    let contact = contact_name(t, &c);
    let agent = agent_name(c.agent_id);
    let messages = messages
        .into_iter()
        .map(|m| MessageView {
            role: m.role.as_str(),
            author: match m.role {
                MessageRole::Contact => contact.clone(),
                MessageRole::Agent => agent.clone(),
                MessageRole::Human => t.get("transcript.person").to_owned(),
                MessageRole::System => t.get("transcript.system").to_owned(),
            },
            ours: matches!(m.role, MessageRole::Agent | MessageRole::Human),
            text: m.text,
            when: when(m.sent_at),
        })
        .collect();
    Ok(TranscriptView {
        back: back.to_owned(),
        export: format!("/api/v1/conversations/{}/export", c.id),
        email: c.contact_email.clone(),
        phone: c.contact_phone.clone(),
        channel: c.channel.clone(),
        status_label: status_label(t, c.status),
        status_class: status_class(c.status),
        started: when(c.started_at),
        rating: c.rating,
        outcome: c.outcome.clone(),
        handoff_reason: c.handoff_reason.clone(),
        contact,
        agent,
        messages,
    })
}

fn contact_name(t: Messages, c: &Conversation) -> String {
    c.contact_name
        .clone()
        .or_else(|| c.contact_email.clone())
        .or_else(|| c.contact_phone.clone())
        .unwrap_or_else(|| t.get("conversations.visitor").to_owned())
}

fn status_label(t: Messages, status: ConversationStatus) -> String {
    t.get(match status {
        ConversationStatus::Ai => "conversations.status_ai",
        ConversationStatus::Waiting => "conversations.status_waiting",
        ConversationStatus::Human => "conversations.status_human",
        ConversationStatus::Closed => "conversations.status_closed",
    })
    .to_owned()
}

fn status_class(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Ai => "brand",
        ConversationStatus::Waiting => "warn",
        ConversationStatus::Human => "ok",
        ConversationStatus::Closed => "",
    }
}

fn parse_id(text: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(text.trim()).ok()
}
