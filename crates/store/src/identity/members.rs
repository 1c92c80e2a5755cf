//! The members table: agency accounts, each in one workspace with one role.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{Email, MemberId, MemberRole, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum Members {
    Table,
    Id,
    WorkspaceId,
    Email,
    Name,
    Role,
    PasswordHash,
    CreatedAt,
}

/// The constraint that makes an email one account across the deployment.
pub const EMAIL_CONSTRAINT: &str = "members_workspace_id_email_key";

/// A stored member, password hash included; never serialise it as is.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    #[sqlx(try_from = "Uuid")]
    pub id: MemberId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: MemberRole,
    pub password_hash: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

/// A member about to be stored.
#[derive(Debug)]
pub struct NewMember<'a> {
    pub id: MemberId,
    pub workspace_id: WorkspaceId,
    pub email: &'a Email,
    pub name: &'a str,
    pub role: MemberRole,
    pub password_hash: &'a str,
    pub created_at: Timestamp,
}

/// Stores a member; a taken email is `StoreError::Conflict` on [`EMAIL_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewMember<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Members::Table)
        .columns([
            Members::Id,
            Members::WorkspaceId,
            Members::Email,
            Members::Name,
            Members::Role,
            Members::PasswordHash,
            Members::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.email.as_str().into(),
            new.name.into(),
            new.role.as_str().into(),
            new.password_hash.into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The accounts with `email`, one per workspace at most, oldest first. Used before anyone is
/// authenticated (signing in, asking for a reset), which is why it is the one lookup without a
/// tenant.
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Vec<MemberRow>, StoreError> {
    db.fetch_all(
        &select()
            .and_where(Expr::col(Members::Email).eq(email.as_str()))
            .order_by(Members::CreatedAt, Order::Asc)
            .order_by(Members::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

/// The member of `workspace_id` with `email`.
pub async fn find_by_email_in(
    db: &Db,
    workspace_id: WorkspaceId,
    email: &Email,
) -> Result<Option<MemberRow>, StoreError> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
            .and_where(Expr::col(Members::Email).eq(email.as_str()))
            .to_owned(),
    )
    .await
}

/// A member of `workspace_id`.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: MemberId,
) -> Result<Option<MemberRow>, StoreError> {
    db.fetch_optional(
        &scoped(workspace_id)
            .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
            .to_owned(),
    )
    .await
}

/// A member of `workspace_id`, read inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: MemberId,
) -> Result<Option<MemberRow>, StoreError> {
    tx.fetch_optional(
        &scoped(workspace_id)
            .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
            .to_owned(),
    )
    .await
}

/// The current owner of `workspace_id`, read inside a write transaction.
pub async fn find_owner_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
) -> Result<Option<MemberRow>, StoreError> {
    let statement = scoped(workspace_id)
        .and_where(Expr::col(Members::Role).eq(MemberRole::Owner.as_str()))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Every member of `workspace_id`, oldest first.
pub async fn list(db: &Db, workspace_id: WorkspaceId) -> Result<Vec<MemberRow>, StoreError> {
    db.fetch_all(
        &scoped(workspace_id)
            .order_by(Members::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

/// Sets a member's role; returns whether the member exists.
pub async fn set_role(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: MemberId,
    role: MemberRole,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Members::Table)
        .value(Members::Role, role.as_str())
        .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Makes the owner `id` an admin, if they are still the owner: of parallel transfers, only the
/// first to commit finds them so.
pub async fn demote_owner(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: MemberId,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Members::Table)
        .value(Members::Role, MemberRole::Admin.as_str())
        .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Members::Role).eq(MemberRole::Owner.as_str()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Replaces a member's password hash (after a change of password or of hashing parameters).
pub async fn set_password_hash(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: MemberId,
    hash: &str,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Members::Table)
        .value(Members::PasswordHash, hash)
        .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Deletes a member (their sessions go with them); returns whether the member existed.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: MemberId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(Members::Table)
        .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Members::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            Members::Id,
            Members::WorkspaceId,
            Members::Email,
            Members::Name,
            Members::Role,
            Members::PasswordHash,
            Members::CreatedAt,
        ])
        .from(Members::Table)
        .to_owned()
}

fn scoped(workspace_id: WorkspaceId) -> SelectStatement {
    select()
        .and_where(Expr::col(Members::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned()
}
