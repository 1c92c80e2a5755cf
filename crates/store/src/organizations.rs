//! The organizations table: one row per client of an agency.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{OrganizationId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Query};
use uuid::Uuid;

#[derive(Iden)]
enum Organizations {
    Table,
    Id,
    WorkspaceId,
    Name,
    CreatedAt,
}

/// A stored organization.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrganizationRow {
    #[sqlx(try_from = "Uuid")]
    pub id: OrganizationId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

/// Stores an organization of `workspace_id`.
pub async fn insert(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
    name: &str,
    created_at: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Organizations::Table)
        .columns([
            Organizations::Id,
            Organizations::WorkspaceId,
            Organizations::Name,
            Organizations::CreatedAt,
        ])
        .values_panic([
            id.as_uuid().into(),
            workspace_id.as_uuid().into(),
            name.into(),
            created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// An organization of `workspace_id`.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<Option<OrganizationRow>, StoreError> {
    let statement = Query::select()
        .columns([
            Organizations::Id,
            Organizations::WorkspaceId,
            Organizations::Name,
            Organizations::CreatedAt,
        ])
        .from(Organizations::Table)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}
