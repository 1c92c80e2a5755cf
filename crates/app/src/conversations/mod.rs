//! Conversations between contacts and agents, as the organization and the agency read them:
//! a list with filters and search, a transcript, and an export. A client user sees their
//! organization's conversations with the agents they may use, if they hold the Conversations
//! section; the agency sees all of its own. A conversation stays with the organization its
//! agent served when it started.

pub mod retention;

use crate::App;
use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clientele_domain::{
    Action, Actor, AgentAccess, AgentId, ConversationId, ConversationStatus, MessageId,
    MessageRole, OrganizationId, Principal, Resource, Timestamp, authorize,
};
use clientele_store::clients::{client_users, organizations};
use clientele_store::conversations::messages::{self, MessageRow};
use clientele_store::conversations::{self, ConversationFilter, ConversationRow};

/// The most messages a transcript holds.
pub const MOST_MESSAGES: u64 = 5_000;

/// Which conversations to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct ConversationQuery {
    pub organization_id: Option<OrganizationId>,
    pub agent_id: Option<AgentId>,
    pub status: Option<ConversationStatus>,
    pub channel: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Text a message, the contact's name or their email contains.
    pub search: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// A conversation as lists and transcripts show it.
#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: ConversationId,
    pub agent_id: AgentId,
    pub organization_id: Option<OrganizationId>,
    /// The runtime's id of the conversation.
    pub external_id: String,
    pub channel: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub status: ConversationStatus,
    pub handoff_reason: Option<String>,
    pub outcome: Option<String>,
    pub rating: Option<i64>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub last_message_at: Timestamp,
    pub last_message_text: String,
    pub message_count: i64,
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Self {
        Self {
            id: row.id,
            agent_id: row.agent_id,
            organization_id: row.organization_id.map(OrganizationId::from),
            external_id: row.external_id,
            channel: row.channel,
            contact_name: row.contact_name,
            contact_email: row.contact_email,
            contact_phone: row.contact_phone,
            status: row.status,
            handoff_reason: row.handoff_reason,
            outcome: row.outcome,
            rating: row.rating,
            started_at: row.started_at,
            ended_at: row.ended_at.and_then(|m| Timestamp::try_from(m).ok()),
            last_message_at: row.last_message_at,
            last_message_text: row.last_message_text,
            message_count: row.message_count,
        }
    }
}

/// One message of a transcript.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: MessageId,
    pub role: MessageRole,
    pub text: String,
    pub sent_at: Timestamp,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Self {
        Self {
            id: row.id,
            role: row.role,
            text: row.text,
            sent_at: row.sent_at,
        }
    }
}

/// A page of conversations and the cursor of the next.
#[derive(Debug)]
pub struct ConversationPage {
    pub conversations: Vec<Conversation>,
    pub next_cursor: Option<String>,
}

/// A conversation with its messages in order.
#[derive(Debug)]
pub struct Transcript {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

impl App {
    /// A page of the conversations the actor may read, most recently active first.
    #[tracing::instrument(skip_all)]
    pub async fn list_conversations(
        &self,
        actor: &Actor,
        query: ConversationQuery,
    ) -> Result<ConversationPage, AppError> {
        let organization_id = match actor.principal {
            Principal::ClientUser {
                organization_id, ..
            } => Some(query.organization_id.unwrap_or(organization_id)),
            _ => query.organization_id,
        };
        let resource = match organization_id {
            Some(id) => Resource::Organization {
                workspace_id: actor.workspace_id,
                id,
            },
            None => Resource::Workspace(actor.workspace_id),
        };
        let permit = authorize(actor, Action::ReadConversations, &resource)?;
        if let Some(id) = organization_id {
            organizations::find(&self.db, permit.workspace_id(), id)
                .await?
                .ok_or(AppError::NotFound)?;
        }
        let limit = crate::cursor::page_size(query.limit)?;
        let filter = ConversationFilter {
            organization_id,
            agent_ids: self.usable_agents(actor).await?,
            agent_id: query.agent_id,
            status: query.status,
            channel: query.channel,
            from: query.from,
            to: query.to,
            words: search_words(query.search.as_deref())?,
            after: query.cursor.as_deref().map(decode_cursor).transpose()?,
            limit: limit + 1,
        };
        let mut rows = conversations::list(&self.db, permit.workspace_id(), &filter).await?;
        let next_cursor = (rows.len() as u64 > limit).then(|| {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            rows.last()
                .map(|last| encode_cursor(last.last_message_at, last.id))
                .unwrap_or_default()
        });
        Ok(ConversationPage {
            conversations: rows.into_iter().map(Conversation::from).collect(),
            next_cursor,
        })
    }

    /// One conversation with its messages, for those who may read it.
    pub async fn conversation(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> Result<Transcript, AppError> {
        let row = conversations::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let resource = match row.organization_id {
            Some(organization) => Resource::Organization {
                workspace_id: row.workspace_id,
                id: OrganizationId::from(organization),
            },
            None => Resource::Workspace(row.workspace_id),
        };
        let permit = authorize(actor, Action::ReadConversations, &resource)?;
        if let Some(usable) = self.usable_agents(actor).await?
            && !usable.contains(&row.agent_id)
        {
            return Err(AppError::NotFound);
        }
        let rows =
            messages::of_conversation(&self.db, permit.workspace_id(), id, MOST_MESSAGES).await?;
        Ok(Transcript {
            conversation: row.into(),
            messages: rows.into_iter().map(Message::from).collect(),
        })
    }

    /// The agents whose conversations a client user may read, when they may use only some;
    /// `None` when the actor's agents are not narrowed.
    async fn usable_agents(&self, actor: &Actor) -> Result<Option<Vec<AgentId>>, AppError> {
        let Principal::ClientUser { id, .. } = actor.principal else {
            return Ok(None);
        };
        let user = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if user.agent_access == AgentAccess::All {
            return Ok(None);
        }
        let grants =
            client_users::agent_grants(&self.db, actor.workspace_id, None, Some(&[id])).await?;
        Ok(Some(grants.into_iter().map(|g| g.agent_id).collect()))
    }
}

/// The most words one search looks for.
const MOST_WORDS: usize = 8;

/// The words to search for: runs of letters and digits, lowercase; blank means no search.
/// Both databases' indexes split text into words the same way.
fn search_words(search: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(text) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    if text.chars().count() > 200 || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "q",
            "must be at most 200 characters without control characters",
        ));
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Err(AppError::invalid("q", "must contain a letter or a digit"));
    }
    if words.len() > MOST_WORDS {
        return Err(AppError::invalid("q", "must be at most 8 words"));
    }
    Ok(words)
}

fn encode_cursor(at: Timestamp, id: ConversationId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", at.unix_micros(), id.as_uuid()))
}

fn decode_cursor(cursor: &str) -> Result<(Timestamp, ConversationId), AppError> {
    let invalid = || AppError::invalid("cursor", "is not a cursor this list returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once('.').ok_or_else(invalid)?;
    let at = at
        .parse::<i64>()
        .ok()
        .and_then(|m| Timestamp::try_from(m).ok())
        .ok_or_else(invalid)?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((at, ConversationId::from(id)))
}
