//! The runtime_keys table: each agent's credentials for the runtime API, found by the hash of
//! the token. A key works while it is neither revoked nor past its `expires_at`.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{AgentId, RuntimeKeyId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
enum RuntimeKeys {
    Table,
    Id,
    WorkspaceId,
    AgentId,
    TokenHash,
    Prefix,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

/// A stored runtime key (its token exists only as a hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RuntimeKeyRow {
    #[sqlx(try_from = "Uuid")]
    pub id: RuntimeKeyId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
    /// The token's first characters, so people can tell keys apart.
    pub prefix: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A runtime key about to be stored.
#[derive(Debug)]
pub struct NewRuntimeKey<'a> {
    pub id: RuntimeKeyId,
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub token_hash: &'a [u8],
    pub prefix: &'a str,
    pub created_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, new: &NewRuntimeKey<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(RuntimeKeys::Table)
        .columns([
            RuntimeKeys::Id,
            RuntimeKeys::WorkspaceId,
            RuntimeKeys::AgentId,
            RuntimeKeys::TokenHash,
            RuntimeKeys::Prefix,
            RuntimeKeys::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.agent_id.as_uuid().into(),
            new.token_hash.to_vec().into(),
            new.prefix.into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The key whose token hashes to `token_hash`, if it still works at `now`, before anyone is
/// authenticated.
pub async fn find_working_by_token_hash(
    db: &Db,
    token_hash: &[u8],
    now: Timestamp,
) -> Result<Option<RuntimeKeyRow>, StoreError> {
    let statement = working(select(), now)
        .and_where(Expr::col(RuntimeKeys::TokenHash).eq(token_hash.to_vec()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// The agent's keys that still work at `now`, newest first.
pub async fn working_for_agent(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    now: Timestamp,
) -> Result<Vec<RuntimeKeyRow>, StoreError> {
    let statement = working(select(), now)
        .and_where(Expr::col(RuntimeKeys::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(RuntimeKeys::AgentId).eq(agent_id.as_uuid()))
        .order_by(RuntimeKeys::Id, Order::Desc)
        .to_owned();
    db.fetch_all(&statement).await
}

/// Rotates the agent's keys out: the current one (no expiry yet) keeps working until
/// `until`; one already rotating out stops now. Returns how many keys changed.
pub async fn retire(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    until: Timestamp,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let scope = |statement: &mut sea_query::UpdateStatement| {
        statement
            .and_where(Expr::col(RuntimeKeys::WorkspaceId).eq(workspace_id.as_uuid()))
            .and_where(Expr::col(RuntimeKeys::AgentId).eq(agent_id.as_uuid()))
            .and_where(Expr::col(RuntimeKeys::RevokedAt).is_null());
    };
    let mut rotating = Query::update()
        .table(RuntimeKeys::Table)
        .value(RuntimeKeys::RevokedAt, now.unix_micros())
        .and_where(Expr::col(RuntimeKeys::ExpiresAt).is_not_null())
        .to_owned();
    scope(&mut rotating);
    let mut current = Query::update()
        .table(RuntimeKeys::Table)
        .value(RuntimeKeys::ExpiresAt, until.unix_micros())
        .and_where(Expr::col(RuntimeKeys::ExpiresAt).is_null())
        .to_owned();
    scope(&mut current);
    Ok(tx.execute(&rotating).await? + tx.execute(&current).await?)
}

/// Revokes every key of the agent at once; returns how many worked until now.
pub async fn revoke_all(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let statement = Query::update()
        .table(RuntimeKeys::Table)
        .value(RuntimeKeys::RevokedAt, now.unix_micros())
        .and_where(Expr::col(RuntimeKeys::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(RuntimeKeys::AgentId).eq(agent_id.as_uuid()))
        .and_where(Expr::col(RuntimeKeys::RevokedAt).is_null())
        .and_where(
            Expr::col(RuntimeKeys::ExpiresAt)
                .is_null()
                .or(Expr::col(RuntimeKeys::ExpiresAt).gt(now.unix_micros())),
        )
        .to_owned();
    tx.execute(&statement).await
}

/// Records that a key was used.
pub async fn touch(tx: &mut Tx, id: RuntimeKeyId, now: Timestamp) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(RuntimeKeys::Table)
        .value(RuntimeKeys::LastUsedAt, now.unix_micros())
        .and_where(Expr::col(RuntimeKeys::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

fn working(mut statement: SelectStatement, now: Timestamp) -> SelectStatement {
    statement
        .and_where(Expr::col(RuntimeKeys::RevokedAt).is_null())
        .and_where(
            Expr::col(RuntimeKeys::ExpiresAt)
                .is_null()
                .or(Expr::col(RuntimeKeys::ExpiresAt).gt(now.unix_micros())),
        )
        .to_owned()
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            RuntimeKeys::Id,
            RuntimeKeys::WorkspaceId,
            RuntimeKeys::AgentId,
            RuntimeKeys::Prefix,
            RuntimeKeys::CreatedAt,
            RuntimeKeys::ExpiresAt,
            RuntimeKeys::RevokedAt,
            RuntimeKeys::LastUsedAt,
        ])
        .from(RuntimeKeys::Table)
        .to_owned()
}
