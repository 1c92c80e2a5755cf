//! Two-factor sign-in: a TOTP authenticator app (RFC 6238: SHA-1, 6 digits, 30 s) or one of ten
//! single-use recovery codes, for agency members and client users alike. A workspace can
//! require it of its members and an organization of its users; a second factor that fails is
//! throttled like a password.

use crate::error::AppError;
use crate::identity::account_mail::Recipient;
use crate::identity::auth::{SignedIn, finish_sign_in};
use crate::identity::tokens::Token;
use crate::mail::templates::AccountChange;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::SessionAccount;
use clientele_domain::{
    Action, Actor, ClientUserId, Language, MemberId, OrganizationId, Principal, Resource,
    Timestamp, authorize,
};
use clientele_store::identity::sessions;
use clientele_store::identity::two_factor::{self, TwoFactorRow};
use clientele_store::{
    clients::client_users, clients::organizations, identity::members, workspace,
};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Totp};

const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;
/// Codes of the step before and after the current one count too, for clocks a little off.
const SKEW_STEPS: u16 = 1;
const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;

/// An account's second factor, as its owner sees it.
#[derive(Clone, Debug)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// Set up but not yet confirmed with a first code.
    pub pending: bool,
    pub recovery_codes_left: i64,
    /// The workspace (for members) or the organization (for client users) requires it.
    pub required: bool,
}

/// What an authenticator app needs: the secret, and the same as an `otpauth://` link (which
/// phones open in the app, and which a QR code carries).
#[derive(Debug)]
pub struct Enrollment {
    pub secret: String,
    pub otpauth_url: String,
}

/// An account that finished signing in with its second factor.
#[derive(Debug)]
pub enum SecondFactorAccount {
    Member(crate::identity::members::Member),
    ClientUser(crate::clients::client_users::ClientUser),
}

impl App {
    /// Whether the caller's second factor is on, and whether it must be.
    pub async fn two_factor_status(&self, actor: &Actor) -> Result<TwoFactorStatus, AppError> {
        let account = own_account(actor)?;
        let row = two_factor::find(&self.db, account).await?;
        Ok(TwoFactorStatus {
            enabled: row.as_ref().is_some_and(|r| r.confirmed_at.is_some()),
            pending: row.as_ref().is_some_and(|r| r.confirmed_at.is_none()),
            recovery_codes_left: two_factor::recovery_codes_left(&self.db, account).await?,
            required: self.requires_second_factor(actor).await?,
        })
    }

