//! The api_keys table: automation credentials of a workspace, found by the hash of the token.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{ApiKeyId, MemberRole, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
enum ApiKeys {
    Table,
    Id,
    WorkspaceId,
    Name,
    Role,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// A stored API key (its token exists only as a hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ApiKeyId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: MemberRole,
    /// The token's first characters, so people can tell their keys apart.
    pub prefix: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An API key about to be stored.
#[derive(Debug)]
pub struct NewApiKey<'a> {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    pub role: MemberRole,
    pub token_hash: &'a [u8],
    pub prefix: &'a str,
    pub created_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, new: &NewApiKey<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(ApiKeys::Table)
        .columns([
            ApiKeys::Id,
            ApiKeys::WorkspaceId,
            ApiKeys::Name,
            ApiKeys::Role,
            ApiKeys::TokenHash,
            ApiKeys::Prefix,
            ApiKeys::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.name.into(),
            new.role.as_str().into(),
            new.token_hash.to_vec().into(),
            new.prefix.into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The unrevoked key whose token hashes to `token_hash`, before anyone is authenticated.
pub async fn find_active_by_token_hash(
    db: &Db,
    token_hash: &[u8],
) -> Result<Option<ApiKeyRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(ApiKeys::TokenHash).eq(token_hash.to_vec()))
        .and_where(Expr::col(ApiKeys::RevokedAt).is_null())
        .to_owned();
    db.fetch_optional(&statement).await
}

/// A key of `workspace_id`, revoked or not.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: ApiKeyId,
) -> Result<Option<ApiKeyRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(ApiKeys::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ApiKeys::Id).eq(id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Every key of `workspace_id`, revoked ones included, oldest first.
pub async fn list(db: &Db, workspace_id: WorkspaceId) -> Result<Vec<ApiKeyRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(ApiKeys::WorkspaceId).eq(workspace_id.as_uuid()))
        .order_by(ApiKeys::Id, Order::Asc)
        .to_owned();
    db.fetch_all(&statement).await
}

/// Revokes a key; returns whether an unrevoked key was found.
pub async fn revoke(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ApiKeyId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(ApiKeys::Table)
        .value(ApiKeys::RevokedAt, now.unix_micros())
        .and_where(Expr::col(ApiKeys::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ApiKeys::Id).eq(id.as_uuid()))
        .and_where(Expr::col(ApiKeys::RevokedAt).is_null())
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Records that a key was used.
pub async fn touch(tx: &mut Tx, id: ApiKeyId, now: Timestamp) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(ApiKeys::Table)
        .value(ApiKeys::LastUsedAt, now.unix_micros())
        .and_where(Expr::col(ApiKeys::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            ApiKeys::Id,
            ApiKeys::WorkspaceId,
            ApiKeys::Name,
            ApiKeys::Role,
            ApiKeys::Prefix,
            ApiKeys::CreatedAt,
            ApiKeys::LastUsedAt,
            ApiKeys::RevokedAt,
        ])
        .from(ApiKeys::Table)
        .to_owned()
}
