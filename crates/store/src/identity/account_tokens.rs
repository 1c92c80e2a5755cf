//! The account_tokens table: single-use links (invitations, password resets, preview
//! hand-overs), found by the hash of their token and consumed at most once.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{
    AccountTokenId, ClientUserId, MemberId, MemberRole, Timestamp, WorkspaceId,
};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
enum AccountTokens {
    Table,
    Id,
    TokenHash,
    Purpose,
    WorkspaceId,
    MemberId,
    ClientUserId,
    Email,
    Role,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

/// What a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    PasswordReset,
    Preview,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
            Purpose::Preview => "preview",
        }
    }
}

/// Whom a link is for: an account, or (for a member invitation) an address and a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Member(MemberId),
    ClientUser(ClientUserId),
    Invitee { email: String, role: MemberRole },
}

/// A link about to be stored; only the token's hash is kept.
#[derive(Debug)]
pub struct NewAccountToken<'a> {
    pub id: AccountTokenId,
    pub token_hash: &'a [u8],
    pub purpose: Purpose,
    pub workspace_id: WorkspaceId,
    pub subject: &'a Subject,
    pub created_by: Option<MemberId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A stored link.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountTokenRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AccountTokenId,
    pub purpose: String,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub member_id: Option<Uuid>,
    pub client_user_id: Option<Uuid>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub created_by: Option<Uuid>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub expires_at: Timestamp,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl AccountTokenRow {
    /// Whom the link is for, if the row is well-formed.
    pub fn subject(&self) -> Option<Subject> {
        match (self.member_id, self.client_user_id, &self.email, &self.role) {
            (Some(id), None, _, _) => Some(Subject::Member(MemberId::from(id))),
            (None, Some(id), _, _) => Some(Subject::ClientUser(ClientUserId::from(id))),
            (None, None, Some(email), Some(role)) => Some(Subject::Invitee {
                email: email.clone(),
                role: role.parse().ok()?,
            }),
            _ => None,
        }
    }
}

pub async fn insert(tx: &mut Tx, new: &NewAccountToken<'_>) -> Result<(), StoreError> {
    let (member, client_user, email, role) = match new.subject {
        Subject::Member(id) => (Some(id.as_uuid()), None, None, None),
        Subject::ClientUser(id) => (None, Some(id.as_uuid()), None, None),
        Subject::Invitee { email, role } => (None, None, Some(email.clone()), Some(role.as_str())),
    };
    let statement = Query::insert()
        .into_table(AccountTokens::Table)
        .columns([
            AccountTokens::Id,
            AccountTokens::TokenHash,
            AccountTokens::Purpose,
            AccountTokens::WorkspaceId,
            AccountTokens::MemberId,
            AccountTokens::ClientUserId,
            AccountTokens::Email,
            AccountTokens::Role,
            AccountTokens::CreatedBy,
            AccountTokens::CreatedAt,
            AccountTokens::ExpiresAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.token_hash.to_vec().into(),
            new.purpose.as_str().into(),
            new.workspace_id.as_uuid().into(),
            member.into(),
            client_user.into(),
            email.into(),
            role.into(),
            new.created_by.map(|id| id.as_uuid()).into(),
            new.created_at.unix_micros().into(),
            new.expires_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            AccountTokens::Id,
            AccountTokens::Purpose,
            AccountTokens::WorkspaceId,
            AccountTokens::MemberId,
            AccountTokens::ClientUserId,
            AccountTokens::Email,
            AccountTokens::Role,
            AccountTokens::CreatedBy,
            AccountTokens::CreatedAt,
            AccountTokens::ExpiresAt,
            AccountTokens::UsedAt,
            AccountTokens::RevokedAt,
        ])
        .from(AccountTokens::Table)
        .to_owned()
}

/// The link whose token hashes to `token_hash`, whatever its state.
pub async fn find_by_hash(
    db: &Db,
    purpose: Purpose,
    token_hash: &[u8],
) -> Result<Option<AccountTokenRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(AccountTokens::TokenHash).eq(token_hash.to_vec()))
        .and_where(Expr::col(AccountTokens::Purpose).eq(purpose.as_str()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Uses the link once: true for the one caller that marks it used while it is still open.
pub async fn consume(tx: &mut Tx, id: AccountTokenId, now: Timestamp) -> Result<bool, StoreError> {
    let now = now.unix_micros();
    let statement = Query::update()
        .table(AccountTokens::Table)
        .value(AccountTokens::UsedAt, now)
        .and_where(Expr::col(AccountTokens::Id).eq(id.as_uuid()))
        .and_where(Expr::col(AccountTokens::UsedAt).is_null())
        .and_where(Expr::col(AccountTokens::RevokedAt).is_null())
        .and_where(Expr::col(AccountTokens::ExpiresAt).gt(now))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

fn for_subject(statement: &mut sea_query::UpdateStatement, subject: &Subject) {
    match subject {
        Subject::Member(id) => {
            statement.and_where(Expr::col(AccountTokens::MemberId).eq(id.as_uuid()));
        }
        Subject::ClientUser(id) => {
            statement.and_where(Expr::col(AccountTokens::ClientUserId).eq(id.as_uuid()));
        }
        Subject::Invitee { email, .. } => {
            statement
                .and_where(Expr::col(AccountTokens::Email).eq(email.as_str()))
                .and_where(Expr::col(AccountTokens::MemberId).is_null());
        }
    }
}

/// Revokes the subject's open links of `purpose` (a resent invitation voids the last one);
/// returns how many were open.
pub async fn revoke_open(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    purpose: Purpose,
    subject: &Subject,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut statement = Query::update()
        .table(AccountTokens::Table)
        .value(AccountTokens::RevokedAt, now.unix_micros())
        .and_where(Expr::col(AccountTokens::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(AccountTokens::Purpose).eq(purpose.as_str()))
        .and_where(Expr::col(AccountTokens::UsedAt).is_null())
        .and_where(Expr::col(AccountTokens::RevokedAt).is_null())
        .and_where(Expr::col(AccountTokens::ExpiresAt).gt(now.unix_micros()))
        .to_owned();
    for_subject(&mut statement, subject);
    tx.execute(&statement).await
}

/// The workspace's open invitations of future members, newest first.
pub async fn open_member_invitations(
    db: &Db,
    workspace_id: WorkspaceId,
    now: Timestamp,
) -> Result<Vec<AccountTokenRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(AccountTokens::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(AccountTokens::Purpose).eq(Purpose::Invitation.as_str()))
        .and_where(Expr::col(AccountTokens::Email).is_not_null())
        .and_where(Expr::col(AccountTokens::UsedAt).is_null())
        .and_where(Expr::col(AccountTokens::RevokedAt).is_null())
        .and_where(Expr::col(AccountTokens::ExpiresAt).gt(now.unix_micros()))
        .order_by(AccountTokens::CreatedAt, Order::Desc)
        .to_owned();
    db.fetch_all(&statement).await
}

/// The latest invitation of each of `users`, whatever its state.
pub async fn latest_invitations(
    db: &Db,
    workspace_id: WorkspaceId,
    users: &[ClientUserId],
) -> Result<Vec<AccountTokenRow>, StoreError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select()
        .and_where(Expr::col(AccountTokens::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(AccountTokens::Purpose).eq(Purpose::Invitation.as_str()))
        .and_where(Expr::col(AccountTokens::ClientUserId).is_in(users.iter().map(|u| u.as_uuid())))
        .order_by(AccountTokens::CreatedAt, Order::Asc)
        .to_owned();
    db.fetch_all(&statement).await
}
