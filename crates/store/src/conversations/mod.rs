//! The conversations table: one row per conversation a runtime reported, with what lists need
//! (status, contact, the latest message) kept on the row so a page of them is one query.

pub mod messages;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{
    AgentId, ConversationId, ConversationStatus, OrganizationId, Timestamp, WorkspaceId,
};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};
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

/// Counts a new message; it becomes the one lists show unless a later one is known.
pub async fn record_message(
    tx: &mut Tx,
    id: ConversationId,
    sent_at: Timestamp,
    text: &str,
) -> Result<(), StoreError> {
    let count = Query::update()
        .table(Conversations::Table)
        .value(
            Conversations::MessageCount,
            Expr::col(Conversations::MessageCount).add(1),
        )
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&count).await?;
    let latest = Query::update()
        .table(Conversations::Table)
        .value(Conversations::LastMessageAt, sent_at.unix_micros())
        .value(Conversations::LastMessageText, text)
        .and_where(Expr::col(Conversations::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Conversations::LastMessageAt).lte(sent_at.unix_micros()))
        .to_owned();
    tx.execute(&latest).await?;
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
