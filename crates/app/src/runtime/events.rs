//! Events a runtime reports for its agent, in batches: a conversation started, a message, a
//! handoff requested, a conversation ended, a rating, usage. Each is idempotent by the
//! runtime's own id: a repeated delivery changes nothing, the same id with other content is
//! refused, and events may arrive in any order. A bad event is answered with the fields it
//! got wrong while the good ones of its batch land; the batch is one transaction.

use crate::App;
use crate::error::{AppError, FieldError};
use crate::runtime::RuntimeAgent;
use clientele_domain::{
    AgentId, ConversationId, MessageId, MessageRole, OrganizationId, Timestamp, UsageId,
    WorkspaceId,
};
use clientele_store::Tx;
use clientele_store::clients::agents;
use clientele_store::conversations::messages::{self, NewMessage};
use clientele_store::conversations::{self, NewConversation, Started};
use clientele_store::runtime::events::{self, NewEvent};
use clientele_store::runtime::usage::{self, NewUsage};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most events one batch may carry.
pub const MOST_EVENTS: usize = 500;
/// The longest message, in characters.
pub const MOST_MESSAGE_CHARS: usize = 16_000;
/// How far ahead of this server's clock an event may be dated.
const CLOCK_SKEW_MICROS: i64 = 5 * 60 * 1_000_000;
/// The most credits one usage event may report.
const MOST_CREDITS: f64 = 1_000_000_000.0;

/// What became of one event of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now.
    Stored,
    /// Delivered before with the same content: nothing changed.
    Duplicate,
    /// Its id was delivered before with other content: refused.
    Conflict,
    /// Refused for the fields named.
    Invalid(Vec<FieldError>),
}

/// One event's answer, by its id (when it had a readable one) and position.
#[derive(Clone, Debug)]
pub struct EventResult {
    pub index: usize,
    pub id: Option<String>,
    pub outcome: Outcome,
}

/// An event that passed validation.
struct Event {
    id: String,
    kind: &'static str,
    occurred_at: Timestamp,
    digest: Vec<u8>,
    body: Body,
}

enum Body {
    Started {
        conversation: String,
        channel: String,
        contact_name: Option<String>,
        contact_email: Option<String>,
        contact_phone: Option<String>,
    },
    Message {
        conversation: String,
        role: MessageRole,
        text: String,
    },
    Handoff {
        conversation: String,
        reason: Option<String>,
    },
    Ended {
        conversation: String,
        outcome: Option<String>,
    },
    Rating {
        conversation: String,
        score: i64,
    },
    Usage {
        conversation: Option<String>,
        millicredits: i64,
    },
}

impl Body {
    fn conversation(&self) -> Option<&str> {
        match self {
            Body::Started { conversation, .. }
            | Body::Message { conversation, .. }
            | Body::Handoff { conversation, .. }
            | Body::Ended { conversation, .. }
            | Body::Rating { conversation, .. } => Some(conversation),
            Body::Usage { conversation, .. } => conversation.as_deref(),
        }
    }
}

/// Where the batch's events go: the agent and the organization it serves.
struct Scope {
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    organization_id: OrganizationId,
}

impl App {
    /// Stores a batch of the agent's events; one answer per event, in order.
    #[tracing::instrument(skip_all, fields(events = batch.len()))]
    pub async fn ingest_events(
        &self,
        runtime: &RuntimeAgent,
        batch: Vec<Value>,
    ) -> Result<Vec<EventResult>, AppError> {
        if batch.is_empty() {
            return Err(AppError::invalid("events", "must hold at least one event"));
        }
        let agent = agents::find(&self.db, runtime.workspace_id(), runtime.agent_id())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let Some(organization_id) = agent.organization_id() else {
            return Err(AppError::Conflict {
                field: "agent",
                message: "the agent serves no organization: assign it to one before it reports conversations",
            });
        };
        let scope = Scope {
            workspace_id: runtime.workspace_id(),
            agent_id: runtime.agent_id(),
            organization_id,
        };
        let now = Timestamp::now();
        let parsed: Vec<Result<Event, Vec<FieldError>>> = batch
            .iter()
            .enumerate()
            .map(|(index, value)| parse(index, value, now))
            .collect();
        let mut tx = self.db.begin().await?;
        let outcomes = claim(&mut tx, &scope, &parsed, now).await?;
        let mut applying = Applying::default();
        for (event, outcome) in parsed.iter().zip(&outcomes) {
            if let (Ok(event), Outcome::Stored) = (event, outcome) {
                apply(&mut tx, &scope, &mut applying, event).await?;
            }
        }
        store_messages(&mut tx, &applying.messages).await?;
        tx.commit().await?;
        let ids = batch.iter().zip(&parsed).map(|(value, event)| match event {
            Ok(event) => Some(event.id.clone()),
            Err(_) => value.get("id").and_then(Value::as_str).map(str::to_owned),
        });
        Ok(ids
            .zip(outcomes)
            .enumerate()
            .map(|(index, (id, outcome))| EventResult { index, id, outcome })
            .collect())
    }
}

