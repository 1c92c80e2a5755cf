//! Password reset for agency accounts and client users: the same answer whether or not the
//! address has an account, a single-use link valid one hour built from the configured URL
//! (never from the request), throttling per address and per client, and every other session
//! of the account ended when the link is used.

use crate::error::AppError;
use crate::identity::account_links::{self, Accepted};
use crate::identity::account_mail::{LinkEmail, Recipient};
use crate::identity::auth::throttle_keys;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext, identity::passwords};
use clientele_domain::SessionAccount;
use clientele_domain::{
    ClientUserId, ClientUserStatus, Email, EmailKind, Language, MemberId, Timestamp, WorkspaceId,
};
use clientele_store::clients::client_users::{self, ClientUserChange};
use clientele_store::identity::account_tokens::{AccountTokenRow, Purpose, Subject};
use clientele_store::identity::members::MemberRow;
use clientele_store::identity::sessions;
use clientele_store::{clients::organizations, identity::members, workspace};
use std::time::Duration;

/// How long a reset link works.
pub const RESET_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// How long the background work of a reset request waits, so that it never runs while the
/// answer is on its way: otherwise the answer to an address with an account would be slower.
const BACKGROUND_DELAY: Duration = Duration::from_millis(250);
/// Requests before blocks begin: per address asked for, per client address.
const ACCOUNT_ALLOWANCE: i64 = 3;
const ADDRESS_ALLOWANCE: i64 = 20;

/// Whose password a reset link resets.
#[derive(Debug)]
pub struct ResetDetails {
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub language: Language,
    pub is_member: bool,
}

impl App {
    /// Sends an agency account a reset link, if the address has one. The answer comes after
    /// the same work whether or not it has: the throttle, then the rest in the background.
    #[tracing::instrument(skip_all)]
    pub async fn request_member_password_reset(
        &self,
        email: &str,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let email = parse_email(email)?;
        self.throttle_reset("member", &email, context).await?;
        let (app, context) = (self.clone(), context.clone());
        tokio::spawn(async move {
            tokio::time::sleep(BACKGROUND_DELAY).await;
            if let Err(error) = app.send_member_reset(&email, &context).await {
                tracing::warn!(error = %error, "a password reset email could not be queued");
            }
        });
        Ok(())
    }

    /// Sends a reset link for each account the address has (one per workspace).
    async fn send_member_reset(
        &self,
        email: &Email,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        for member in members::find_by_email(&self.db, email).await? {
            self.send_member_reset_to(member, email, context).await?;
        }
        Ok(())
    }

    async fn send_member_reset_to(
        &self,
        member: MemberRow,
        email: &Email,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let workspace_id = member.workspace_id;
        let brand = self.brand_of(workspace_id).await?;
        let workspace = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut tx = self.db.begin().await?;
        let recipient = Recipient {
            workspace_id,
            name: &member.name,
            address: email.as_str(),
            organization_name: &workspace.name,
            language: Language::En,
            is_client: false,
            brand: &brand,
        };
        let link = reset(Subject::Member(member.id));
        let sent = self.send_link(&mut tx, &recipient, link).await?;
        let author = Author {
            kind: "member",
            id: Some(member.id.as_uuid()),
            label: &member.name,
            real: None,
        };
        let entry = Entry {
            organization_id: None,
            action: "member.password_reset_requested",
            target_kind: "member",
            target_id: Some(member.id.as_uuid()),
            target_label: &member.name,
            changes: Changes::new(),
        };
        activity::record(&mut tx, workspace_id, &author, context, entry).await?;
        tx.commit().await?;
        self.enqueued(workspace_id, sent.outbox_id).await;
        Ok(())
    }

    /// Sends a client user of `workspace_id` a reset link in their organization's language
    /// and the workspace's brand, if the address belongs to an enabled user; answered after
    /// the same work either way, as for members.
    #[tracing::instrument(skip_all)]
    pub async fn request_client_password_reset(
        &self,
        workspace_id: WorkspaceId,
        email: &str,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let email = parse_email(email)?;
        let realm = workspace_id.as_uuid().to_string();
        self.throttle_reset(&realm, &email, context).await?;
        let (app, context) = (self.clone(), context.clone());
        tokio::spawn(async move {
            tokio::time::sleep(BACKGROUND_DELAY).await;
            if let Err(error) = app.send_client_reset(workspace_id, &email, &context).await {
                tracing::warn!(error = %error, "a password reset email could not be queued");
            }
        });
        Ok(())
    }

