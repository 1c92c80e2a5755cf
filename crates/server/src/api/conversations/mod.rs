//! Conversations: the list (filters, search, paging), one transcript, and its export. Client
//! users read their organization's, for the agents they may use; the agency reads all of its
//! own, across organizations.

pub mod retention;

use crate::api::rfc3339;
use crate::api::workspace::activity::time_param;
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use clientele_app::conversations::{Conversation, ConversationQuery, Message, Transcript};
use clientele_domain::{AgentId, ConversationId, ConversationStatus, OrganizationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConversationListQuery {
    /// Only this organization's (the agency; a client user always sees their own).
    pub organization_id: Option<Uuid>,
    /// Only this agent's.
    pub agent_id: Option<Uuid>,
    /// `ai`, `waiting` (for a person), `human` or `closed`.
    pub status: Option<String>,
    /// Only this channel (`web`, `whatsapp`, `phone`, ...).
    pub channel: Option<String>,
    /// Only those active at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only those last active before this time (RFC 3339).
    pub to: Option<String>,
    /// Text a message, the contact's name or email contains.
    pub q: Option<String>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Conversations per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A conversation as lists show it.
#[derive(Serialize, ToSchema)]
pub struct ConversationResponse {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub organization_id: Option<Uuid>,
    /// The runtime's id of the conversation.
    pub external_id: String,
    pub channel: String,
    pub contact: ContactResponse,
    /// `ai`, `waiting` (for a person), `human` or `closed`.
    pub status: String,
    pub handoff_reason: Option<String>,
    pub outcome: Option<String>,
    /// 1 to 5, when the contact rated it.
    pub rating: Option<i64>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub last_message_at: String,
    pub last_message: String,
    pub message_count: i64,
}

/// Who the contact is, as far as the runtime knows.
#[derive(Serialize, ToSchema)]
pub struct ContactResponse {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<Conversation> for ConversationResponse {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id.as_uuid(),
            agent_id: c.agent_id.as_uuid(),
            organization_id: c.organization_id.map(|id| id.as_uuid()),
            external_id: c.external_id,
            channel: c.channel,
            contact: ContactResponse {
                name: c.contact_name,
                email: c.contact_email,
                phone: c.contact_phone,
            },
            status: c.status.as_str().to_owned(),
            handoff_reason: c.handoff_reason,
            outcome: c.outcome,
            rating: c.rating,
            started_at: rfc3339(c.started_at),
            ended_at: c.ended_at.map(rfc3339),
            last_message_at: rfc3339(c.last_message_at),
            last_message: c.last_message_text,
            message_count: c.message_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationPageResponse {
    pub conversations: Vec<ConversationResponse>,
    pub next_cursor: Option<String>,
}

/// One message of a transcript.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub id: Uuid,
    /// `contact`, `agent`, `human` or `system`.
    pub role: String,
    pub text: String,
    pub sent_at: String,
}

impl From<Message> for MessageResponse {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.as_uuid(),
            role: m.role.as_str().to_owned(),
            text: m.text,
            sent_at: rfc3339(m.sent_at),
        }
    }
}

/// A conversation and its messages in the order they were sent.
#[derive(Serialize, ToSchema)]
pub struct TranscriptResponse {
    pub conversation: ConversationResponse,
    pub messages: Vec<MessageResponse>,
}

impl From<Transcript> for TranscriptResponse {
    fn from(t: Transcript) -> Self {
        Self {
            conversation: t.conversation.into(),
            messages: t.messages.into_iter().map(Into::into).collect(),
        }
    }
}

/// Lists conversations, most recently active first (the agency; client users who hold the
/// Conversations section, for the agents they may use).
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", operation_id = "listConversations",
    security(("session" = []), ("api_key" = [])), params(ConversationListQuery),
    responses((status = 200, body = ConversationPageResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<ConversationListQuery>,
) -> Result<Json<ConversationPageResponse>, Problem> {
    let status = match query.status.as_deref() {
        Some(status) => Some(
            status
                .parse::<ConversationStatus>()
                .map_err(|e| Problem::invalid_query(format!("status: {e}")))?,
        ),
        None => None,
    };
    let request = ConversationQuery {
        organization_id: query.organization_id.map(OrganizationId::from),
        agent_id: query.agent_id.map(AgentId::from),
        status,
        channel: query.channel,
        from: time_param("from", query.from.as_deref())?,
        to: time_param("to", query.to.as_deref())?,
        search: query.q,
        cursor: query.cursor,
        limit: query.limit,
    };
    let page = state.app.list_conversations(&caller.actor, request).await?;
    Ok(Json(ConversationPageResponse {
        conversations: page.conversations.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One conversation with its messages in order.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", operation_id = "getConversation",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The conversation")),
    responses((status = 200, body = TranscriptResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TranscriptResponse>, Problem> {
    let transcript = state
        .app
        .conversation(&caller.actor, ConversationId::from(id))
        .await?;
    Ok(Json(transcript.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the transcript as the API returns it) or `text` (one line per message).
    pub format: Option<String>,
}

/// Downloads one conversation as JSON or plain text.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/export", tag = "conversations", operation_id = "exportConversation",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The conversation"), ExportQuery),
    responses((status = 200, description = "The transcript as a file", content(
            (TranscriptResponse = "application/json"),
            (String = "text/plain"))),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, Problem> {
    let as_text = match query.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(_) => {
            return Err(Problem::invalid_query(
                "format: must be json or text".to_owned(),
            ));
        }
    };
    let transcript = state
        .app
        .conversation(&caller.actor, ConversationId::from(id))
        .await?;
    let name = format!("conversation-{id}");
    if as_text {
        let disposition = format!("attachment; filename=\"{name}.txt\"");
        let headers = [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ];
        return Ok((headers, plain_text(&transcript)).into_response());
    }
    let disposition = format!("attachment; filename=\"{name}.json\"");
    let body = Json(TranscriptResponse::from(transcript));
    Ok(([(header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// One line per message: time, who, text (continuation lines indented).
fn plain_text(transcript: &Transcript) -> String {
    let c = &transcript.conversation;
    let contact = [&c.contact_name, &c.contact_email, &c.contact_phone]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "Conversation {} ({}), started {}\nContact: {}\n\n",
        c.external_id,
        c.channel,
        rfc3339(c.started_at),
        if contact.is_empty() {
            "unknown"
        } else {
            &contact
        },
    );
    for message in &transcript.messages {
        let body = message.text.replace('\n', "\n    ");
        text.push_str(&format!(
            "[{}] {}: {}\n",
            rfc3339(message.sent_at),
            message.role.as_str(),
            body
        ));
    }
    text
}
