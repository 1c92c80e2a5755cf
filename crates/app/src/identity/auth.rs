//! Signing in and out, and turning a session cookie or an API key into an [`Actor`].

use crate::clients::client_users::ClientUser;
use crate::error::AppError;
use crate::identity::members::Member;
use crate::identity::tokens::Token;
use crate::workspace::Workspace;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::SessionAccount;
use clientele_domain::{
    Action, Actor, ClientUserId, ClientUserStatus, Email, MemberId, MemberRole, OrganizationId,
    Permissions, Principal, Resource, SessionId, Timestamp, WorkspaceId, WorkspaceSlug, authorize,
};
use clientele_store::clients::client_users;
use clientele_store::identity::api_keys;
use clientele_store::identity::members::{self, MemberRow};
use clientele_store::identity::sessions::{self, NewSession, SessionRow};
use clientele_store::identity::throttle::{self, ThrottleRow};
use clientele_store::{Tx, identity::two_factor, workspace};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Activity is written back at most this often, so reads do not each cost a write.
const TOUCH_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// API keys start with this, so they are recognisable in configuration and secret scanners.
pub const API_KEY_PREFIX: &str = "ck_";

/// Failed sign-ins forgotten after this long without another.
const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed attempts before the next one must wait: per account (known or not), per address.
const ACCOUNT_ALLOWANCE: i64 = 5;
const ADDRESS_ALLOWANCE: i64 = 20;
/// The first block lasts this long and doubles with each further failure, up to the cap.
const FIRST_BLOCK: Duration = Duration::from_secs(30);
const LONGEST_BLOCK: Duration = Duration::from_secs(15 * 60);

/// A new session: the token goes in the cookie, the CSRF token in unsafe requests.
#[derive(Debug)]
pub struct SignedIn<A> {
    pub token: Token,
    pub csrf_token: String,
    pub account: A,
    pub expires_at: Timestamp,
}

/// An authenticated request's actor, and its session when it came with a cookie.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub actor: Actor,
    pub session_id: Option<SessionId>,
    /// The workspace or organization requires a second factor the account has not set up:
    /// until it does, the session may only set one up, read itself, and sign out.
    pub needs_second_factor: bool,
}

/// Where a right password leads: a session, or, for an account with a second factor, a
/// challenge that [`App::complete_second_factor`] turns into one.
#[derive(Debug)]
pub enum SignInStep<A> {
    SignedIn(SignedIn<A>),
    SecondFactor(SecondFactorChallenge),
}

/// Proof that the password was right, valid for a few minutes, to send with the code.
#[derive(Debug)]
pub struct SecondFactorChallenge {
    pub challenge: Token,
    pub expires_at: Timestamp,
}

/// What a right password opened, before it is told apart by account kind.
enum Opened {
    Session(Token, Timestamp),
    Challenge(SecondFactorChallenge),
}

impl Opened {
    fn step<A>(self, account: A) -> SignInStep<A> {
        match self {
            Opened::Session(token, expires_at) => SignInStep::SignedIn(SignedIn {
                csrf_token: token.csrf_token(),
                token,
                account,
                expires_at,
            }),
            Opened::Challenge(challenge) => SignInStep::SecondFactor(challenge),
        }
    }
}

/// What signing in needs to know of an account, whichever kind it is.
struct Login {
    workspace_id: WorkspaceId,
    account: SessionAccount,
    name: String,
    password_hash: Option<String>,
    may_sign_in: bool,
}

