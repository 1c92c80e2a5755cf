//! The sessions table: signed-in browsers of members or client users, found by the hash of
//! their cookie's token.

use crate::clients::client_users::ClientUsers;
use crate::clients::organizations::Organizations;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::identity::members::Members;
use crate::workspace::Workspaces;
use clientele_domain::{ClientUserId, MemberId, SessionAccount, SessionId, Timestamp, WorkspaceId};
use sea_query::{Alias, Expr, ExprTrait, Iden, Query};
use uuid::Uuid;

#[derive(Iden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    WorkspaceId,
    MemberId,
    ClientUserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    ImpersonatorId,
}

/// A session with what its account is now (a role or permission change applies at once).
/// Exactly one of the member and client-user column groups is filled.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: SessionId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "i64")]
    pub last_seen_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub expires_at: Timestamp,
    pub member_id: Option<Uuid>,
    pub member_role: Option<String>,
    pub member_name: Option<String>,
    pub client_user_id: Option<Uuid>,
    pub client_user_name: Option<String>,
    pub client_user_organization_id: Option<Uuid>,
    pub client_user_permissions: Option<i64>,
    pub client_user_status: Option<String>,
    /// The sections the client user's organization has (its plan).
    pub organization_sections: Option<i64>,
    /// The member previewing the dashboard as the client user, in a preview session.
    pub impersonator_id: Option<Uuid>,
    /// The workspace or organization requires a second factor and the account has none yet.
    pub needs_second_factor: bool,
}

/// A session about to be stored; only the token's hash is kept.
#[derive(Debug)]
pub struct NewSession<'a> {
    pub id: SessionId,
    pub token_hash: &'a [u8],
    pub workspace_id: WorkspaceId,
    pub account: SessionAccount,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set for a preview: the member acting as the client user.
    pub impersonator: Option<MemberId>,
}

pub async fn insert(tx: &mut Tx, new: &NewSession<'_>) -> Result<(), StoreError> {
    let (member, client_user) = match new.account {
        SessionAccount::Member(id) => (Some(id.as_uuid()), None),
        SessionAccount::ClientUser(id) => (None, Some(id.as_uuid())),
    };
    let statement = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::Id,
            Sessions::TokenHash,
            Sessions::WorkspaceId,
            Sessions::MemberId,
            Sessions::ClientUserId,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
            Sessions::ImpersonatorId,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.token_hash.to_vec().into(),
            new.workspace_id.as_uuid().into(),
            member.into(),
            client_user.into(),
            new.created_at.unix_micros().into(),
            new.created_at.unix_micros().into(),
            new.expires_at.unix_micros().into(),
            new.impersonator.map(|id| id.as_uuid()).into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The session whose token hashes to `token_hash`, before anyone is authenticated.
pub async fn find_by_token_hash(
    db: &Db,
    token_hash: &[u8],
) -> Result<Option<SessionRow>, StoreError> {
    let statement = Query::select()
        .column((Sessions::Table, Sessions::Id))
        .column((Sessions::Table, Sessions::WorkspaceId))
        .column((Sessions::Table, Sessions::LastSeenAt))
        .column((Sessions::Table, Sessions::ExpiresAt))
        .column((Sessions::Table, Sessions::MemberId))
        .column((Sessions::Table, Sessions::ImpersonatorId))
        .expr_as(
            Expr::col((Members::Table, Members::Role)),
            Alias::new("member_role"),
        )
        .expr_as(
            Expr::col((Members::Table, Members::Name)),
            Alias::new("member_name"),
        )
        .column((Sessions::Table, Sessions::ClientUserId))
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::Name)),
            Alias::new("client_user_name"),
        )
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::OrganizationId)),
            Alias::new("client_user_organization_id"),
        )
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::Permissions)),
            Alias::new("client_user_permissions"),
        )
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::Status)),
            Alias::new("client_user_status"),
        )
        .expr_as(
            Expr::col((Organizations::Table, Organizations::EnabledSections)),
            Alias::new("organization_sections"),
        )
        .expr_as(
            crate::identity::two_factor::missing_second_factor(),
            Alias::new("needs_second_factor"),
        )
        .from(Sessions::Table)
        .inner_join(
            Workspaces::Table,
            Expr::col((Workspaces::Table, Workspaces::Id))
                .equals((Sessions::Table, Sessions::WorkspaceId)),
        )
        .left_join(
            Members::Table,
            Expr::col((Members::Table, Members::Id)).equals((Sessions::Table, Sessions::MemberId)),
        )
        .left_join(
            ClientUsers::Table,
            Expr::col((ClientUsers::Table, ClientUsers::Id))
                .equals((Sessions::Table, Sessions::ClientUserId)),
        )
        .left_join(
            Organizations::Table,
            Expr::col((Organizations::Table, Organizations::Id))
                .equals((ClientUsers::Table, ClientUsers::OrganizationId)),
        )
        .and_where(Expr::col((Sessions::Table, Sessions::TokenHash)).eq(token_hash.to_vec()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Records activity on a session, which pushes back its idle expiry.
pub async fn touch(tx: &mut Tx, id: SessionId, now: Timestamp) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Sessions::Table)
        .value(Sessions::LastSeenAt, now.unix_micros())
        .and_where(Expr::col(Sessions::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Ends one session.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: SessionId,
) -> Result<(), StoreError> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Sessions::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Ends every session of a member, e.g. when they are removed.
pub async fn delete_for_member(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    member_id: MemberId,
) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Sessions::MemberId).eq(member_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

/// Ends every session of a client user (disabled, or their password changed).
pub async fn delete_for_client_user(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    client_user_id: ClientUserId,
) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Sessions::ClientUserId).eq(client_user_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}
