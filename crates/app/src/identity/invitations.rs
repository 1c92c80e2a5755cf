//! Invitations: a branded email with a single-use link, valid 7 days, for a client user (sent
//! by the agency or the organization's admins) or for a future workspace member. Resending
//! voids the previous link; accepting sets the password when none was set and signs in.

use crate::clients::client_users::resource_of;
use crate::error::{AppError, Validation};
use crate::identity::account_links::{self, Accepted};
use crate::identity::account_mail::{LinkEmail, Recipient, SentLink};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, identity::passwords};
use clientele_domain::SessionAccount;
use clientele_domain::{
    AccountTokenId, Action, Actor, ClientUserId, ClientUserStatus, Email, EmailKind, Language,
    MemberId, MemberRole, OutboxId, Principal, Resource, Timestamp, WorkspaceId, WorkspaceName,
    authorize,
};
use clientele_store::clients::client_users::{self, ClientUserChange};
use clientele_store::identity::account_tokens::{self, AccountTokenRow, Purpose, Subject};
use clientele_store::identity::members::{self, NewMember};
use clientele_store::{StoreError, clients::organizations, workspace};
use std::time::Duration;

/// How long an invitation link works.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// An invitation just sent (or waiting in the outbox).
#[derive(Debug)]
pub struct InvitationSent {
    pub id: AccountTokenId,
    pub email: String,
    pub expires_at: Timestamp,
    pub outbox_id: OutboxId,
    /// Whether an earlier, still-open link was voided.
    pub replaced: bool,
}

/// An open invitation of a future member.
#[derive(Debug)]
pub struct MemberInvitation {
    pub id: AccountTokenId,
    pub email: String,
    pub role: MemberRole,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What the acceptance page shows before the invitee acts.
#[derive(Debug)]
pub struct InvitationDetails {
    pub workspace_id: WorkspaceId,
    pub email: String,
    /// Whether the invitee must choose a password (none set yet).
    pub needs_password: bool,
    /// Whether the invitee must give their name (a future member).
    pub needs_name: bool,
    pub language: Language,
}

/// What the invitee sends to accept.
#[derive(Debug, Default)]
pub struct Acceptance {
    pub name: Option<String>,
    pub password: Option<String>,
}

impl App {
    /// Sends (or resends) a client user's invitation in their organization's language.
    #[tracing::instrument(skip_all)]
    pub async fn invite_client_user(
        &self,
        actor: &Actor,
        id: ClientUserId,
        context: &RequestContext,
    ) -> Result<InvitationSent, AppError> {
        let user = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::UpdateClientUser, &resource_of(&user))?;
        if user.status == ClientUserStatus::Disabled {
            return Err(AppError::Conflict {
                field: "status",
                message: "a disabled user cannot be invited; enable them first",
            });
        }
        let workspace_id = permit.workspace_id();
        let organization = self.organization_for(actor, user.organization_id).await?;
        let brand = self.brand_of(workspace_id).await?;
        let mut tx = self.db.begin().await?;
        let recipient = Recipient::client_user(&user, &organization, &brand);
        let link = invitation(Subject::ClientUser(user.id), member_of(actor));
        let sent = self.send_link(&mut tx, &recipient, link).await?;
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: if sent.replaced {
                "client_user.invitation_resent"
            } else {
                "client_user.invited"
            },
            target_kind: "client_user",
            target_id: Some(user.id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new().set("expires_at", sent.expires_at.unix_micros()),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.enqueued(workspace_id, sent.outbox_id).await;
        Ok(InvitationSent::of(sent, user.email))
    }

