//! Two-factor sign-in: the two_factor, recovery_codes and sign_in_challenges tables, and the
//! requirement flags on workspaces (for members) and organizations (for their users).

use crate::clients::organizations::Organizations;
use crate::db::{Count, Db, Tx};
use crate::error::StoreError;
use crate::workspace::Workspaces;
use clientele_domain::SessionAccount;
use clientele_domain::{ClientUserId, MemberId, OrganizationId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, Query, SimpleExpr};
use uuid::Uuid;

#[derive(Iden)]
enum TwoFactor {
    Table,
    WorkspaceId,
    MemberId,
    ClientUserId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(Iden)]
enum RecoveryCodes {
    Table,
    CodeHash,
    MemberId,
    ClientUserId,
}

#[derive(Iden)]
enum SignInChallenges {
    Table,
    TokenHash,
    WorkspaceId,
    MemberId,
    ClientUserId,
    ExpiresAt,
}

/// The workspace's column of the same name (the organizations table has its own).
#[derive(Iden)]
enum RequireTwoFactor {
    RequireTwoFactor,
}

/// An account's second factor.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TwoFactorRow {
    /// The TOTP secret, sealed with the server key.
    pub secret: Vec<u8>,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

/// A pending sign-in: whose password was right.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChallengeRow {
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub member_id: Option<Uuid>,
    pub client_user_id: Option<Uuid>,
}

impl ChallengeRow {
    pub fn account(&self) -> Option<SessionAccount> {
        match (self.member_id, self.client_user_id) {
            (Some(id), None) => Some(SessionAccount::Member(MemberId::from(id))),
            (None, Some(id)) => Some(SessionAccount::ClientUser(ClientUserId::from(id))),
            _ => None,
        }
    }
}

fn ids(account: SessionAccount) -> (Option<Uuid>, Option<Uuid>) {
    match account {
        SessionAccount::Member(id) => (Some(id.as_uuid()), None),
        SessionAccount::ClientUser(id) => (None, Some(id.as_uuid())),
    }
}

fn is_account(
    member: impl Iden + 'static,
    client_user: impl Iden + 'static,
    account: SessionAccount,
) -> SimpleExpr {
    match account {
        SessionAccount::Member(id) => Expr::col(member).eq(id.as_uuid()),
        SessionAccount::ClientUser(id) => Expr::col(client_user).eq(id.as_uuid()),
    }
}

fn of(account: SessionAccount) -> SimpleExpr {
    is_account(TwoFactor::MemberId, TwoFactor::ClientUserId, account)
}

fn select(account: SessionAccount) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            TwoFactor::Secret,
            TwoFactor::ConfirmedAt,
            TwoFactor::LastStep,
        ])
        .from(TwoFactor::Table)
        .and_where(of(account))
        .to_owned()
}

/// The account's second factor, confirmed or not.
pub async fn find(db: &Db, account: SessionAccount) -> Result<Option<TwoFactorRow>, StoreError> {
    db.fetch_optional(&select(account)).await
}

/// [`find`] inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    account: SessionAccount,
) -> Result<Option<TwoFactorRow>, StoreError> {
    tx.fetch_optional(&select(account)).await
}

