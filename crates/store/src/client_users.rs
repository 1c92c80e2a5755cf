//! The client_users table: the people of a client organization who use the dashboard.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{ClientUserId, Email, OrganizationId, Permissions, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum ClientUsers {
    Table,
    Id,
    WorkspaceId,
    OrganizationId,
    Email,
    Name,
    PasswordHash,
    Permissions,
    Status,
    CreatedAt,
}

/// The constraint that makes an email one login within a workspace.
pub const EMAIL_CONSTRAINT: &str = "client_users_workspace_id_email_key";

/// A stored client user, password hash included; never serialise it as is.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientUserRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientUserId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub permissions: i64,
    /// `invited`, `active` or `disabled`.
    pub status: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

impl ClientUserRow {
    pub fn permissions(&self) -> Permissions {
        Permissions::from_bits(u16::try_from(self.permissions).unwrap_or_default())
    }
}

/// A client user about to be stored.
#[derive(Debug)]
pub struct NewClientUser<'a> {
    pub id: ClientUserId,
    pub workspace_id: WorkspaceId,
    pub organization_id: OrganizationId,
    pub email: &'a Email,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub permissions: Permissions,
    pub status: &'a str,
    pub created_at: Timestamp,
}

/// Stores a client user; a taken email is `StoreError::Conflict` on [`EMAIL_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewClientUser<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(ClientUsers::Table)
        .columns([
            ClientUsers::Id,
            ClientUsers::WorkspaceId,
            ClientUsers::OrganizationId,
            ClientUsers::Email,
            ClientUsers::Name,
            ClientUsers::PasswordHash,
            ClientUsers::Permissions,
            ClientUsers::Status,
            ClientUsers::CreatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.organization_id.as_uuid().into(),
            new.email.as_str().into(),
            new.name.into(),
            new.password_hash.map(str::to_owned).into(),
            i64::from(new.permissions.bits()).into(),
            new.status.into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The user signing in to `workspace_id`'s dashboard with `email`.
pub async fn find_by_email(
    db: &Db,
    workspace_id: WorkspaceId,
    email: &Email,
) -> Result<Option<ClientUserRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Email).eq(email.as_str()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Replaces a user's password hash (after a change of hashing parameters).
pub async fn set_password_hash(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
    hash: &str,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(ClientUsers::Table)
        .value(ClientUsers::PasswordHash, hash)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Deletes every user of an organization; their sessions go with them.
pub async fn delete_for_organization(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(ClientUsers::Table)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            ClientUsers::Id,
            ClientUsers::WorkspaceId,
            ClientUsers::OrganizationId,
            ClientUsers::Email,
            ClientUsers::Name,
            ClientUsers::PasswordHash,
            ClientUsers::Permissions,
            ClientUsers::Status,
            ClientUsers::CreatedAt,
        ])
        .from(ClientUsers::Table)
        .to_owned()
}
