//! The conversation_messages table: a conversation's messages in the order they were sent
//! (the runtime's time, ties broken by the runtime's event id).

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{ConversationId, MessageId, MessageRole, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum ConversationMessages {
    Table,
    Id,
    WorkspaceId,
    ConversationId,
    ExternalId,
    Role,
    Text,
    SentAt,
}

/// A stored message.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    #[sqlx(try_from = "Uuid")]
    pub id: MessageId,
    pub external_id: String,
    #[sqlx(try_from = "String")]
    pub role: MessageRole,
    pub text: String,
    #[sqlx(try_from = "i64")]
    pub sent_at: Timestamp,
}

/// A message about to be stored.
#[derive(Debug)]
pub struct NewMessage<'a> {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub conversation_id: ConversationId,
    pub external_id: &'a str,
    pub role: MessageRole,
    pub text: &'a str,
    pub sent_at: Timestamp,
}

/// Stores the message unless the conversation has one with its id; returns whether it did.
pub async fn insert(tx: &mut Tx, new: &NewMessage<'_>) -> Result<bool, StoreError> {
    let statement = Query::insert()
        .into_table(ConversationMessages::Table)
        .columns([
            ConversationMessages::Id,
            ConversationMessages::WorkspaceId,
            ConversationMessages::ConversationId,
            ConversationMessages::ExternalId,
            ConversationMessages::Role,
            ConversationMessages::Text,
            ConversationMessages::SentAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.conversation_id.as_uuid().into(),
            new.external_id.into(),
            new.role.as_str().into(),
            new.text.into(),
            new.sent_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::columns([
                ConversationMessages::ConversationId,
                ConversationMessages::ExternalId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Stores the messages, in one statement, except those their conversation already has;
/// returns which it stored, as (conversation, the runtime's id).
pub async fn insert_all(
    tx: &mut Tx,
    new: &[NewMessage<'_>],
) -> Result<Vec<(ConversationId, String)>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = Query::insert()
        .into_table(ConversationMessages::Table)
        .columns([
            ConversationMessages::Id,
            ConversationMessages::WorkspaceId,
            ConversationMessages::ConversationId,
            ConversationMessages::ExternalId,
            ConversationMessages::Role,
            ConversationMessages::Text,
            ConversationMessages::SentAt,
        ])
        .on_conflict(
            OnConflict::columns([
                ConversationMessages::ConversationId,
                ConversationMessages::ExternalId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .returning(Query::returning().columns([
            ConversationMessages::ConversationId,
            ConversationMessages::ExternalId,
        ]))
        .to_owned();
    for message in new {
        statement.values_panic([
            message.id.as_uuid().into(),
            message.workspace_id.as_uuid().into(),
            message.conversation_id.as_uuid().into(),
            message.external_id.into(),
            message.role.as_str().into(),
            message.text.into(),
            message.sent_at.unix_micros().into(),
        ]);
    }
    let stored: Vec<Stored> = tx.fetch_all(&statement).await?;
    Ok(stored
        .into_iter()
        .map(|s| (s.conversation_id, s.external_id))
        .collect())
}

#[derive(sqlx::FromRow)]
struct Stored {
    #[sqlx(try_from = "Uuid")]
    conversation_id: ConversationId,
    external_id: String,
}

/// The conversation's messages in order, at most `limit` of them.
pub async fn of_conversation(
    db: &Db,
    workspace_id: WorkspaceId,
    conversation_id: ConversationId,
    limit: u64,
) -> Result<Vec<MessageRow>, StoreError> {
    let statement = Query::select()
        .columns([
            ConversationMessages::Id,
            ConversationMessages::ExternalId,
            ConversationMessages::Role,
            ConversationMessages::Text,
            ConversationMessages::SentAt,
        ])
        .from(ConversationMessages::Table)
        .and_where(Expr::col(ConversationMessages::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ConversationMessages::ConversationId).eq(conversation_id.as_uuid()))
        .order_by(ConversationMessages::SentAt, Order::Asc)
        .order_by(ConversationMessages::ExternalId, Order::Asc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&statement).await
}