/// What each event of the batch is: new, a repeat, a reused id or invalid, decided with one
/// insert for the whole batch and one read of the ids delivered before.
async fn claim(
    tx: &mut Tx,
    scope: &Scope,
    parsed: &[Result<Event, Vec<FieldError>>],
    now: Timestamp,
) -> Result<Vec<Outcome>, AppError> {
    let mut first: HashMap<&str, &Event> = HashMap::new();
    let mut claims = Vec::new();
    for event in parsed.iter().flatten() {
        if let Entry::Vacant(slot) = first.entry(event.id.as_str()) {
            slot.insert(event);
            claims.push(NewEvent {
                workspace_id: scope.workspace_id,
                agent_id: scope.agent_id,
                event_id: &event.id,
                kind: event.kind,
                digest: &event.digest,
                received_at: now,
            });
        }
    }
    let recorded = events::claim_all(tx, &claims).await?;
    let earlier: Vec<&str> = first
        .keys()
        .filter(|id| !recorded.contains(**id))
        .copied()
        .collect();
    let delivered = events::digests(tx, scope.agent_id, &earlier).await?;
    let mut seen = HashSet::new();
    Ok(parsed
        .iter()
        .map(|event| {
            let event = match event {
                Ok(event) => event,
                Err(errors) => return Outcome::Invalid(errors.clone()),
            };
            let first_time = seen.insert(event.id.as_str());
            if first_time && recorded.contains(&event.id) {
                return Outcome::Stored;
            }
            let before = if first_time {
                delivered.get(&event.id)
            } else {
                first.get(event.id.as_str()).map(|e| &e.digest)
            };
            if before == Some(&event.digest) {
                Outcome::Duplicate
            } else {
                Outcome::Conflict
            }
        })
        .collect())
}

/// What the batch has applied so far: the conversations it found, by the runtime's id, and
/// its messages, stored together at the end.
#[derive(Default)]
struct Applying<'a> {
    known: HashMap<String, ConversationId>,
    messages: Vec<NewMessage<'a>>,
}

/// Applies one new event inside the batch's transaction (a message waits for the others).
async fn apply<'a>(
    tx: &mut Tx,
    scope: &Scope,
    applying: &mut Applying<'a>,
    event: &'a Event,
) -> Result<(), AppError> {
    let conversation = match event.body.conversation() {
        Some(external_id) => match applying.known.get(external_id) {
            Some(id) => Some(*id),
            None => {
                let id = conversation_of(tx, scope, external_id, event).await?;
                applying.known.insert(external_id.to_owned(), id);
                Some(id)
            }
        },
        None => None,
    };
    let at = event.occurred_at;
    match (&event.body, conversation) {
        (
            Body::Started {
                channel,
                contact_name,
                contact_email,
                contact_phone,
                ..
            },
            Some(id),
        ) => {
            let started = Started {
                channel,
                contact_name: contact_name.as_deref(),
                contact_email: contact_email.as_deref(),
                contact_phone: contact_phone.as_deref(),
                started_at: at,
            };
            conversations::record_start(tx, id, &started).await?;
        }
        (Body::Message { role, text, .. }, Some(id)) => applying.messages.push(NewMessage {
            id: MessageId::new(),
            workspace_id: scope.workspace_id,
            conversation_id: id,
            external_id: &event.id,
            role: *role,
            text,
            sent_at: at,
        }),
        (Body::Handoff { reason, .. }, Some(id)) => {
            conversations::request_handoff(tx, id, reason.as_deref()).await?;
        }
        (Body::Ended { outcome, .. }, Some(id)) => {
            conversations::close(tx, id, outcome.as_deref(), at).await?;
        }
        (Body::Rating { score, .. }, Some(id)) => conversations::rate(tx, id, *score).await?,
        (Body::Usage { millicredits, .. }, conversation_id) => {
            let new = NewUsage {
                id: UsageId::new(),
                workspace_id: scope.workspace_id,
                agent_id: scope.agent_id,
                organization_id: Some(scope.organization_id),
                conversation_id,
                event_id: &event.id,
                millicredits: *millicredits,
                occurred_at: at,
            };
            usage::insert(tx, &new).await?;
        }
        (_, None) => {}
    }
    Ok(())
}

