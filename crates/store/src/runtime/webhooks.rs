//! The runtime_webhooks and runtime_webhook_attempts tables: webhook events enqueued for an
//! agent's runtime in the transaction of the change that causes them, claimed for delivery by
//! one node at a time, and every attempt to deliver them.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{AgentId, Timestamp, WebhookAttemptId, WebhookId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
enum RuntimeWebhooks {
    Table,
    Id,
    WorkspaceId,
    AgentId,
    Sequence,
    Type,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    CreatedAt,
    DeliveredAt,
}

#[derive(Iden)]
enum RuntimeWebhookAttempts {
    Table,
    Id,
    WebhookId,
    AgentId,
    AttemptedAt,
    Url,
    StatusCode,
    ResponseExcerpt,
    Error,
    LatencyMs,
}

/// A webhook event about to be enqueued.
#[derive(Debug)]
pub struct NewWebhook<'a> {
    pub id: WebhookId,
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub sequence: i64,
    pub kind: &'a str,
    pub payload: &'a str,
    /// `pending` when the agent has a webhook URL, `unsent` when it has none.
    pub status: &'a str,
    pub created_at: Timestamp,
}

/// A stored webhook event and where its delivery stands.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRow {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
    pub sequence: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    #[sqlx(try_from = "i64")]
    pub next_attempt_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    pub delivered_at: Option<i64>,
}

/// One attempt to deliver a webhook event.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttemptRow {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookAttemptId,
    #[sqlx(try_from = "Uuid")]
    pub webhook_id: WebhookId,
    #[sqlx(try_from = "i64")]
    pub attempted_at: Timestamp,
    pub url: String,
    pub status_code: Option<i64>,
    pub response_excerpt: String,
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// An attempt about to be recorded.
#[derive(Debug)]
pub struct NewAttempt<'a> {
    pub webhook_id: WebhookId,
    pub agent_id: AgentId,
    pub attempted_at: Timestamp,
    pub url: &'a str,
    pub status_code: Option<i64>,
    pub response_excerpt: &'a str,
    pub error: Option<&'a str>,
    pub latency_ms: i64,
}

pub async fn insert(tx: &mut Tx, new: &NewWebhook<'_>) -> Result<(), StoreError> {
    let at = new.created_at.unix_micros();
    let statement = Query::insert()
        .into_table(RuntimeWebhooks::Table)
        .columns([
            RuntimeWebhooks::Id,
            RuntimeWebhooks::WorkspaceId,
            RuntimeWebhooks::AgentId,
            RuntimeWebhooks::Sequence,
            RuntimeWebhooks::Type,
            RuntimeWebhooks::Payload,
            RuntimeWebhooks::Status,
            RuntimeWebhooks::NextAttemptAt,
            RuntimeWebhooks::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.agent_id.as_uuid().into(),
            new.sequence.into(),
            new.kind.into(),
            new.payload.into(),
            new.status.into(),
            at.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            RuntimeWebhooks::Id,
            RuntimeWebhooks::WorkspaceId,
            RuntimeWebhooks::AgentId,
            RuntimeWebhooks::Sequence,
            RuntimeWebhooks::Type,
            RuntimeWebhooks::Payload,
            RuntimeWebhooks::Status,
            RuntimeWebhooks::Attempts,
            RuntimeWebhooks::NextAttemptAt,
            RuntimeWebhooks::CreatedAt,
            RuntimeWebhooks::DeliveredAt,
        ])
        .from(RuntimeWebhooks::Table)
        .to_owned()
}