    /// Starts setting up an authenticator app: a new secret, unconfirmed until
    /// [`App::confirm_two_factor`]. Refused while a confirmed one is on.
    #[tracing::instrument(skip_all)]
    pub async fn begin_two_factor(&self, actor: &Actor) -> Result<Enrollment, AppError> {
        let account = own_account(actor)?;
        let mut secret = [0u8; SECRET_BYTES];
        getrandom::fill(&mut secret).map_err(|_| AppError::internal(RandomUnavailable))?;
        let sealed = self.config.secret_key.seal(&secret)?;
        let issuer = self.brand_of(actor.workspace_id).await?.product_name;
        let login = self.login_of(actor).await?;
        let mut tx = self.db.begin().await?;
        if two_factor::find_in(&mut tx, account)
            .await?
            .is_some_and(|row| row.confirmed_at.is_some())
        {
            return Err(AppError::Conflict {
                field: "two_factor",
                message: "is already on; turn it off first to set up another app",
            });
        }
        two_factor::begin(
            &mut tx,
            actor.workspace_id,
            account,
            &sealed,
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        let totp = totp(secret.to_vec(), &issuer, &login)?;
        let otpauth_url = totp
            .to_url()
            .map_err(|e| AppError::internal(TotpSetup(e.to_string())))?;
        Ok(Enrollment {
            secret: totp.secret().to_base32(),
            otpauth_url,
        })
    }

    /// Confirms the app set up by [`App::begin_two_factor`] with a code from it; returns the
    /// ten recovery codes, shown this once and stored hashed.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_two_factor(
        &self,
        actor: &Actor,
        code: &str,
        context: &RequestContext,
    ) -> Result<Vec<String>, AppError> {
        let account = own_account(actor)?;
        let permit = authorize(
            actor,
            Action::ManageOwnTwoFactor,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let mut tx = self.db.begin().await?;
        let row = two_factor::find_in(&mut tx, account)
            .await?
            .filter(|row| row.confirmed_at.is_none())
            .ok_or(AppError::invalid(
                "code",
                "set up an authenticator app first (POST /api/v1/me/two-factor)",
            ))?;
        let step = self.matching_step(&row, code)?.ok_or_else(|| {
            AppError::invalid("code", "does not match; use the app's current code")
        })?;
        if !two_factor::confirm(&mut tx, account, step, Timestamp::now()).await? {
            return Err(AppError::ChangedMeanwhile);
        }
        let codes = recovery_codes()?;
        let hashes: Vec<[u8; 32]> = codes.iter().map(|c| hash_code(c)).collect();
        two_factor::replace_recovery_codes(&mut tx, account, &hashes).await?;
        let entry = own_entry(actor, "two_factor_enabled");
        activity::commit(tx, &permit, actor, context, entry.as_entry(actor)).await?;
        Ok(codes)
    }

    /// Turns the caller's second factor off, with a current code or a recovery code. Refused
    /// while their workspace or organization requires one.
    #[tracing::instrument(skip_all)]
    pub async fn disable_two_factor(
        &self,
        actor: &Actor,
        code: &str,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let account = own_account(actor)?;
        let permit = authorize(
            actor,
            Action::ManageOwnTwoFactor,
            &Resource::Workspace(actor.workspace_id),
        )?;
        if self.requires_second_factor(actor).await? {
            return Err(AppError::Forbidden(
                "your workspace or organization requires a second factor",
            ));
        }
        let keys = second_factor_keys(account, context);
        self.admit_sign_in(&keys).await?;
        let mut tx = self.db.begin().await?;
        let row = two_factor::find_in(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        if !self
            .second_factor_holds(&mut tx, account, &row, code)
            .await?
        {
            return Err(AppError::invalid("code", "does not match"));
        }
        two_factor::remove(&mut tx, account).await?;
        let entry = own_entry(actor, "two_factor_disabled");
        activity::commit(tx, &permit, actor, context, entry.as_entry(actor)).await?;
        Ok(())
    }

    /// The workspace's members who sign in with a second factor, so the agency sees whose it
    /// can reset (agency accounts).
    pub async fn members_with_two_factor(&self, actor: &Actor) -> Result<Vec<MemberId>, AppError> {
        let permit = authorize(
            actor,
            Action::ListMembers,
            &Resource::Workspace(actor.workspace_id),
        )?;
        Ok(two_factor::confirmed_members(&self.db, permit.workspace_id()).await?)
    }

    /// Replaces the caller's recovery codes with ten new ones, shown this once, proven with a
    /// current code or a recovery code; the old codes stop working.
    #[tracing::instrument(skip_all)]
    pub async fn regenerate_recovery_codes(
        &self,
        actor: &Actor,
        code: &str,
        context: &RequestContext,
    ) -> Result<Vec<String>, AppError> {
        let account = own_account(actor)?;
        let permit = authorize(
            actor,
            Action::ManageOwnTwoFactor,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let keys = second_factor_keys(account, context);
        self.admit_sign_in(&keys).await?;
        let mut tx = self.db.begin().await?;
        let row = two_factor::find_in(&mut tx, account)
            .await?
            .filter(|row| row.confirmed_at.is_some())
            .ok_or(AppError::NotFound)?;
        if !self
            .second_factor_holds(&mut tx, account, &row, code)
            .await?
        {
            return Err(AppError::invalid("code", "does not match"));
        }
        let codes = recovery_codes()?;
        let hashes: Vec<[u8; 32]> = codes.iter().map(|c| hash_code(c)).collect();
        two_factor::replace_recovery_codes(&mut tx, account, &hashes).await?;
        let entry = own_entry(actor, "recovery_codes_regenerated");
        activity::commit(tx, &permit, actor, context, entry.as_entry(actor)).await?;
        Ok(codes)
    }

    /// Removes a member's second factor when they lost their app and their recovery codes
    /// (owner and admins, signed in): their sessions end, and they are told by email.
    #[tracing::instrument(skip_all)]
    pub async fn reset_member_two_factor(
        &self,
        actor: &Actor,
        id: MemberId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let member = members::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(
            actor,
            Action::ResetTwoFactor,
            &crate::identity::members::resource_of(&member),
        )?;
        let workspace_id = permit.workspace_id();
        let (brand, slug) = self.notice_context(workspace_id).await?;
        let workspace = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let recipient = Recipient {
            workspace_id,
            name: &member.name,
            address: &member.email,
            organization_name: &workspace.name,
            language: Language::En,
            is_client: false,
            brand: &brand,
        };
        let account = SessionAccount::Member(id);
        let mut tx = self.db.begin().await?;
        if !two_factor::remove(&mut tx, account).await? {
            return Err(NO_SECOND_FACTOR);
        }
        let ended = sessions::delete_for_member(&mut tx, workspace_id, id).await?;
        let notice = self
            .notify(
                &mut tx,
                &recipient,
                &slug,
                &AccountChange::SecondFactorReset,
            )
            .await?;
        let entry = Entry {
            organization_id: None,
            action: "member.two_factor_reset",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: &member.name,
            changes: Changes::new().set("sessions_ended", ended),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.enqueued(workspace_id, notice).await;
        Ok(())
    }

    /// Removes a client user's second factor when they lost their app and their recovery
    /// codes (the agency, signed in): their sessions end, and they are told by email.
    #[tracing::instrument(skip_all)]
    pub async fn reset_client_user_two_factor(
        &self,
        actor: &Actor,
        id: ClientUserId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let user = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(
            actor,
            Action::ResetTwoFactor,
            &crate::clients::client_users::resource_of(&user),
        )?;
        let workspace_id = permit.workspace_id();
        let organization = organizations::find(&self.db, workspace_id, user.organization_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (brand, slug) = self.notice_context(workspace_id).await?;
        let recipient = Recipient::client_user(&user, &organization, &brand);
        let account = SessionAccount::ClientUser(id);
        let mut tx = self.db.begin().await?;
        if !two_factor::remove(&mut tx, account).await? {
            return Err(NO_SECOND_FACTOR);
        }
        let ended = sessions::delete_for_client_user(&mut tx, workspace_id, id).await?;
        let notice = self
            .notify(
                &mut tx,
                &recipient,
                &slug,
                &AccountChange::SecondFactorReset,
            )
            .await?;
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: "client_user.two_factor_reset",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new().set("sessions_ended", ended),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.enqueued(workspace_id, notice).await;
        Ok(())
    }

    /// Finishes a sign-in whose password was right: `challenge` from the first step, `code`
    /// from the app or a recovery code. Wrong codes are throttled like passwords.
    #[tracing::instrument(skip_all)]
    pub async fn complete_second_factor(
        &self,
        challenge: &str,
        code: &str,
        context: &RequestContext,
    ) -> Result<SignedIn<SecondFactorAccount>, AppError> {
        let challenge = Token::from_client(challenge);
        let mut tx = self.db.begin().await?;
        let found =
            two_factor::find_challenge(&mut tx, &challenge.hash(), Timestamp::now()).await?;
        tx.rollback().await?;
        let found = found.ok_or(AppError::LinkUnusable(
            "This sign-in has expired or was already completed. Sign in again.",
        ))?;
        let account = found.account().ok_or(AppError::NotFound)?;
        let keys = second_factor_keys(account, context);
        self.admit_sign_in(&keys).await?;
        let workspace_id = found.workspace_id;
        let mut tx = self.db.begin().await?;
        let row = two_factor::find_in(&mut tx, account)
            .await?
            .filter(|row| row.confirmed_at.is_some())
            .ok_or(AppError::BadCredentials)?;
        if !self
            .second_factor_holds(&mut tx, account, &row, code)
            .await?
        {
            return Err(AppError::BadCredentials);
        }
        if !two_factor::take_challenge(&mut tx, &challenge.hash()).await? {
            return Err(AppError::LinkUnusable(
                "This sign-in was already completed. Sign in again.",
            ));
        }
        let signed_in = match account {
            SessionAccount::Member(id) => {
                let member = members::find_in(&mut tx, workspace_id, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let name = member.name.clone();
                (SecondFactorAccount::Member(member.into()), name)
            }
            SessionAccount::ClientUser(id) => {
                let user = client_users::find_in(&mut tx, workspace_id, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let name = user.name.clone();
                (SecondFactorAccount::ClientUser(user.into()), name)
            }
        };
        let (token, expires_at) =
            finish_sign_in(&mut tx, workspace_id, account, &signed_in.1, context).await?;
        clientele_store::identity::throttle::clear(&mut tx, &keys[0]).await?;
        tx.commit().await?;
        Ok(SignedIn {
            csrf_token: token.csrf_token(),
            token,
            account: signed_in.0,
            expires_at,
        })
    }

    /// Requires (or stops requiring) a second factor of every member of the caller's workspace.
    #[tracing::instrument(skip_all)]
    pub async fn set_workspace_two_factor_requirement(
        &self,
        actor: &Actor,
        required: bool,
        context: &RequestContext,
    ) -> Result<bool, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let workspace_id = permit.workspace_id();
        let before = two_factor::workspace_requires(&self.db, workspace_id).await?;
        if before == required {
            return Ok(required);
        }
        let workspace = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut tx = self.db.begin().await?;
        two_factor::set_workspace_requirement(&mut tx, workspace_id, required).await?;
        let entry = Entry {
            organization_id: None,
            action: "workspace.security_changed",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: &workspace.name,
            changes: Changes::new().field("require_two_factor", before, required),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(required)
    }

    /// Whether the caller's workspace requires a second factor of its members.
    pub async fn workspace_two_factor_requirement(&self, actor: &Actor) -> Result<bool, AppError> {
        let permit = authorize(
            actor,
            Action::ReadBrand,
            &Resource::Workspace(actor.workspace_id),
        )?;
        Ok(two_factor::workspace_requires(&self.db, permit.workspace_id()).await?)
    }

    /// Requires (or stops requiring) a second factor of every user of one organization.
    #[tracing::instrument(skip_all)]
    pub async fn set_organization_two_factor_requirement(
        &self,
        actor: &Actor,
        id: OrganizationId,
        required: bool,
        context: &RequestContext,
    ) -> Result<bool, AppError> {
        let current = organizations::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let resource = crate::clients::organizations::resource_of(&current);
        let permit = authorize(actor, Action::SetOrganizationSecurity, &resource)?;
        let workspace_id = permit.workspace_id();
        let before = two_factor::organization_requires(&self.db, workspace_id, id).await?;
        if before == required {
            return Ok(required);
        }
        let mut tx = self.db.begin().await?;
        if !two_factor::set_organization_requirement(&mut tx, workspace_id, id, required).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: Some(id),
            action: "organization.security_changed",
            target_kind: "organization",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes: Changes::new().field("require_two_factor", before, required),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(required)
    }

    /// Whether the organization requires a second factor of its users.
    pub async fn organization_two_factor_requirement(
        &self,
        actor: &Actor,
        id: OrganizationId,
    ) -> Result<bool, AppError> {
        let current = organizations::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(
            actor,
            Action::ReadOrganization,
            &crate::clients::organizations::resource_of(&current),
        )?;
        Ok(two_factor::organization_requires(&self.db, permit.workspace_id(), id).await?)
    }

    async fn requires_second_factor(&self, actor: &Actor) -> Result<bool, AppError> {
        Ok(match actor.principal {
            Principal::ClientUser {
                organization_id, ..
            } => {
                two_factor::organization_requires(&self.db, actor.workspace_id, organization_id)
                    .await?
            }
            _ => two_factor::workspace_requires(&self.db, actor.workspace_id).await?,
        })
    }

    /// The caller's login, as an authenticator app labels the entry.
    async fn login_of(&self, actor: &Actor) -> Result<String, AppError> {
        Ok(match actor.principal {
            Principal::Member { id, .. } => members::find(&self.db, actor.workspace_id, id)
                .await?
                .map(|m| m.email)
                .ok_or(AppError::NotFound)?,
            Principal::ClientUser { id, .. } => {
                client_users::find(&self.db, actor.workspace_id, id)
                    .await?
                    .map(|u| u.email)
                    .ok_or(AppError::NotFound)?
            }
            Principal::ApiKey { .. } => return Err(AppError::NotFound),
        })
    }

    /// The step a TOTP code matches, within the allowed skew.
    fn matching_step(&self, row: &TwoFactorRow, code: &str) -> Result<Option<i64>, AppError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != usize::from(DIGITS) || !code.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        let secret = self
            .config
            .secret_key
            .open(&row.secret)
            .ok_or(AppError::internal(SecretUnreadable))?;
        let totp = totp(secret, "", "")?;
        let now = u64::try_from(Timestamp::now().unix_micros() / 1_000_000).unwrap_or_default();
        Ok(totp
            .check(&code, now)
            .and_then(|step| i64::try_from(step).ok()))
    }

    /// Whether `code` is a current TOTP code not used before, or an unused recovery code (which
    /// it then uses up).
    async fn second_factor_holds(
        &self,
        tx: &mut clientele_store::Tx,
        account: SessionAccount,
        row: &TwoFactorRow,
        code: &str,
    ) -> Result<bool, AppError> {
        if let Some(step) = self.matching_step(row, code)? {
            return Ok(two_factor::accept_step(tx, account, step).await?);
        }
        let normalised = normalise_recovery_code(code);
        Ok(!normalised.is_empty()
            && two_factor::use_recovery_code(tx, account, &hash_code(&normalised)).await?)
    }
}

const NO_SECOND_FACTOR: AppError = AppError::Conflict {
    field: "two_factor",
    message: "is not set up for this person; there is nothing to reset",
};

/// The throttle keys of second-factor attempts: the account, and the client's address.
fn second_factor_keys(account: SessionAccount, context: &RequestContext) -> [String; 2] {
    let account = match account {
        SessionAccount::Member(id) => id.as_uuid(),
        SessionAccount::ClientUser(id) => id.as_uuid(),
    };
    [
        format!("second-factor:{account}"),
        format!("address:{}", context.ip.as_deref().unwrap_or("unknown")),
    ]
}

fn own_account(actor: &Actor) -> Result<SessionAccount, AppError> {
    authorize(
        actor,
        Action::ManageOwnTwoFactor,
        &Resource::Workspace(actor.workspace_id),
    )?;
    match actor.principal {
        Principal::Member { id, .. } => Ok(SessionAccount::Member(id)),
        Principal::ClientUser { id, .. } => Ok(SessionAccount::ClientUser(id)),
        Principal::ApiKey { .. } => Err(AppError::Forbidden(
            "a second factor belongs to a person's own sign-in",
        )),
    }
}

/// An entry about the caller's own account.
struct OwnEntry(String);

fn own_entry(actor: &Actor, what: &str) -> OwnEntry {
    OwnEntry(format!("{}.{what}", Author::of(actor).kind))
}

impl OwnEntry {
    fn as_entry<'a>(&'a self, actor: &'a Actor) -> Entry<'a> {
        let author = Author::of(actor);
        Entry {
            organization_id: match actor.principal {
                Principal::ClientUser {
                    organization_id, ..
                } => Some(organization_id),
                _ => None,
            },
            action: &self.0,
            target_kind: author.kind,
            target_id: author.id,
            target_label: &actor.label,
            changes: Changes::new(),
        }
    }
}

fn totp(secret: Vec<u8>, issuer: &str, login: &str) -> Result<Totp, AppError> {
    let issuer = (!issuer.is_empty()).then(|| issuer.replace(':', " "));
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(issuer)
        .with_account_name(login.replace(':', " "))
        .build()
        .map_err(|e| AppError::internal(TotpSetup(e.to_string())))
}

/// Ten codes like `k7qm-2xwd-hp`: 50 random bits each, lowercase letters and digits without
/// look-alikes.
fn recovery_codes() -> Result<Vec<String>, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes).map_err(|_| AppError::internal(RandomUnavailable))?;
        let chars: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        codes.push(format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..]));
    }
    Ok(codes)
}

/// A recovery code as typed: case, spaces and dashes do not matter.
fn normalise_recovery_code(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if plain.len() != 10 {
        return String::new();
    }
    format!("{}-{}-{}", &plain[..4], &plain[4..8], &plain[8..])
}

fn hash_code(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed")]
struct RandomUnavailable;

#[derive(Debug, thiserror::Error)]
#[error("a stored second-factor secret cannot be opened with the current server key")]
struct SecretUnreadable;

#[derive(Debug, thiserror::Error)]
#[error("the authenticator secret is not usable: {0}")]
struct TotpSetup(String);

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to six digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let totp = totp(b"12345678901234567890".to_vec(), "", "").unwrap();
        for (time, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
        ] {
            assert_eq!(totp.generate(time).to_string(), code);
        }
    }

    #[test]
    fn recovery_codes_are_distinct_and_survive_sloppy_typing() {
        let codes = recovery_codes().unwrap();
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        let typed = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(normalise_recovery_code(&typed), codes[0]);
        assert_eq!(normalise_recovery_code("short"), "");
    }
}