/// Starts over with a new, unconfirmed secret (and no recovery codes).
pub async fn begin(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
    sealed_secret: &[u8],
    now: Timestamp,
) -> Result<(), StoreError> {
    remove(tx, account).await?;
    let (member, client_user) = ids(account);
    let statement = Query::insert()
        .into_table(TwoFactor::Table)
        .columns([
            TwoFactor::WorkspaceId,
            TwoFactor::MemberId,
            TwoFactor::ClientUserId,
            TwoFactor::Secret,
            TwoFactor::LastStep,
            TwoFactor::CreatedAt,
        ])
        .values_panic([
            workspace_id.as_uuid().into(),
            member.into(),
            client_user.into(),
            sealed_secret.to_vec().into(),
            0i64.into(),
            now.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Confirms the pending secret with the step of its first code; false when there is none.
pub async fn confirm(
    tx: &mut Tx,
    account: SessionAccount,
    step: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(TwoFactor::Table)
        .value(TwoFactor::ConfirmedAt, now.unix_micros())
        .value(TwoFactor::LastStep, step)
        .and_where(of(account))
        .and_where(Expr::col(TwoFactor::ConfirmedAt).is_null())
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Records that a code of `step` was used: true only for the first use of a later step than
/// any before, so a code (even one seen over a shoulder) works once.
pub async fn accept_step(
    tx: &mut Tx,
    account: SessionAccount,
    step: i64,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(TwoFactor::Table)
        .value(TwoFactor::LastStep, step)
        .and_where(of(account))
        .and_where(Expr::col(TwoFactor::ConfirmedAt).is_not_null())
        .and_where(Expr::col(TwoFactor::LastStep).lt(step))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Turns the second factor off: the secret and every recovery code go.
pub async fn remove(tx: &mut Tx, account: SessionAccount) -> Result<bool, StoreError> {
    let codes = Query::delete()
        .from_table(RecoveryCodes::Table)
        .and_where(is_account(
            RecoveryCodes::MemberId,
            RecoveryCodes::ClientUserId,
            account,
        ))
        .to_owned();
    tx.execute(&codes).await?;
    let statement = Query::delete()
        .from_table(TwoFactor::Table)
        .and_where(of(account))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Replaces the account's recovery codes with the given hashes.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    account: SessionAccount,
    hashes: &[[u8; 32]],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(RecoveryCodes::Table)
        .and_where(is_account(
            RecoveryCodes::MemberId,
            RecoveryCodes::ClientUserId,
            account,
        ))
        .to_owned();
    tx.execute(&delete).await?;
    let (member, client_user) = ids(account);
    let mut insert = Query::insert()
        .into_table(RecoveryCodes::Table)
        .columns([
            RecoveryCodes::CodeHash,
            RecoveryCodes::MemberId,
            RecoveryCodes::ClientUserId,
        ])
        .to_owned();
    for hash in hashes {
        insert.values_panic([hash.to_vec().into(), member.into(), client_user.into()]);
    }
    tx.execute(&insert).await?;
    Ok(())
}

/// Uses up one recovery code: true for the one caller that removes it.
pub async fn use_recovery_code(
    tx: &mut Tx,
    account: SessionAccount,
    hash: &[u8],
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(RecoveryCodes::Table)
        .and_where(Expr::col(RecoveryCodes::CodeHash).eq(hash.to_vec()))
        .and_where(is_account(
            RecoveryCodes::MemberId,
            RecoveryCodes::ClientUserId,
            account,
        ))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left(db: &Db, account: SessionAccount) -> Result<i64, StoreError> {
    let statement = Query::select()
        .expr_as(Expr::cust("count(*)"), sea_query::Alias::new("count"))
        .from(RecoveryCodes::Table)
        .and_where(is_account(
            RecoveryCodes::MemberId,
            RecoveryCodes::ClientUserId,
            account,
        ))
        .to_owned();
    let row: Option<Count> = db.fetch_optional(&statement).await?;
    Ok(row.map_or(0, |r| r.count))
}

/// Stores a challenge: the password was right; the second factor must follow by `expires_at`.
pub async fn insert_challenge(
    tx: &mut Tx,
    token_hash: &[u8],
    workspace_id: WorkspaceId,
    account: SessionAccount,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let (member, client_user) = ids(account);
    let statement = Query::insert()
        .into_table(SignInChallenges::Table)
        .columns([
            SignInChallenges::TokenHash,
            SignInChallenges::WorkspaceId,
            SignInChallenges::MemberId,
            SignInChallenges::ClientUserId,
            SignInChallenges::ExpiresAt,
        ])
        .values_panic([
            token_hash.to_vec().into(),
            workspace_id.as_uuid().into(),
            member.into(),
            client_user.into(),
            expires_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The live challenge with this hash.
pub async fn find_challenge(
    tx: &mut Tx,
    token_hash: &[u8],
    now: Timestamp,
) -> Result<Option<ChallengeRow>, StoreError> {
    let statement = Query::select()
        .columns([
            SignInChallenges::WorkspaceId,
            SignInChallenges::MemberId,
            SignInChallenges::ClientUserId,
        ])
        .from(SignInChallenges::Table)
        .and_where(Expr::col(SignInChallenges::TokenHash).eq(token_hash.to_vec()))
        .and_where(Expr::col(SignInChallenges::ExpiresAt).gt(now.unix_micros()))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Uses a challenge up: true for the one caller that removes it.
pub async fn take_challenge(tx: &mut Tx, token_hash: &[u8]) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(SignInChallenges::Table)
        .and_where(Expr::col(SignInChallenges::TokenHash).eq(token_hash.to_vec()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Whether the workspace requires a second factor of its members.
pub async fn workspace_requires(db: &Db, workspace_id: WorkspaceId) -> Result<bool, StoreError> {
    let statement = Query::select()
        .column(RequireTwoFactor::RequireTwoFactor)
        .from(Workspaces::Table)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    let row: Option<(bool,)> = db.fetch_optional(&statement).await?;
    Ok(row.is_some_and(|(required,)| required))
}

/// Whether the organization requires a second factor of its users.
pub async fn organization_requires(
    db: &Db,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<bool, StoreError> {
    let statement = Query::select()
        .column(Organizations::RequireTwoFactor)
        .from(Organizations::Table)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    let row: Option<(bool,)> = db.fetch_optional(&statement).await?;
    Ok(row.is_some_and(|(required,)| required))
}

/// Sets whether the workspace requires a second factor of its members.
pub async fn set_workspace_requirement(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    required: bool,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(Workspaces::Table)
        .value(RequireTwoFactor::RequireTwoFactor, required)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Sets whether the organization requires a second factor of its users; false when it is gone.
pub async fn set_organization_requirement(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
    required: bool,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Organizations::Table)
        .value(Organizations::RequireTwoFactor, required)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// The session query's column: the account must have a second factor and has none confirmed.
pub(crate) fn missing_second_factor() -> SimpleExpr {
    Expr::cust(
        "(COALESCE(organizations.require_two_factor, workspaces.require_two_factor) \
         AND NOT EXISTS (SELECT 1 FROM two_factor t WHERE t.confirmed_at IS NOT NULL \
         AND (t.member_id = sessions.member_id OR t.client_user_id = sessions.client_user_id)))",
    )
}

#[derive(sqlx::FromRow)]
struct ClientUserIdRow {
    #[sqlx(try_from = "Uuid")]
    client_user_id: ClientUserId,
}

/// Which of `users` (of `workspace_id`) have a confirmed second factor, in one query.
pub async fn confirmed_client_users(
    db: &Db,
    workspace_id: WorkspaceId,
    users: &[ClientUserId],
) -> Result<Vec<ClientUserId>, StoreError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let statement = Query::select()
        .column(TwoFactor::ClientUserId)
        .from(TwoFactor::Table)
        .and_where(Expr::col(TwoFactor::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(TwoFactor::ClientUserId).is_in(users.iter().map(|id| id.as_uuid())))
        .and_where(Expr::col(TwoFactor::ConfirmedAt).is_not_null())
        .to_owned();
    let rows: Vec<ClientUserIdRow> = db.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.client_user_id).collect())
}

#[derive(sqlx::FromRow)]
struct MemberIdRow {
    #[sqlx(try_from = "Uuid")]
    member_id: MemberId,
}

/// The members of `workspace_id` with a confirmed second factor.
pub async fn confirmed_members(
    db: &Db,
    workspace_id: WorkspaceId,
) -> Result<Vec<MemberId>, StoreError> {
    let statement = Query::select()
        .column(TwoFactor::MemberId)
        .from(TwoFactor::Table)
        .and_where(Expr::col(TwoFactor::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(TwoFactor::MemberId).is_not_null())
        .and_where(Expr::col(TwoFactor::ConfirmedAt).is_not_null())
        .to_owned();
    let rows: Vec<MemberIdRow> = db.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.member_id).collect())
}

/// Whether `account` has a confirmed second factor, for the sign-in.
pub async fn is_confirmed(db: &Db, account: SessionAccount) -> Result<bool, StoreError> {
    Ok(find(db, account)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some()))
}
