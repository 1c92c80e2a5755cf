//! The conversations table: one row per conversation a runtime reported, with what lists need
//! (status, contact, the latest message) kept on the row so a page of them is one query.

pub mod messages;
pub mod retention;
mod search;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{
    AgentId, ConversationId, ConversationStatus, OrganizationId, Timestamp, WorkspaceId,
};
use sea_query::{Cond, Expr, ExprTrait, Iden, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum Conversations {
    Table,
    Id,
    WorkspaceId,
    AgentId,
    OrganizationId,
    ExternalId,
    Channel,
    ContactName,
    ContactEmail,
    ContactPhone,
    Status,
    HandoffReason,
    Outcome,
    Rating,
    StartedAt,
    EndedAt,
    LastMessageAt,
    LastMessageText,
    MessageCount,
}

/// A stored conversation.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ConversationId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
    pub organization_id: Option<Uuid>,
    pub external_id: String,
    pub channel: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: ConversationStatus,
    pub handoff_reason: Option<String>,
    pub outcome: Option<String>,
    pub rating: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub started_at: Timestamp,
    pub ended_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub last_message_at: Timestamp,
    pub last_message_text: String,
    pub message_count: i64,
}

/// A conversation first heard of: from its start, or from an event that came before it.
#[derive(Debug)]
pub struct NewConversation<'a> {
    pub id: ConversationId,
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub organization_id: Option<OrganizationId>,
    pub external_id: &'a str,
    pub channel: &'a str,
    pub started_at: Timestamp,
}

/// The id of the agent's conversation `new.external_id`, stored now if it was not yet.
pub async fn ensure(tx: &mut Tx, new: &NewConversation<'_>) -> Result<ConversationId, StoreError> {
    let insert = Query::insert()
        .into_table(Conversations::Table)
        .columns([
            Conversations::Id,
            Conversations::WorkspaceId,
            Conversations::AgentId,
            Conversations::OrganizationId,
            Conversations::ExternalId,
            Conversations::Channel,
            Conversations::Status,
            Conversations::StartedAt,
            Conversations::LastMessageAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.agent_id.as_uuid().into(),
            new.organization_id.map(|id| id.as_uuid()).into(),
            new.external_id.into(),
            new.channel.into(),
            ConversationStatus::Ai.as_str().into(),
            new.started_at.unix_micros().into(),
            new.started_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::columns([Conversations::AgentId, Conversations::ExternalId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    if tx.execute(&insert).await? == 1 {
        return Ok(new.id);
    }
    let select = Query::select()
        .column(Conversations::Id)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::AgentId).eq(new.agent_id.as_uuid()))
        .and_where(Expr::col(Conversations::ExternalId).eq(new.external_id))
        .to_owned();
    let found: Option<Found> = tx.fetch_optional(&select).await?;
    found.map(|f| f.id).ok_or(StoreError::Conflict {
        constraint: "conversations_agent_id_external_id_key".to_owned(),
    })
}

/// A whole conversation as it stands, for loading history in bulk (demo data, benchmarks).
#[derive(Debug)]
pub struct Complete<'a> {
    pub id: ConversationId,
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub organization_id: Option<OrganizationId>,
    pub external_id: &'a str,
    pub channel: &'a str,
    pub contact_name: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub status: ConversationStatus,
    pub outcome: Option<&'a str>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub last_message_at: Timestamp,
    pub last_message_text: &'a str,
    pub message_count: i64,
}

/// Stores whole conversations in one statement.
pub async fn insert_complete(tx: &mut Tx, all: &[Complete<'_>]) -> Result<(), StoreError> {
    if all.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert()
        .into_table(Conversations::Table)
        .columns([
            Conversations::Id,
            Conversations::WorkspaceId,
            Conversations::AgentId,
            Conversations::OrganizationId,
            Conversations::ExternalId,
            Conversations::Channel,
            Conversations::ContactName,
            Conversations::ContactEmail,
            Conversations::Status,
            Conversations::Outcome,
            Conversations::StartedAt,
            Conversations::EndedAt,
            Conversations::LastMessageAt,
            Conversations::LastMessageText,
            Conversations::MessageCount,
        ])
        .to_owned();
    for c in all {
        statement.values_panic([
            c.id.as_uuid().into(),
            c.workspace_id.as_uuid().into(),
            c.agent_id.as_uuid().into(),
            c.organization_id.map(|id| id.as_uuid()).into(),
            c.external_id.into(),
            c.channel.into(),
            c.contact_name.into(),
            c.contact_email.into(),
            c.status.as_str().into(),
            c.outcome.into(),
            c.started_at.unix_micros().into(),
            c.ended_at.map(|at| at.unix_micros()).into(),
            c.last_message_at.unix_micros().into(),
            c.last_message_text.into(),
            c.message_count.into(),
        ]);
    }
    tx.execute(&statement).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Found {
    #[sqlx(try_from = "Uuid")]
    id: ConversationId,
}

/// Who the contact is and where the conversation happens, as its start reports them; an
/// earlier start time than the one known moves the start back.
pub struct Started<'a> {
    pub channel: &'a str,
    pub contact_name: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub started_at: Timestamp,
}

pub async fn record_start(
    tx: &mut Tx,
    id: ConversationId,
    started: &Started<'_>,
) -> Result<(), StoreError> {
    let details = Query::update()
        .table(Conversations::Table)
        .value(Conversations::Channel, started.channel)
        .value(Conversations::ContactName, started.contact_name)
        .value(Conversations::ContactEmail, started.contact_email)
        .value(Conversations::ContactPhone, started.contact_phone)
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&details).await?;
    let earlier = Query::update()
        .table(Conversations::Table)
        .value(Conversations::StartedAt, started.started_at.unix_micros())
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Conversations::StartedAt).gt(started.started_at.unix_micros()))
        .to_owned();
    tx.execute(&earlier).await?;
    Ok(())
}