/// Stores the batch's messages in one statement, then counts them on their conversations,
/// the latest of each becoming the one lists show.
async fn store_messages(tx: &mut Tx, batch: &[NewMessage<'_>]) -> Result<(), AppError> {
    let stored: HashSet<(ConversationId, String)> =
        messages::insert_all(tx, batch).await?.into_iter().collect();
    let mut latest: HashMap<ConversationId, (i64, &NewMessage<'_>)> = HashMap::new();
    let new = batch
        .iter()
        .filter(|m| stored.contains(&(m.conversation_id, m.external_id.to_owned())));
    for message in new {
        let entry = latest
            .entry(message.conversation_id)
            .or_insert((0, message));
        entry.0 += 1;
        if (message.sent_at, message.external_id) > (entry.1.sent_at, entry.1.external_id) {
            entry.1 = message;
        }
    }
    for (id, (count, last)) in latest {
        conversations::record_messages(tx, id, count, last.sent_at, last.text).await?;
    }
    Ok(())
}

/// The stored conversation an event belongs to; an event that arrives before its
/// conversation's start creates it, and the start fills it in later.
async fn conversation_of(
    tx: &mut Tx,
    scope: &Scope,
    external_id: &str,
    event: &Event,
) -> Result<ConversationId, AppError> {
    let channel = match &event.body {
        Body::Started { channel, .. } => channel.as_str(),
        _ => "unknown",
    };
    let new = NewConversation {
        id: ConversationId::new(),
        workspace_id: scope.workspace_id,
        agent_id: scope.agent_id,
        organization_id: Some(scope.organization_id),
        external_id,
        channel,
        started_at: event.occurred_at,
    };
    Ok(conversations::ensure(tx, &new).await?)
}

/// Checks one event, naming every field it got wrong as `events[i].field`.
fn parse(index: usize, value: &Value, now: Timestamp) -> Result<Event, Vec<FieldError>> {
    let mut fields = Fields {
        index,
        errors: Vec::new(),
        map: value.as_object(),
    };
    if fields.map.is_none() {
        return Err(vec![fields.error("", "must be an object")]);
    }
    let id = fields.text("id", 200);
    let kind = fields.text("type", 40);
    let occurred_at = fields.time("occurred_at", now);
    let body = match kind.as_deref() {
        Some("conversation.started") => Some(Body::Started {
            conversation: fields.text("conversation_id", 200).unwrap_or_default(),
            channel: fields.channel(),
            contact_name: fields.contact("name", 200),
            contact_email: fields.contact("email", 320),
            contact_phone: fields.contact("phone", 40),
        }),
        Some("message") => Some(Body::Message {
            conversation: fields.text("conversation_id", 200).unwrap_or_default(),
            role: fields.role(),
            text: fields.message_text(),
        }),
        Some("handoff.requested") => Some(Body::Handoff {
            conversation: fields.text("conversation_id", 200).unwrap_or_default(),
            reason: fields.optional_text("reason", 1000),
        }),
        Some("conversation.ended") => Some(Body::Ended {
            conversation: fields.text("conversation_id", 200).unwrap_or_default(),
            outcome: fields.optional_text("outcome", 100),
        }),
        Some("rating") => Some(Body::Rating {
            conversation: fields.text("conversation_id", 200).unwrap_or_default(),
            score: fields.score(),
        }),
        Some("usage") => Some(Body::Usage {
            conversation: fields.optional_text("conversation_id", 200),
            millicredits: fields.millicredits(),
        }),
        Some(_) => {
            fields.fail(
                "type",
                "must be one of conversation.started message handoff.requested conversation.ended rating usage",
            );
            None
        }
        None => None,
    };
    let kind = body.as_ref().map(Body::kind);
    match (fields.errors.is_empty(), id, kind, occurred_at, body) {
        (true, Some(id), Some(kind), Some(occurred_at), Some(body)) => Ok(Event {
            id,
            kind,
            occurred_at,
            digest: digest(value),
            body,
        }),
        _ => Err(fields.errors),
    }
}

impl Body {
    fn kind(&self) -> &'static str {
        match self {
            Body::Started { .. } => "conversation.started",
            Body::Message { .. } => "message",
            Body::Handoff { .. } => "handoff.requested",
            Body::Ended { .. } => "conversation.ended",
            Body::Rating { .. } => "rating",
            Body::Usage { .. } => "usage",
        }
    }
}

/// The event's content, fixed: keys in order, so the same event always hashes the same.
fn digest(value: &Value) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(value).unwrap_or_default()).to_vec()
}

/// Reads an event's fields, collecting what is wrong with them.
struct Fields<'a> {
    index: usize,
    map: Option<&'a Map<String, Value>>,
    errors: Vec<FieldError>,
}

