//! The outbox table: emails enqueued in the transaction of the change that causes them, and
//! claimed for delivery by one node at a time.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::mail::settings::EmailSettings;
use clientele_domain::{OutboxId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
enum Outbox {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Recipient,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastResponse,
    CreatedAt,
    SentAt,
}

/// An email about to be enqueued; `body` is sealed by the caller.
#[derive(Debug)]
pub struct NewMessage<'a> {
    pub id: OutboxId,
    pub workspace_id: WorkspaceId,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a [u8],
    pub created_at: Timestamp,
}

/// A stored email and where its delivery stands.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    #[sqlx(try_from = "Uuid")]
    pub id: OutboxId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: Vec<u8>,
    pub status: String,
    pub attempts: i64,
    #[sqlx(try_from = "i64")]
    pub next_attempt_at: Timestamp,
    pub last_response: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    pub sent_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx, new: &NewMessage<'_>) -> Result<(), StoreError> {
    let at = new.created_at.unix_micros();
    let statement = Query::insert()
        .into_table(Outbox::Table)
        .columns([
            Outbox::Id,
            Outbox::WorkspaceId,
            Outbox::Kind,
            Outbox::Recipient,
            Outbox::Subject,
            Outbox::Body,
            Outbox::Status,
            Outbox::Attempts,
            Outbox::NextAttemptAt,
            Outbox::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.kind.into(),
            new.recipient.into(),
            new.subject.into(),
            new.body.to_vec().into(),
            "pending".into(),
            0i64.into(),
            at.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            (Outbox::Table, Outbox::Id),
            (Outbox::Table, Outbox::WorkspaceId),
            (Outbox::Table, Outbox::Kind),
            (Outbox::Table, Outbox::Recipient),
            (Outbox::Table, Outbox::Subject),
            (Outbox::Table, Outbox::Body),
            (Outbox::Table, Outbox::Status),
            (Outbox::Table, Outbox::Attempts),
            (Outbox::Table, Outbox::NextAttemptAt),
            (Outbox::Table, Outbox::LastResponse),
            (Outbox::Table, Outbox::CreatedAt),
            (Outbox::Table, Outbox::SentAt),
        ])
        .from(Outbox::Table)
        .to_owned()
}

/// The workspace's emails, newest first, optionally only those older than `before`.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<MessageRow>, StoreError> {
    let mut statement = select()
        .and_where(Expr::col(Outbox::WorkspaceId).eq(workspace_id.as_uuid()))
        .order_by(Outbox::CreatedAt, Order::Desc)
        .order_by(Outbox::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(status) = status {
        statement.and_where(Expr::col(Outbox::Status).eq(status));
    }
    db.fetch_all(&statement).await
}

pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: OutboxId,
) -> Result<Option<MessageRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Outbox::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Outbox::Id).eq(id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// A due email and its workspace.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct DueRow {
    #[sqlx(try_from = "Uuid")]
    pub id: OutboxId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
}

/// Up to `limit` pending emails due at `now`, of workspaces that have an SMTP server set and
/// are not in `busy`, and not held by another node. Candidates only: [`claim`] decides who
/// delivers each.
pub async fn due(
    db: &Db,
    now: Timestamp,
    limit: u64,
    busy: &[WorkspaceId],
) -> Result<Vec<DueRow>, StoreError> {
    let now = now.unix_micros();
    let mut statement = Query::select()
        .columns([
            (Outbox::Table, Outbox::Id),
            (Outbox::Table, Outbox::WorkspaceId),
        ])
        .from(Outbox::Table)
        .inner_join(
            EmailSettings::Table,
            Expr::col((EmailSettings::Table, EmailSettings::WorkspaceId))
                .equals((Outbox::Table, Outbox::WorkspaceId)),
        )
        .and_where(Expr::col((Outbox::Table, Outbox::Status)).eq("pending"))
        .and_where(Expr::col((Outbox::Table, Outbox::NextAttemptAt)).lte(now))
        .and_where(
            Expr::col((Outbox::Table, Outbox::ClaimedUntil))
                .is_null()
                .or(Expr::col((Outbox::Table, Outbox::ClaimedUntil)).lte(now)),
        )
        .and_where(Expr::col((EmailSettings::Table, EmailSettings::SmtpHost)).is_not_null())
        .order_by((Outbox::Table, Outbox::NextAttemptAt), Order::Asc)
        .limit(limit)
        .to_owned();
    if !busy.is_empty() {
        statement.and_where(
            Expr::col((Outbox::Table, Outbox::WorkspaceId))
                .is_not_in(busy.iter().map(|id| id.as_uuid())),
        );
    }
    db.fetch_all(&statement).await
}

/// Claims one due email for this node until `until`, counting the attempt. Of several nodes
/// claiming the same email, exactly one gets it: the update re-checks that it is unclaimed.
pub async fn claim(
    tx: &mut Tx,
    id: OutboxId,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<MessageRow>, StoreError> {
    let now = now.unix_micros();
    let statement = Query::update()
        .table(Outbox::Table)
        .value(Outbox::ClaimedUntil, until.unix_micros())
        .value(Outbox::Attempts, Expr::col(Outbox::Attempts).add(1))
        .and_where(Expr::col(Outbox::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Outbox::Status).eq("pending"))
        .and_where(Expr::col(Outbox::NextAttemptAt).lte(now))
        .and_where(
            Expr::col(Outbox::ClaimedUntil)
                .is_null()
                .or(Expr::col(Outbox::ClaimedUntil).lte(now)),
        )
        .to_owned();
    if tx.execute(&statement).await? == 0 {
        return Ok(None);
    }
    let statement = select()
        .and_where(Expr::col(Outbox::Id).eq(id.as_uuid()))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Records the outcome of an attempt: `sent`, `failed` for good, or `pending` again from
/// `next_attempt_at`; the server's answer is kept either way.
pub async fn settle(
    tx: &mut Tx,
    id: OutboxId,
    status: &str,
    response: &str,
    next_attempt_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let sent_at = (status == "sent").then_some(now.unix_micros());
    let statement = Query::update()
        .table(Outbox::Table)
        .value(Outbox::Status, status)
        .value(Outbox::LastResponse, response)
        .value(Outbox::NextAttemptAt, next_attempt_at.unix_micros())
        .value(Outbox::ClaimedUntil, Option::<i64>::None)
        .value(Outbox::SentAt, sent_at)
        .and_where(Expr::col(Outbox::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}
