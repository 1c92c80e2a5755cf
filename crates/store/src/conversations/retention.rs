//! Removing conversations: those past their workspace's retention period, in batches, and
//! those of one contact on request. Their messages go with them (the foreign key cascades);
//! usage records stay, for billing, and so do the runtime's event ids, so a redelivered event
//! cannot bring an erased message back.

use crate::conversations::Conversations;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::workspace::Workspaces;
use clientele_domain::{OrganizationId, Timestamp, WorkspaceId};
use sea_query::{Cond, Expr, ExprTrait, Func, Query};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Retention {
    transcript_retention_days: Option<i64>,
}

/// How many days the workspace keeps conversations after their last message; none: forever.
pub async fn days(db: &Db, workspace_id: WorkspaceId) -> Result<Option<i64>, StoreError> {
    let statement = Query::select()
        .column(Workspaces::TranscriptRetentionDays)
        .from(Workspaces::Table)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    let row: Option<Retention> = db.fetch_optional(&statement).await?;
    Ok(row.and_then(|row| row.transcript_retention_days))
}

pub async fn set_days(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    days: Option<i64>,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Workspaces::Table)
        .value(Workspaces::TranscriptRetentionDays, days)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// A workspace that keeps conversations for a limited time.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct Limited {
    #[sqlx(try_from = "Uuid")]
    pub id: WorkspaceId,
    pub transcript_retention_days: i64,
}

pub async fn limited(db: &Db) -> Result<Vec<Limited>, StoreError> {
    let statement = Query::select()
        .columns([Workspaces::Id, Workspaces::TranscriptRetentionDays])
        .from(Workspaces::Table)
        .and_where(Expr::col(Workspaces::TranscriptRetentionDays).is_not_null())
        .to_owned();
    db.fetch_all(&statement).await
}

/// Deletes up to `limit` of the workspace's conversations whose last message is older than
/// `before`; returns how many went. Several nodes may run this at once: a row one deleted is
/// simply not there for the other.
pub async fn expire_batch(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    before: Timestamp,
    limit: u64,
) -> Result<u64, StoreError> {
    let oldest = Query::select()
        .column(Conversations::Id)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Conversations::LastMessageAt).lt(before.unix_micros()))
        .limit(limit)
        .to_owned();
    let statement = Query::delete()
        .from_table(Conversations::Table)
        .and_where(Expr::col(Conversations::Id).in_subquery(oldest))
        .to_owned();
    tx.execute(&statement).await
}

/// Who a contact is, for erasure: their email, their phone, or both (exact, ignoring case
/// for the email).
#[derive(Debug)]
pub struct Contact<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Deletes every conversation of the contact in the workspace (in one organization, when
/// given); returns how many went.
pub async fn erase_contact(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: Option<OrganizationId>,
    contact: &Contact<'_>,
) -> Result<u64, StoreError> {
    let mut matches = Cond::any();
    if let Some(email) = contact.email {
        matches = matches.add(
            Expr::expr(Func::lower(Expr::col(Conversations::ContactEmail)))
                .eq(email.to_lowercase()),
        );
    }
    if let Some(phone) = contact.phone {
        matches = matches.add(Expr::col(Conversations::ContactPhone).eq(phone));
    }
    let mut statement = Query::delete()
        .from_table(Conversations::Table)
        .and_where(Expr::col(Conversations::WorkspaceId).eq(workspace_id.as_uuid()))
        .cond_where(matches)
        .to_owned();
    if let Some(organization_id) = organization_id {
        statement.and_where(Expr::col(Conversations::OrganizationId).eq(organization_id.as_uuid()));
    }
    tx.execute(&statement).await
}