impl App {
    /// Signs an agency account in. Unknown emails and wrong passwords get the same answer in
    /// about the same time; repeated failures are throttled per account and per address.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        context: &RequestContext,
    ) -> Result<SignInStep<Member>, AppError> {
        let keys = throttle_keys("member", email, context);
        self.admit_sign_in(&keys).await?;
        let accounts = match Email::parse(email) {
            Ok(email) => members::find_by_email(&self.db, &email).await?,
            Err(_) => Vec::new(),
        };
        let member = self.account_for(accounts, password).await?;
        let login = member.as_ref().map(|m| Login {
            workspace_id: m.workspace_id,
            account: SessionAccount::Member(m.id),
            name: m.name.clone(),
            password_hash: Some(m.password_hash.clone()),
            may_sign_in: true,
        });
        let opened = self.open_session(&keys, login, password, context).await?;
        let account = member.ok_or(AppError::BadCredentials)?;
        Ok(opened.step(account.into()))
    }

    /// Of one address's accounts (one per workspace), the one `password` opens: the first
    /// such, oldest first; with no match, the oldest, so the sign-in fails as for any wrong
    /// password. A single account costs no extra check.
    async fn account_for(
        &self,
        mut accounts: Vec<MemberRow>,
        password: &str,
    ) -> Result<Option<MemberRow>, AppError> {
        if accounts.len() > 1 {
            for (i, account) in accounts.iter().enumerate() {
                let stored = Some(account.password_hash.clone());
                if self.passwords.verify(password.to_owned(), stored).await? {
                    return Ok(Some(accounts.swap_remove(i)));
                }
            }
        }
        Ok(accounts.into_iter().next())
    }

    /// Signs a client user in to their workspace's dashboard, with the same protections as
    /// [`App::sign_in`]. Invited users (no password yet) and disabled users cannot sign in.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_client_user(
        &self,
        workspace_slug: &str,
        email: &str,
        password: &str,
        context: &RequestContext,
    ) -> Result<SignInStep<ClientUser>, AppError> {
        let keys = throttle_keys(workspace_slug, email, context);
        self.admit_sign_in(&keys).await?;
        let workspace = match WorkspaceSlug::parse(workspace_slug) {
            Ok(slug) => workspace::find_by_slug(&self.db, &slug).await?,
            Err(_) => None,
        };
        let user = match (workspace, Email::parse(email)) {
            (Some(workspace), Ok(email)) => {
                client_users::find_by_email(&self.db, workspace.id, &email).await?
            }
            _ => None,
        };
        let login = user.as_ref().map(|u| Login {
            workspace_id: u.workspace_id,
            account: SessionAccount::ClientUser(u.id),
            name: u.name.clone(),
            password_hash: u.password_hash.clone(),
            may_sign_in: u.status == ClientUserStatus::Active,
        });
        let opened = self.open_session(&keys, login, password, context).await?;
        let account = user.ok_or(AppError::BadCredentials)?;
        Ok(opened.step(account.into()))
    }

    /// Verifies the password (against a decoy when there is no account), already counted as a
    /// failure by [`App::admit_sign_in`]; on success forgets it and opens a session, or a
    /// second-factor challenge when the account has one.
    async fn open_session(
        &self,
        keys: &[String; 2],
        login: Option<Login>,
        password: &str,
        context: &RequestContext,
    ) -> Result<Opened, AppError> {
        let stored = login.as_ref().and_then(|l| l.password_hash.clone());
        let verified = self.passwords.verify(password.to_owned(), stored).await?;
        let Some(login) = login.filter(|l| verified && l.may_sign_in) else {
            return Err(AppError::BadCredentials);
        };
        let rehashed = match login
            .password_hash
            .as_deref()
            .is_some_and(|h| self.passwords.needs_rehash(h))
        {
            true => Some(self.passwords.hash(password.to_owned()).await?),
            false => None,
        };
        let second_factor = two_factor::is_confirmed(&self.db, login.account).await?;
        let mut tx = self.db.begin().await?;
        throttle::clear(&mut tx, &keys[0]).await?;
        let address = throttle::lock(&mut tx, &keys[1]).await?;
        throttle::put(
            &mut tx,
            &keys[1],
            &after_success(address, ADDRESS_ALLOWANCE),
        )
        .await?;
        match (login.account, &rehashed) {
            (SessionAccount::Member(id), Some(hash)) => {
                members::set_password_hash(&mut tx, login.workspace_id, id, hash).await?
            }
            (SessionAccount::ClientUser(id), Some(hash)) => {
                client_users::set_password_hash(&mut tx, login.workspace_id, id, hash).await?
            }
            (_, None) => {}
        }
        if second_factor {
            let challenge = challenge(&mut tx, login.workspace_id, login.account).await?;
            tx.commit().await?;
            return Ok(Opened::Challenge(challenge));
        }
        let (token, expires_at) = finish_sign_in(
            &mut tx,
            login.workspace_id,
            login.account,
            &login.name,
            context,
        )
        .await?;
        tx.commit().await?;
        Ok(Opened::Session(token, expires_at))
    }

    /// The actor behind a session cookie, if the session is live.
    pub async fn authenticate_session(&self, token: &Token) -> Result<Authenticated, AppError> {
        let session = sessions::find_by_token_hash(&self.db, &token.hash())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = Timestamp::now();
        let idle_until = session.last_seen_at.after(IDLE_TIMEOUT);
        if now >= session.expires_at || now >= idle_until {
            return Err(AppError::Unauthenticated);
        }
        if now >= session.last_seen_at.after(TOUCH_INTERVAL) {
            let mut tx = self.db.begin().await?;
            sessions::touch(&mut tx, session.id, now).await?;
            tx.commit().await?;
        }
        let actor = actor_of(&session).ok_or(AppError::Unauthenticated)?;
        Ok(Authenticated {
            actor,
            session_id: Some(session.id),
            // A preview borrows the user's dashboard; the member's own sign-in was checked.
            needs_second_factor: session.needs_second_factor && session.impersonator_id.is_none(),
        })
    }

    /// The actor behind an API key, if the key is live.
    pub async fn authenticate_api_key(&self, token: &Token) -> Result<Authenticated, AppError> {
        if !token.reveal().starts_with(API_KEY_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let key = api_keys::find_active_by_token_hash(&self.db, &token.hash())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = Timestamp::now();
        let stale = key
            .last_used_at
            .is_none_or(|used| now.unix_micros() - used >= micros(TOUCH_INTERVAL) / 5);
        if stale {
            let mut tx = self.db.begin().await?;
            api_keys::touch(&mut tx, key.id, now).await?;
            tx.commit().await?;
        }
        let actor = Actor {
            workspace_id: key.workspace_id,
            label: key.name,
            principal: Principal::ApiKey {
                id: key.id,
                role: key.role,
            },
            impersonated_by: None,
        };
        Ok(Authenticated {
            actor,
            session_id: None,
            needs_second_factor: false,
        })
    }

    /// Ends the caller's own session.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(
        &self,
        authenticated: &Authenticated,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let actor = &authenticated.actor;
        let permit = authorize(
            actor,
            Action::SignOut,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let Some(session_id) = authenticated.session_id else {
            return Err(AppError::Forbidden("no session to end"));
        };
        let mut tx = self.db.begin().await?;
        sessions::delete(&mut tx, permit.workspace_id(), session_id).await?;
        let author = Author::of(actor);
        let action = match actor.impersonated_by {
            Some(_) => "client_user.preview_ended".to_owned(),
            None => format!("{}.signed_out", author.kind),
        };
        let entry = Entry {
            organization_id: None,
            action: &action,
            target_kind: author.kind,
            target_id: author.id,
            target_label: &actor.label,
            changes: Changes::new(),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(())
    }

    /// Admits one sign-in attempt (a password or a second factor) for the account and address
    /// keys, counted as a failure until it succeeds.
    pub(crate) async fn admit_sign_in(&self, keys: &[String; 2]) -> Result<(), AppError> {
        self.admit_attempt(keys, [ACCOUNT_ALLOWANCE, ADDRESS_ALLOWANCE])
            .await
    }

    /// Refuses the attempt while any key is blocked; otherwise counts it against each key, with
    /// its allowance before blocks begin. Check and count happen in one transaction holding the
    /// keys' rows, so parallel attempts cannot all pass a check made before any of them counted:
    /// the work an attempt guards (a password hash) runs at most as often as the allowance.
    pub(crate) async fn admit_attempt(
        &self,
        keys: &[String; 2],
        allowances: [i64; 2],
    ) -> Result<(), AppError> {
        let now = Timestamp::now().unix_micros();
        let mut tx = self.db.begin().await?;
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            rows.push(throttle::lock(&mut tx, key).await?);
        }
        let wait = rows.iter().map(|row| row.blocked_until - now).max();
        if let Some(wait) = wait.filter(|wait| *wait > 0) {
            tx.rollback().await?;
            return Err(AppError::Throttled {
                retry_after_seconds: (wait / 1_000_000 + 1) as u64,
            });
        }
        for ((key, row), allowance) in keys.iter().zip(rows).zip(allowances) {
            throttle::put(&mut tx, key, &after_failure(row, allowance, now)).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Opens the session of an account whose sign-in is complete, and records the sign-in.
pub(crate) async fn finish_sign_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
    name: &str,
    context: &RequestContext,
) -> Result<(Token, Timestamp), AppError> {
    let (token, expires_at) = start_session(tx, workspace_id, account, None).await?;
    if let SessionAccount::ClientUser(id) = account {
        client_users::record_sign_in(tx, workspace_id, id, Timestamp::now()).await?;
    }
    let (kind, id, action) = match account {
        SessionAccount::Member(id) => ("member", id.as_uuid(), "member.signed_in"),
        SessionAccount::ClientUser(id) => ("client_user", id.as_uuid(), "client_user.signed_in"),
    };
    let author = Author {
        kind,
        id: Some(id),
        label: name,
        real: None,
    };
    let entry = Entry {
        organization_id: None,
        action,
        target_kind: kind,
        target_id: Some(id),
        target_label: name,
        changes: Changes::new(),
    };
    activity::record(tx, workspace_id, &author, context, entry).await?;
    Ok((token, expires_at))
}

/// After a single-use link proved the account (an invitation, a password reset): a session,
/// or a challenge when the account has a second factor, which the link does not replace.
pub(crate) async fn link_sign_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
) -> Result<SignInStep<SessionAccount>, AppError> {
    let second_factor = two_factor::find_in(tx, account)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some());
    let opened = match second_factor {
        true => Opened::Challenge(challenge(tx, workspace_id, account).await?),
        false => {
            let (token, expires_at) = start_session(tx, workspace_id, account, None).await?;
            Opened::Session(token, expires_at)
        }
    };
    Ok(opened.step(account))
}