    async fn send_client_reset(
        &self,
        workspace_id: WorkspaceId,
        email: &Email,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let user = client_users::find_by_email(&self.db, workspace_id, email)
            .await?
            .filter(|u| u.status != ClientUserStatus::Disabled);
        let Some(user) = user else {
            return Ok(());
        };
        let organization = organizations::find(&self.db, workspace_id, user.organization_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let brand = self.brand_of(workspace_id).await?;
        let mut tx = self.db.begin().await?;
        let recipient = Recipient::client_user(&user, &organization, &brand);
        let sent = self
            .send_link(&mut tx, &recipient, reset(Subject::ClientUser(user.id)))
            .await?;
        let author = Author {
            kind: "client_user",
            id: Some(user.id.as_uuid()),
            label: &user.name,
            real: None,
        };
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: "client_user.password_reset_requested",
            target_kind: "client_user",
            target_id: Some(user.id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new(),
        };
        activity::record(&mut tx, workspace_id, &author, context, entry).await?;
        tx.commit().await?;
        self.enqueued(workspace_id, sent.outbox_id).await;
        Ok(())
    }

    /// Whose password a reset link is for, or why it cannot be used; changes nothing.
    pub async fn password_reset(&self, token: &str) -> Result<ResetDetails, AppError> {
        let row = account_links::find_open(&self.db, Purpose::PasswordReset, token).await?;
        match row.subject() {
            Some(Subject::Member(id)) => {
                let member = members::find(&self.db, row.workspace_id, id)
                    .await?
                    .ok_or(AppError::LinkUnusable(GONE))?;
                Ok(ResetDetails {
                    workspace_id: row.workspace_id,
                    email: member.email,
                    language: Language::En,
                    is_member: true,
                })
            }
            Some(Subject::ClientUser(id)) => {
                let user = client_users::find(&self.db, row.workspace_id, id)
                    .await?
                    .filter(|u| u.status != ClientUserStatus::Disabled)
                    .ok_or(AppError::LinkUnusable(GONE))?;
                let organization =
                    organizations::find(&self.db, row.workspace_id, user.organization_id)
                        .await?
                        .ok_or(AppError::LinkUnusable(GONE))?;
                Ok(ResetDetails {
                    workspace_id: row.workspace_id,
                    email: user.email,
                    language: organization.language,
                    is_member: false,
                })
            }
            _ => Err(AppError::LinkUnusable(GONE)),
        }
    }

    /// Sets a new password through a reset link, ends every other session of the account and
    /// signs it in, in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(
        &self,
        token: &str,
        password: String,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let row = account_links::find_open(&self.db, Purpose::PasswordReset, token).await?;
        match row.subject() {
            Some(Subject::Member(id)) => self.reset_member(&row, id, password, context).await,
            Some(Subject::ClientUser(id)) => {
                self.reset_client_user(&row, id, password, context).await
            }
            _ => Err(AppError::LinkUnusable(GONE)),
        }
    }

    async fn reset_member(
        &self,
        row: &AccountTokenRow,
        id: MemberId,
        password: String,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let workspace_id = row.workspace_id;
        let member = members::find(&self.db, workspace_id, id)
            .await?
            .ok_or(AppError::LinkUnusable(GONE))?;
        if let Some(reason) = passwords::refusal(&password, &[&member.email, &member.name]) {
            return Err(AppError::invalid("password", reason));
        }
        let hash = self.passwords.hash(password).await?;
        let mut tx = self.db.begin().await?;
        account_links::consume(&mut tx, row).await?;
        members::set_password_hash(&mut tx, workspace_id, id, &hash).await?;
        let ended = sessions::delete_for_member(&mut tx, workspace_id, id).await?;
        let entry = Entry {
            organization_id: None,
            action: "member.password_reset",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: &member.name,
            changes: Changes::new().set("sessions_ended", ended),
        };
        let account = SessionAccount::Member(id);
        account_links::sign_in(tx, workspace_id, account, &member.name, context, entry).await
    }

    async fn reset_client_user(
        &self,
        row: &AccountTokenRow,
        id: ClientUserId,
        password: String,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let workspace_id = row.workspace_id;
        let user = client_users::find(&self.db, workspace_id, id)
            .await?
            .filter(|u| u.status != ClientUserStatus::Disabled)
            .ok_or(AppError::LinkUnusable(GONE))?;
        if let Some(reason) = passwords::refusal(&password, &[&user.email, &user.name]) {
            return Err(AppError::invalid("password", reason));
        }
        let hash = self.passwords.hash(password).await?;
        let mut tx = self.db.begin().await?;
        account_links::consume(&mut tx, row).await?;
        let change = ClientUserChange {
            password_hash: Some(&hash),
            // Resetting proves the address, as accepting an invitation does.
            status: Some(ClientUserStatus::Active),
            ..ClientUserChange::default()
        };
        let now = Timestamp::now();
        if !client_users::update(&mut tx, workspace_id, id, &change, now).await? {
            return Err(AppError::LinkUnusable(GONE));
        }
        let ended = sessions::delete_for_client_user(&mut tx, workspace_id, id).await?;
        client_users::record_sign_in(&mut tx, workspace_id, id, now).await?;
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: "client_user.password_reset",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new().set("sessions_ended", ended),
        };
        let account = SessionAccount::ClientUser(id);
        account_links::sign_in(tx, workspace_id, account, &user.name, context, entry).await
    }

    /// Counts a reset request against the address asked for and the client's address.
    async fn throttle_reset(
        &self,
        realm: &str,
        email: &Email,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let keys = throttle_keys(realm, email.as_str(), context).map(|key| format!("reset-{key}"));
        self.admit_attempt(&keys, [ACCOUNT_ALLOWANCE, ADDRESS_ALLOWANCE])
            .await
    }
}

/// A reset link: for an hour, to the page that sets the new password.
fn reset(subject: Subject) -> LinkEmail {
    LinkEmail {
        purpose: Purpose::PasswordReset,
        subject,
        created_by: None,
        lifetime: RESET_LIFETIME,
        page: "/reset-password",
        kind: EmailKind::PasswordReset,
    }
}

const GONE: &str = "This link is no longer valid. Ask for a new one from the sign-in page.";

fn parse_email(raw: &str) -> Result<Email, AppError> {
    Email::parse(raw).map_err(|e| AppError::invalid("email", e.to_string()))
}