impl Fields<'_> {
    fn error(&self, field: &str, message: &str) -> FieldError {
        let at = if field.is_empty() {
            format!("events[{}]", self.index)
        } else {
            format!("events[{}].{field}", self.index)
        };
        FieldError {
            field: at,
            message: message.to_owned(),
        }
    }

    fn fail(&mut self, field: &str, message: &str) {
        let error = self.error(field, message);
        self.errors.push(error);
    }

    fn get(&self, field: &str) -> Option<&Value> {
        self.map.and_then(|m| m.get(field)).filter(|v| !v.is_null())
    }

    /// A required string of 1 to `most` characters without control characters.
    fn text(&mut self, field: &str, most: usize) -> Option<String> {
        match self.optional_text(field, most) {
            Some(text) => Some(text),
            None if self
                .errors
                .iter()
                .any(|e| e.field.ends_with(&format!(".{field}"))) =>
            {
                None
            }
            None => {
                self.fail(field, "is required");
                None
            }
        }
    }

    fn optional_text(&mut self, field: &str, most: usize) -> Option<String> {
        let value = self.get(field)?;
        let Some(text) = value.as_str().map(str::trim) else {
            self.fail(field, "must be a string");
            return None;
        };
        if text.is_empty() {
            return None;
        }
        if text.chars().count() > most {
            self.fail(field, &format!("must be at most {most} characters"));
            return None;
        }
        if text.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
            return None;
        }
        Some(text.to_owned())
    }

    fn contact(&mut self, part: &str, most: usize) -> Option<String> {
        let contact = self.get("contact")?;
        let Some(fields) = contact.as_object() else {
            self.fail("contact", "must be an object with name, email and phone");
            return None;
        };
        let mut inner = Fields {
            index: self.index,
            map: Some(fields),
            errors: Vec::new(),
        };
        let text = inner.optional_text(part, most);
        for mut error in inner.errors {
            error.field = error
                .field
                .replacen(&format!(".{part}"), &format!(".contact.{part}"), 1);
            self.errors.push(error);
        }
        text
    }

    fn channel(&mut self) -> String {
        let channel = self.text("channel", 40).unwrap_or_default();
        let valid = channel
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            self.fail(
                "channel",
                "must be lowercase letters, digits, - and _ (web, whatsapp, phone, ...)",
            );
        }
        channel
    }

    fn role(&mut self) -> MessageRole {
        let role = self.text("role", 20);
        match role.as_deref().map(str::parse::<MessageRole>) {
            Some(Ok(role)) => role,
            Some(Err(error)) => {
                self.fail("role", &error.to_string());
                MessageRole::System
            }
            None => MessageRole::System,
        }
    }

    /// A message's text: 1 to [`MOST_MESSAGE_CHARS`] characters; lines and tabs allowed.
    fn message_text(&mut self) -> String {
        let Some(value) = self.get("text") else {
            self.fail("text", "is required");
            return String::new();
        };
        let Some(text) = value.as_str() else {
            self.fail("text", "must be a string");
            return String::new();
        };
        let text = text.trim().replace("\r\n", "\n");
        if text.is_empty() {
            self.fail("text", "must not be empty");
        } else if text.chars().count() > MOST_MESSAGE_CHARS {
            self.fail(
                "text",
                &format!("must be at most {MOST_MESSAGE_CHARS} characters"),
            );
        } else if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.fail(
                "text",
                "must not contain control characters other than line breaks and tabs",
            );
        }
        text
    }

    /// When the event happened, as RFC 3339; not later than a few minutes from now.
    fn time(&mut self, field: &str, now: Timestamp) -> Option<Timestamp> {
        let text = self.text(field, 64)?;
        let parsed = OffsetDateTime::parse(&text, &Rfc3339)
            .ok()
            .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000).ok())
            .and_then(|micros| Timestamp::try_from(micros).ok());
        let Some(at) = parsed else {
            self.fail(
                field,
                "must be an RFC 3339 time, such as 2026-12-07T10:00:00Z",
            );
            return None;
        };
        if at.unix_micros() > now.unix_micros() + CLOCK_SKEW_MICROS {
            self.fail(field, "must not be more than 5 minutes in the future");
            return None;
        }
        Some(at)
    }

    fn score(&mut self) -> i64 {
        match self.get("score").and_then(Value::as_i64) {
            Some(score @ 1..=5) => score,
            _ => {
                self.fail("score", "must be a whole number from 1 to 5");
                0
            }
        }
    }

    fn millicredits(&mut self) -> i64 {
        match self.get("credits").and_then(Value::as_f64) {
            Some(credits) if (0.0..=MOST_CREDITS).contains(&credits) => {
                (credits * 1000.0).round() as i64
            }
            _ => {
                self.fail("credits", "must be a number from 0 to 1000000000");
                0
            }
        }
    }
}