/// A second-factor challenge lasts this long after the password was accepted.
const CHALLENGE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Stores a challenge for an account whose password was right.
async fn challenge(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
) -> Result<SecondFactorChallenge, AppError> {
    let challenge = Token::generate("")?;
    let expires_at = Timestamp::now().after(CHALLENGE_LIFETIME);
    two_factor::insert_challenge(tx, &challenge.hash(), workspace_id, account, expires_at).await?;
    Ok(SecondFactorChallenge {
        challenge,
        expires_at,
    })
}

/// A preview session ends this long after it starts.
pub const PREVIEW_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Opens a session for `account` inside the caller's transaction: a preview when
/// `impersonator` is set (shorter-lived).
pub(crate) async fn start_session(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
    impersonator: Option<MemberId>,
) -> Result<(Token, Timestamp), AppError> {
    let token = Token::generate("")?;
    let now = Timestamp::now();
    let lifetime = match impersonator {
        Some(_) => PREVIEW_TIMEOUT,
        None => ABSOLUTE_TIMEOUT,
    };
    let expires_at = now.after(lifetime);
    let session = NewSession {
        id: SessionId::new(),
        token_hash: &token.hash(),
        workspace_id,
        account,
        created_at: now,
        expires_at,
        impersonator,
    };
    sessions::insert(tx, &session).await?;
    Ok((token, expires_at))
}

