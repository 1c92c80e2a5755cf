//! Workspaces (one row per agency) and what belongs to a workspace as a whole: its brand and
//! dashboard domains, its images, and its activity log.

pub mod activity;
pub mod brand;
pub mod images;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{Timestamp, WorkspaceId, WorkspaceName, WorkspaceSlug};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum Workspaces {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
    ActivitySeq,
    ActivityHead,
    TranscriptRetentionDays,
}

/// The unique constraint that makes slugs unique across the deployment.
pub const SLUG_CONSTRAINT: &str = "workspaces_slug_key";

/// A stored workspace.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkspaceRow {
    #[sqlx(try_from = "Uuid")]
    pub id: WorkspaceId,
    pub slug: String,
    pub name: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

/// A workspace about to be stored.
#[derive(Clone, Debug)]
pub struct NewWorkspace<'a> {
    pub id: WorkspaceId,
    pub slug: &'a WorkspaceSlug,
    pub name: &'a WorkspaceName,
    pub created_at: Timestamp,
}

/// Stores a new workspace; a taken slug is `StoreError::Conflict` on [`SLUG_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewWorkspace<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Workspaces::Table)
        .columns([
            Workspaces::Id,
            Workspaces::Slug,
            Workspaces::Name,
            Workspaces::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.slug.as_str().into(),
            new.name.as_str().into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Renames a workspace; returns whether it existed.
pub async fn rename(
    tx: &mut Tx,
    id: WorkspaceId,
    name: &WorkspaceName,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Workspaces::Table)
        .value(Workspaces::Name, name.as_str())
        .and_where(Expr::col(Workspaces::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// A workspace by id.
pub async fn find(db: &Db, id: WorkspaceId) -> Result<Option<WorkspaceRow>, StoreError> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(Workspaces::Id).eq(id.as_uuid()))
            .to_owned(),
    )
    .await
}

/// A workspace by its slug.
pub async fn find_by_slug(
    db: &Db,
    slug: &WorkspaceSlug,
) -> Result<Option<WorkspaceRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Workspaces::Slug).eq(slug.as_str()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Workspaces in creation order, `limit` at a time, starting after the cursor `after`.
pub async fn list(
    db: &Db,
    after: Option<WorkspaceId>,
    limit: u64,
) -> Result<Vec<WorkspaceRow>, StoreError> {
    let mut statement = select();
    if let Some(after) = after {
        statement.and_where(Expr::col(Workspaces::Id).gt(after.as_uuid()));
    }
    statement.order_by(Workspaces::Id, Order::Asc).limit(limit);
    db.fetch_all(&statement).await
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Workspaces::Id,
            Workspaces::Slug,
            Workspaces::Name,
            Workspaces::CreatedAt,
        ])
        .from(Workspaces::Table)
        .to_owned()
}