/// Counts `count` new messages; the latest of them becomes the one lists show unless a later
/// one is known.
pub async fn record_messages(
    tx: &mut Tx,
    id: ConversationId,
    count: i64,
    latest_at: Timestamp,
    latest_text: &str,
) -> Result<(), StoreError> {
    let at = latest_at.unix_micros();
    let later = Expr::col(Conversations::LastMessageAt).lte(at);
    let statement = Query::update()
        .table(Conversations::Table)
        .value(
            Conversations::MessageCount,
            Expr::col(Conversations::MessageCount).add(count),
        )
        .value(
            Conversations::LastMessageAt,
            Expr::case(later.clone(), at).finally(Expr::col(Conversations::LastMessageAt)),
        )
        .value(
            Conversations::LastMessageText,
            Expr::case(later, latest_text).finally(Expr::col(Conversations::LastMessageText)),
        )
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The agent asked for a person: the conversation waits for one, unless it is closed or a
/// person already has it.
pub async fn request_handoff(
    tx: &mut Tx,
    id: ConversationId,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Conversations::Table)
        .value(Conversations::Status, ConversationStatus::Waiting.as_str())
        .value(Conversations::HandoffReason, reason)
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Conversations::Status).eq(ConversationStatus::Ai.as_str()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The conversation ended with `outcome` at `ended_at`.
pub async fn close(
    tx: &mut Tx,
    id: ConversationId,
    outcome: Option<&str>,
    ended_at: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Conversations::Table)
        .value(Conversations::Status, ConversationStatus::Closed.as_str())
        .value(Conversations::Outcome, outcome)
        .value(Conversations::EndedAt, ended_at.unix_micros())
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The contact rated the conversation.
pub async fn rate(tx: &mut Tx, id: ConversationId, rating: i64) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Conversations::Table)
        .value(Conversations::Rating, rating)
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// One conversation of the workspace.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: ConversationId,
) -> Result<Option<ConversationRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Conversations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Which conversations to list, newest activity first; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct ConversationFilter {
    pub organization_id: Option<OrganizationId>,
    /// Only these agents' conversations (a client user who may use some agents only).
    pub agent_ids: Option<Vec<AgentId>>,
    pub agent_id: Option<AgentId>,
    pub status: Option<ConversationStatus>,
    pub channel: Option<String>,
    /// Last active at or after this time.
    pub from: Option<Timestamp>,
    /// Last active before this time.
    pub to: Option<Timestamp>,
    /// Words (letters and digits, lowercase) that are each a word of one message, or of the
    /// contact's name, email and phone; none: no search.
    pub words: Vec<String>,
    /// Where the previous page ended: its last row's activity time and id.
    pub after: Option<(Timestamp, ConversationId)>,
    pub limit: u64,
}