/// The actor a session stands for, if its account may still act (a disabled client user may
/// not, and their session is refused at once).
fn actor_of(session: &SessionRow) -> Option<Actor> {
    let workspace_id = session.workspace_id;
    if let (Some(id), Some(role), Some(name)) = (
        session.member_id,
        &session.member_role,
        &session.member_name,
    ) {
        let role: MemberRole = role.parse().ok()?;
        let principal = Principal::Member {
            id: MemberId::from(id),
            role,
        };
        return Some(Actor {
            workspace_id,
            label: name.clone(),
            principal,
            impersonated_by: None,
        });
    }
    let (Some(id), Some(name), Some(organization), Some(bits), Some(status), Some(plan)) = (
        session.client_user_id,
        &session.client_user_name,
        session.client_user_organization_id,
        session.client_user_permissions,
        &session.client_user_status,
        session.organization_sections,
    ) else {
        return None;
    };
    // A preview may show an invited user's dashboard before they accept; nobody acts as a
    // disabled user.
    let previewing = session.impersonator_id.is_some();
    if status != "active" && !(previewing && status == "invited") {
        return None;
    }
    let principal = Principal::ClientUser {
        id: ClientUserId::from(id),
        organization_id: OrganizationId::from(organization),
        permissions: Permissions::from_bits(u16::try_from(bits).unwrap_or_default()).within_plan(
            Permissions::from_bits(u16::try_from(plan).unwrap_or_default()),
        ),
    };
    Some(Actor {
        workspace_id,
        label: name.clone(),
        principal,
        impersonated_by: session.impersonator_id.map(MemberId::from),
    })
}