    /// Invites someone to join the workspace with `role` (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn invite_member(
        &self,
        actor: &Actor,
        email: &str,
        role: MemberRole,
        context: &RequestContext,
    ) -> Result<InvitationSent, AppError> {
        let permit = authorize(
            actor,
            Action::AddMember { role },
            &Resource::Workspace(actor.workspace_id),
        )?;
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        let workspace_id = permit.workspace_id();
        if members::find_by_email_in(&self.db, workspace_id, &email)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                field: "email",
                message: "a member of this workspace already has this email",
            });
        }
        let workspace = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let brand = self.brand_of(workspace_id).await?;
        let mut tx = self.db.begin().await?;
        let recipient = Recipient {
            workspace_id,
            name: email.as_str(),
            address: email.as_str(),
            organization_name: &workspace.name,
            language: Language::En,
            is_client: false,
            brand: &brand,
        };
        let subject = Subject::Invitee {
            email: email.as_str().to_owned(),
            role,
        };
        let sent = self
            .send_link(&mut tx, &recipient, invitation(subject, member_of(actor)))
            .await?;
        let id = sent.id;
        let entry = Entry {
            organization_id: None,
            action: "member.invited",
            target_kind: "member_invitation",
            target_id: Some(id.as_uuid()),
            target_label: email.as_str(),
            changes: Changes::new().set("role", role),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.enqueued(workspace_id, sent.outbox_id).await;
        Ok(InvitationSent::of(sent, email.as_str().to_owned()))
    }

    /// The workspace's open invitations of future members (any agency account).
    pub async fn member_invitations(
        &self,
        actor: &Actor,
    ) -> Result<Vec<MemberInvitation>, AppError> {
        let permit = authorize(
            actor,
            Action::ListMembers,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let rows = account_tokens::open_member_invitations(
            &self.db,
            permit.workspace_id(),
            Timestamp::now(),
        )
        .await?;
        Ok(rows.iter().filter_map(member_invitation).collect())
    }

    /// Withdraws an open member invitation; its link stops working.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_member_invitation(
        &self,
        actor: &Actor,
        id: AccountTokenId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let open =
            account_tokens::open_member_invitations(&self.db, actor.workspace_id, Timestamp::now())
                .await?;
        let invitation = open
            .iter()
            .filter_map(member_invitation)
            .find(|i| i.id == id)
            .ok_or(AppError::NotFound)?;
        // Withdrawing an invitation takes a person away, as removing a member does.
        let permit = authorize(
            actor,
            Action::RemoveMember,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let mut tx = self.db.begin().await?;
        let subject = Subject::Invitee {
            email: invitation.email.clone(),
            role: invitation.role,
        };
        let revoked = account_tokens::revoke_open(
            &mut tx,
            permit.workspace_id(),
            Purpose::Invitation,
            &subject,
            Timestamp::now(),
        )
        .await?;
        if revoked == 0 {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: None,
            action: "member.invitation_revoked",
            target_kind: "member_invitation",
            target_id: Some(id.as_uuid()),
            target_label: &invitation.email,
            changes: Changes::new(),
        };
        activity::commit(tx, &permit, actor, context, entry).await
    }

    /// What an invitation link is for, or why it cannot be used; changes nothing.
    pub async fn invitation(&self, token: &str) -> Result<InvitationDetails, AppError> {
        let row = account_links::find_open(&self.db, Purpose::Invitation, token).await?;
        match row.subject() {
            Some(Subject::ClientUser(id)) => {
                let user = client_users::find(&self.db, row.workspace_id, id)
                    .await?
                    .filter(|u| u.status != ClientUserStatus::Disabled)
                    .ok_or(AppError::LinkUnusable(DISABLED))?;
                let organization =
                    organizations::find(&self.db, row.workspace_id, user.organization_id)
                        .await?
                        .ok_or(AppError::LinkUnusable(DISABLED))?;
                Ok(InvitationDetails {
                    workspace_id: row.workspace_id,
                    email: user.email,
                    needs_password: user.password_hash.is_none(),
                    needs_name: false,
                    language: organization.language,
                })
            }
            Some(Subject::Invitee { email, .. }) => Ok(InvitationDetails {
                workspace_id: row.workspace_id,
                email,
                needs_password: true,
                needs_name: true,
                language: Language::En,
            }),
            _ => Err(AppError::LinkUnusable(DISABLED)),
        }
    }

    /// Accepts an invitation: sets the password (and a member's name) when needed, uses the
    /// link up, and signs the invitee in, all in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn accept_invitation(
        &self,
        token: &str,
        acceptance: Acceptance,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let row = account_links::find_open(&self.db, Purpose::Invitation, token).await?;
        match row.subject() {
            Some(Subject::ClientUser(id)) => {
                self.accept_as_client_user(&row, id, acceptance, context)
                    .await
            }
            Some(Subject::Invitee { email, role }) => {
                self.accept_as_member(&row, &email, role, acceptance, context)
                    .await
            }
            _ => Err(AppError::LinkUnusable(DISABLED)),
        }
    }

    async fn accept_as_client_user(
        &self,
        row: &AccountTokenRow,
        id: ClientUserId,
        acceptance: Acceptance,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let workspace_id = row.workspace_id;
        let user = client_users::find(&self.db, workspace_id, id)
            .await?
            .filter(|u| u.status != ClientUserStatus::Disabled)
            .ok_or(AppError::LinkUnusable(DISABLED))?;
        let password_hash = match (&user.password_hash, acceptance.password) {
            (Some(_), _) => None,
            (None, None) => return Err(AppError::invalid("password", "choose a password")),
            (None, Some(password)) => {
                if let Some(reason) = passwords::refusal(&password, &[&user.email, &user.name]) {
                    return Err(AppError::invalid("password", reason));
                }
                Some(self.passwords.hash(password).await?)
            }
        };
        let mut tx = self.db.begin().await?;
        account_links::consume(&mut tx, row).await?;
        let change = ClientUserChange {
            password_hash: password_hash.as_deref(),
            status: Some(ClientUserStatus::Active),
            ..ClientUserChange::default()
        };
        let now = Timestamp::now();
        if !client_users::update(&mut tx, workspace_id, id, &change, now).await? {
            return Err(AppError::LinkUnusable(DISABLED));
        }
        client_users::record_sign_in(&mut tx, workspace_id, id, now).await?;
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: "client_user.invitation_accepted",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new().field("status", user.status, ClientUserStatus::Active),
        };
        let account = SessionAccount::ClientUser(id);
        account_links::sign_in(tx, workspace_id, account, &user.name, context, entry).await
    }

    async fn accept_as_member(
        &self,
        row: &AccountTokenRow,
        email: &str,
        role: MemberRole,
        acceptance: Acceptance,
        context: &RequestContext,
    ) -> Result<Accepted, AppError> {
        let workspace_id = row.workspace_id;
        let mut check = Validation::default();
        let name = check.check(
            "name",
            WorkspaceName::parse(acceptance.name.as_deref().unwrap_or("")),
        );
        let password = acceptance.password.unwrap_or_default();
        let context_words = [email, acceptance.name.as_deref().unwrap_or("")];
        if let Some(reason) = passwords::refusal(&password, &context_words) {
            check.fail("password", reason);
        }
        check.finish()?;
        let (Some(name), Ok(email)) = (name, Email::parse(email)) else {
            return Err(AppError::invalid("name", "is invalid"));
        };
        let password_hash = self.passwords.hash(password).await?;
        let id = MemberId::new();
        let mut tx = self.db.begin().await?;
        account_links::consume(&mut tx, row).await?;
        let new = NewMember {
            id,
            workspace_id,
            email: &email,
            name: name.as_str(),
            role,
            password_hash: &password_hash,
            created_at: Timestamp::now(),
        };
        members::insert(&mut tx, &new)
            .await
            .map_err(|error| match error {
                StoreError::Conflict { constraint } if constraint == members::EMAIL_CONSTRAINT => {
                    AppError::Conflict {
                        field: "email",
                        message: "a member of this workspace already has this email",
                    }
                }
                other => other.into(),
            })?;
        let entry = Entry {
            organization_id: None,
            action: "member.joined",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new()
                .set("email", email.as_str())
                .set("role", role),
        };
        let account = SessionAccount::Member(id);
        account_links::sign_in(tx, workspace_id, account, name.as_str(), context, entry).await
    }
}

const DISABLED: &str = "This invitation is no longer valid. Ask whoever invited you for a new one.";

/// The member behind an actor, for recording who issued a link.
fn member_of(actor: &Actor) -> Option<MemberId> {
    match actor.principal {
        Principal::Member { id, .. } => Some(id),
        _ => actor.impersonated_by,
    }
}

fn member_invitation(row: &AccountTokenRow) -> Option<MemberInvitation> {
    match row.subject()? {
        Subject::Invitee { email, role } => Some(MemberInvitation {
            id: row.id,
            email,
            role,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }),
        _ => None,
    }
}

/// An invitation link: for a week, to the invitation page.
fn invitation(subject: Subject, created_by: Option<MemberId>) -> LinkEmail {
    LinkEmail {
        purpose: Purpose::Invitation,
        subject,
        created_by,
        lifetime: INVITATION_LIFETIME,
        page: "/invitation",
        kind: EmailKind::Invitation,
    }
}

impl InvitationSent {
    fn of(sent: SentLink, email: String) -> Self {
        Self {
            id: sent.id,
            email,
            expires_at: sent.expires_at,
            outbox_id: sent.outbox_id,
            replaced: sent.replaced,
        }
    }
}