fn of_agent(workspace_id: WorkspaceId, agent_id: AgentId) -> SelectStatement {
    select()
        .and_where(Expr::col(RuntimeWebhooks::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(RuntimeWebhooks::AgentId).eq(agent_id.as_uuid()))
        .to_owned()
}

pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    id: WebhookId,
) -> Result<Option<WebhookRow>, StoreError> {
    let statement = of_agent(workspace_id, agent_id)
        .and_where(Expr::col(RuntimeWebhooks::Id).eq(id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// The agent's latest events, newest first.
pub async fn recent(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    limit: u64,
) -> Result<Vec<WebhookRow>, StoreError> {
    let statement = of_agent(workspace_id, agent_id)
        .order_by(RuntimeWebhooks::Sequence, Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&statement).await
}

/// The agent's events after sequence number `after`, oldest first: what a runtime pulls.
pub async fn after(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    after: i64,
    limit: u64,
) -> Result<Vec<WebhookRow>, StoreError> {
    let statement = of_agent(workspace_id, agent_id)
        .and_where(Expr::col(RuntimeWebhooks::Sequence).gt(after))
        .order_by(RuntimeWebhooks::Sequence, Order::Asc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&statement).await
}

/// A due event and its agent.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct DueRow {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
}

/// Up to `limit` pending events due at `now`, not held by another node and not of an agent
/// in `busy`, oldest first. Candidates only: [`claim`] decides who delivers each.
pub async fn due(
    db: &Db,
    now: Timestamp,
    limit: u64,
    busy: &[AgentId],
) -> Result<Vec<DueRow>, StoreError> {
    let now = now.unix_micros();
    let mut statement = Query::select()
        .columns([RuntimeWebhooks::Id, RuntimeWebhooks::AgentId])
        .from(RuntimeWebhooks::Table)
        .and_where(Expr::col(RuntimeWebhooks::Status).eq("pending"))
        .and_where(Expr::col(RuntimeWebhooks::NextAttemptAt).lte(now))
        .and_where(
            Expr::col(RuntimeWebhooks::ClaimedUntil)
                .is_null()
                .or(Expr::col(RuntimeWebhooks::ClaimedUntil).lte(now)),
        )
        .order_by(RuntimeWebhooks::NextAttemptAt, Order::Asc)
        .order_by(RuntimeWebhooks::Sequence, Order::Asc)
        .limit(limit)
        .to_owned();
    if !busy.is_empty() {
        statement.and_where(
            Expr::col(RuntimeWebhooks::AgentId).is_not_in(busy.iter().map(|id| id.as_uuid())),
        );
    }
    db.fetch_all(&statement).await
}

/// Claims one due event for this node until `until`, counting the attempt. Of several nodes
/// claiming the same event exactly one gets it: the update re-checks that it is unclaimed.
pub async fn claim(
    tx: &mut Tx,
    id: WebhookId,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<WebhookRow>, StoreError> {
    let now = now.unix_micros();
    let statement = Query::update()
        .table(RuntimeWebhooks::Table)
        .value(RuntimeWebhooks::ClaimedUntil, until.unix_micros())
        .value(
            RuntimeWebhooks::Attempts,
            Expr::col(RuntimeWebhooks::Attempts).add(1),
        )
        .and_where(Expr::col(RuntimeWebhooks::Id).eq(id.as_uuid()))
        .and_where(Expr::col(RuntimeWebhooks::Status).eq("pending"))
        .and_where(Expr::col(RuntimeWebhooks::NextAttemptAt).lte(now))
        .and_where(
            Expr::col(RuntimeWebhooks::ClaimedUntil)
                .is_null()
                .or(Expr::col(RuntimeWebhooks::ClaimedUntil).lte(now)),
        )
        .to_owned();
    if tx.execute(&statement).await? == 0 {
        return Ok(None);
    }
    let statement = select()
        .and_where(Expr::col(RuntimeWebhooks::Id).eq(id.as_uuid()))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Records the outcome of an attempt: `delivered`, `failed` for good, or `pending` again from
/// `next_attempt_at`.
pub async fn settle(
    tx: &mut Tx,
    id: WebhookId,
    status: &str,
    next_attempt_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let delivered_at = (status == "delivered").then_some(now.unix_micros());
    let statement = Query::update()
        .table(RuntimeWebhooks::Table)
        .value(RuntimeWebhooks::Status, status)
        .value(
            RuntimeWebhooks::NextAttemptAt,
            next_attempt_at.unix_micros(),
        )
        .value(RuntimeWebhooks::ClaimedUntil, Option::<i64>::None)
        .value(RuntimeWebhooks::DeliveredAt, delivered_at)
        .and_where(Expr::col(RuntimeWebhooks::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Sends an event again from now, whatever became of it, unless a node holds it at this
/// moment. Returns whether it was queued.
pub async fn replay(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    id: WebhookId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let now = now.unix_micros();
    let statement = Query::update()
        .table(RuntimeWebhooks::Table)
        .value(RuntimeWebhooks::Status, "pending")
        .value(RuntimeWebhooks::NextAttemptAt, now)
        .and_where(Expr::col(RuntimeWebhooks::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(RuntimeWebhooks::AgentId).eq(agent_id.as_uuid()))
        .and_where(Expr::col(RuntimeWebhooks::Id).eq(id.as_uuid()))
        .and_where(
            Expr::col(RuntimeWebhooks::ClaimedUntil)
                .is_null()
                .or(Expr::col(RuntimeWebhooks::ClaimedUntil).lte(now)),
        )
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

pub async fn insert_attempt(tx: &mut Tx, new: &NewAttempt<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(RuntimeWebhookAttempts::Table)
        .columns([
            RuntimeWebhookAttempts::Id,
            RuntimeWebhookAttempts::WebhookId,
            RuntimeWebhookAttempts::AgentId,
            RuntimeWebhookAttempts::AttemptedAt,
            RuntimeWebhookAttempts::Url,
            RuntimeWebhookAttempts::StatusCode,
            RuntimeWebhookAttempts::ResponseExcerpt,
            RuntimeWebhookAttempts::Error,
            RuntimeWebhookAttempts::LatencyMs,
        ])
        .values_panic([
            WebhookAttemptId::new().as_uuid().into(),
            new.webhook_id.as_uuid().into(),
            new.agent_id.as_uuid().into(),
            new.attempted_at.unix_micros().into(),
            new.url.into(),
            new.status_code.into(),
            new.response_excerpt.into(),
            new.error.into(),
            new.latency_ms.into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The attempts to deliver the given events of the agent, newest first.
pub async fn attempts_of(
    db: &Db,
    agent_id: AgentId,
    webhook_ids: &[WebhookId],
) -> Result<Vec<AttemptRow>, StoreError> {
    if webhook_ids.is_empty() {
        return Ok(Vec::new());
    }
    let statement = Query::select()
        .columns([
            RuntimeWebhookAttempts::Id,
            RuntimeWebhookAttempts::WebhookId,
            RuntimeWebhookAttempts::AttemptedAt,
            RuntimeWebhookAttempts::Url,
            RuntimeWebhookAttempts::StatusCode,
            RuntimeWebhookAttempts::ResponseExcerpt,
            RuntimeWebhookAttempts::Error,
            RuntimeWebhookAttempts::LatencyMs,
        ])
        .from(RuntimeWebhookAttempts::Table)
        .and_where(Expr::col(RuntimeWebhookAttempts::AgentId).eq(agent_id.as_uuid()))
        .and_where(
            Expr::col(RuntimeWebhookAttempts::WebhookId)
                .is_in(webhook_ids.iter().map(|id| id.as_uuid())),
        )
        .order_by(RuntimeWebhookAttempts::AttemptedAt, Order::Desc)
        .order_by(RuntimeWebhookAttempts::Id, Order::Desc)
        .to_owned();
    db.fetch_all(&statement).await
}