/// The throttle state after one more failure at `now`.
fn after_failure(row: ThrottleRow, allowance: i64, now: i64) -> ThrottleRow {
    let failures = if now - row.updated_at > micros(THROTTLE_WINDOW) {
        1
    } else {
        row.failures + 1
    };
    let blocked_until = match failures - allowance {
        over if over >= 0 => {
            let doubling = u32::try_from(over).unwrap_or(u32::MAX).min(16);
            let block = micros(FIRST_BLOCK)
                .saturating_mul(1 << doubling)
                .min(micros(LONGEST_BLOCK));
            now + block
        }
        _ => 0,
    };
    ThrottleRow {
        failures,
        blocked_until,
        updated_at: now,
    }
}

/// The throttle state once an admitted attempt turned out to succeed: it no longer counts.
fn after_success(row: ThrottleRow, allowance: i64) -> ThrottleRow {
    let failures = (row.failures - 1).max(0);
    ThrottleRow {
        failures,
        blocked_until: if failures < allowance {
            0
        } else {
            row.blocked_until
        },
        updated_at: row.updated_at,
    }
}

/// The account key (where the account signs in, and the email as typed, normalised loosely so
/// unknown ones count too) and the client-address key. The account key is a hash: whatever a
/// caller types is stored in bounded form, and unknown emails are not kept readable.
pub(crate) fn throttle_keys(realm: &str, email: &str, context: &RequestContext) -> [String; 2] {
    let typed = format!(
        "{}\0{}",
        realm.trim().to_lowercase(),
        email.trim().to_lowercase()
    );
    let digest = Sha256::digest(typed.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    [
        format!("account:{hex}"),
        format!("address:{}", context.ip.as_deref().unwrap_or("unknown")),
    ]
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl App {
    /// The caller's own workspace.
    pub async fn own_workspace(&self, actor: &Actor) -> Result<Workspace, AppError> {
        let permit = authorize(
            actor,
            Action::ReadOwnAccount,
            &Resource::Workspace(actor.workspace_id),
        )?;
        clientele_store::workspace::find(&self.db, permit.workspace_id())
            .await?
            .map(Workspace::from)
            .ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_allowance_and_doubles_up_to_the_cap() {
        let mut row = ThrottleRow::default();
        let now = 1_000_000_000_000;
        for _ in 1..ACCOUNT_ALLOWANCE {
            row = after_failure(row, ACCOUNT_ALLOWANCE, now);
            assert_eq!(row.blocked_until, 0);
        }
        row = after_failure(row, ACCOUNT_ALLOWANCE, now);
        assert_eq!(
            row.blocked_until - now,
            micros(FIRST_BLOCK),
            "the allowance is used up"
        );
        row = after_failure(row, ACCOUNT_ALLOWANCE, now);
        assert_eq!(row.blocked_until - now, 2 * micros(FIRST_BLOCK));
        for _ in 0..40 {
            row = after_failure(row, ACCOUNT_ALLOWANCE, now);
        }
        assert_eq!(row.blocked_until - now, micros(LONGEST_BLOCK));
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let row = ThrottleRow {
            failures: 9,
            blocked_until: 0,
            updated_at: 0,
        };
        assert_eq!(
            after_failure(row, ACCOUNT_ALLOWANCE, micros(THROTTLE_WINDOW) + 1).failures,
            1
        );
    }
}