/// A page of the workspace's conversations, most recently active first.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    filter: &ConversationFilter,
) -> Result<Vec<ConversationRow>, StoreError> {
    let search = match filter.words.is_empty() {
        true => None,
        false => Some(search::Search::prepare(db, workspace_id, &filter.words).await?),
    };
    let mut statement = select();
    if search.as_ref().is_some_and(|s| !s.walks_recent()) {
        // `+` keeps SQLite off the newest-first index: it starts from the few matches.
        statement.and_where(Expr::cust_with_values(
            r#"+"conversations"."workspace_id" = ?"#,
            [sea_query::Value::from(workspace_id.as_uuid())],
        ));
    } else {
        statement.and_where(Expr::col(Conversations::WorkspaceId).eq(workspace_id.as_uuid()));
    }
    if let Some(id) = filter.organization_id {
        statement.and_where(Expr::col(Conversations::OrganizationId).eq(id.as_uuid()));
    }
    if let Some(ids) = &filter.agent_ids {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        statement.and_where(Expr::col(Conversations::AgentId).is_in(ids));
    }
    if let Some(id) = filter.agent_id {
        statement.and_where(Expr::col(Conversations::AgentId).eq(id.as_uuid()));
    }
    if let Some(status) = filter.status {
        statement.and_where(Expr::col(Conversations::Status).eq(status.as_str()));
    }
    if let Some(channel) = &filter.channel {
        statement.and_where(Expr::col(Conversations::Channel).eq(channel.as_str()));
    }
    if let Some(from) = filter.from {
        statement.and_where(Expr::col(Conversations::LastMessageAt).gte(from.unix_micros()));
    }
    if let Some(to) = filter.to {
        statement.and_where(Expr::col(Conversations::LastMessageAt).lt(to.unix_micros()));
    }
    if let Some(search) = &search {
        statement.cond_where(search.condition());
    }
    if let Some((at, id)) = filter.after {
        let (last, key) = (
            Expr::col(Conversations::LastMessageAt),
            Expr::col(Conversations::Id),
        );
        statement.cond_where(
            Cond::any().add(last.clone().lt(at.unix_micros())).add(
                Cond::all()
                    .add(last.eq(at.unix_micros()))
                    .add(key.lt(id.as_uuid())),
            ),
        );
    }
    statement
        .order_by(Conversations::LastMessageAt, Order::Desc)
        .order_by(Conversations::Id, Order::Desc)
        .limit(filter.limit);
    db.fetch_all(&statement).await
}

/// The agent's conversation the runtime calls `external_id`.
pub async fn find_by_external_id(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    external_id: &str,
) -> Result<Option<ConversationRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Conversations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Conversations::AgentId).eq(agent_id.as_uuid()))
        .and_where(Expr::col(Conversations::ExternalId).eq(external_id))
        .to_owned();
    db.fetch_optional(&statement).await
}

pub(crate) fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Conversations::Id,
            Conversations::WorkspaceId,
            Conversations::AgentId,
            Conversations::OrganizationId,
            Conversations::ExternalId,
            Conversations::Channel,
            Conversations::ContactName,
            Conversations::ContactEmail,
            Conversations::ContactPhone,
            Conversations::Status,
            Conversations::HandoffReason,
            Conversations::Outcome,
            Conversations::Rating,
            Conversations::StartedAt,
            Conversations::EndedAt,
            Conversations::LastMessageAt,
            Conversations::LastMessageText,
            Conversations::MessageCount,
        ])
        .from(Conversations::Table)
        .to_owned()
}
