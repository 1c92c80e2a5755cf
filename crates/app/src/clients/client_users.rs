//! Client users: the people of an organization, their section permissions and agent access.
//! The agency manages every organization's users; an org admin manages their own
//! organization's, within the same limits, and cannot leave it without an org admin.

use crate::clients::organizations::next_page;
use crate::clients::teams::Membership;
use crate::error::{AppError, Validation};
use crate::identity::account_mail::Recipient;
use crate::mail::templates::AccountChange;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, cursor, identity::passwords, workspace::images};
use clientele_domain::organization::fold_case;
use clientele_domain::{
    Action, Actor, AgentAccess, AgentId, ClientUserId, ClientUserName, ClientUserStatus, Email,
    OrganizationId, Permission, PermissionPreset, Permissions, Permit, Principal, Resource, TeamId,
    Timestamp, authorize, may_grant,
};
use clientele_store::clients::client_users::{
    self, ClientUserChange, ClientUserOrder, ClientUserQuery, ClientUserRow, NewClientUser,
};
use clientele_store::clients::organizations::{self, OrganizationRow};
use clientele_store::clients::teams::{self, Memberships};
use clientele_store::identity::account_tokens::{self, AccountTokenRow};
use clientele_store::{StoreError, Tx, clients::agents, identity::sessions, identity::two_factor};
use std::collections::HashMap;

/// The most agents one user's chosen list may name.
pub const MAX_CHOSEN_AGENTS: usize = 200;

/// A user to add to an organization.
#[derive(Debug, Default)]
pub struct NewClientUserInput {
    pub name: String,
    pub email: String,
    /// Without one the user is `invited` and sets a password through their invitation.
    pub password: Option<String>,
    pub image_id: Option<String>,
    /// Flag names; without them (and without a preset) the user gets `home` only.
    pub permissions: Option<Vec<String>>,
    /// A preset's name, filling the flags the organization's plan allows.
    pub preset: Option<String>,
    /// `all` (the default) or `selected`.
    pub agent_access: Option<String>,
    /// The chosen agents, when access is `selected`.
    pub agent_ids: Option<Vec<AgentId>>,
}

/// The fields to change; `None` leaves a field as it is, `Some(None)` removes the image.
#[derive(Debug, Default)]
pub struct ClientUserPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub image_id: Option<Option<String>>,
    pub permissions: Option<Vec<String>>,
    pub preset: Option<String>,
    pub agent_access: Option<String>,
    pub agent_ids: Option<Vec<AgentId>>,
}

/// Which page of an organization's users to list.
#[derive(Debug, Default)]
pub struct ClientUserListRequest {
    /// Text the name or email contains.
    pub search: Option<String>,
    pub permission: Option<String>,
    pub status: Option<String>,
    pub team_id: Option<TeamId>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// A user of a client organization.
#[derive(Clone, Debug)]
pub struct ClientUser {
    pub id: ClientUserId,
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    /// The sections of the dashboard the user may open.
    pub permissions: Permissions,
    pub status: ClientUserStatus,
    pub image_id: Option<String>,
    pub agent_access: AgentAccess,
    pub last_sign_in_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<ClientUserRow> for ClientUser {
    fn from(row: ClientUserRow) -> Self {
        Self {
            permissions: row.permissions(),
            last_sign_in_at: row.last_sign_in_at(),
            id: row.id,
            organization_id: row.organization_id,
            email: row.email,
            name: row.name,
            status: row.status,
            image_id: row.image_id,
            agent_access: row.agent_access,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A user with the agents they chose and the teams they are in.
#[derive(Debug)]
pub struct ClientUserView {
    pub user: ClientUser,
    /// The chosen agents when access is `selected`; empty otherwise.
    pub agent_ids: Vec<AgentId>,
    pub teams: Vec<Membership>,
    /// The latest invitation sent to the user, if any.
    pub invitation: Option<InvitationState>,
    /// The user signs in with a second factor.
    pub two_factor: bool,
}

/// Where a user's latest invitation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationState {
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub status: &'static str,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
}

impl InvitationState {
    fn of(row: &AccountTokenRow, now: Timestamp) -> Self {
        let status = if row.used_at.is_some() {
            "accepted"
        } else if row.revoked_at.is_some() {
            "revoked"
        } else if now >= row.expires_at {
            "expired"
        } else {
            "pending"
        };
        Self {
            status,
            sent_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

/// One page of users and the cursor of the next.
#[derive(Debug)]
pub struct ClientUserPage {
    pub users: Vec<ClientUserView>,
    pub next_cursor: Option<String>,
}

impl App {
    /// A page of an organization's users by name, optionally filtered.
    pub async fn list_client_users(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
        request: ClientUserListRequest,
    ) -> Result<ClientUserPage, AppError> {
        let (_, permit) = self
            .organization_permit(actor, organization_id, Action::ListClientUsers)
            .await?;
        let mut check = Validation::default();
        let search = crate::clients::organizations::search_key(request.search.as_deref())?;
        let permission = request
            .permission
            .and_then(|p| check.check("permission", p.parse::<Permission>()));
        let status = request
            .status
            .and_then(|s| check.check("status", s.parse::<ClientUserStatus>()));
        let after = request.cursor.as_deref().map(cursor::decode).transpose()?;
        check.finish()?;
        let limit = cursor::page_size(request.limit)?;
        let query = ClientUserQuery {
            organization_id: Some(organization_id),
            search,
            email_prefix: None,
            permission,
            status,
            team_id: request.team_id,
            order: ClientUserOrder::Name { after },
            limit: limit + 1,
        };
        let mut rows = client_users::list(&self.db, permit.workspace_id(), &query).await?;
        let next_cursor = next_page(&mut rows, limit, |u| {
            cursor::encode(&u.name_key, u.id.as_uuid())
        });
        let users = self.views(permit.workspace_id(), rows).await?;
        Ok(ClientUserPage { users, next_cursor })
    }

    /// A page of the workspace's users whose email starts with `prefix`, by email (agency).
    pub async fn search_client_users(
        &self,
        actor: &Actor,
        prefix: Option<String>,
        cursor: Option<String>,
        limit: Option<u64>,
    ) -> Result<ClientUserPage, AppError> {
        let permit = authorize(
            actor,
            Action::SearchClientUsers,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let prefix = prefix
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        if prefix.as_deref().is_some_and(|p| {
            p.chars().count() > Email::MAX_CHARS || p.chars().any(char::is_control)
        }) {
            return Err(AppError::invalid(
                "email",
                "must be at most 254 characters without control characters",
            ));
        }
        let after = cursor.as_deref().map(cursor::decode).transpose()?;
        let limit = cursor::page_size(limit)?;
        let query = ClientUserQuery {
            organization_id: None,
            search: None,
            email_prefix: prefix,
            permission: None,
            status: None,
            team_id: None,
            order: ClientUserOrder::Email { after },
            limit: limit + 1,
        };
        let mut rows = client_users::list(&self.db, permit.workspace_id(), &query).await?;
        let next_cursor = next_page(&mut rows, limit, |u| {
            cursor::encode(&u.email, u.id.as_uuid())
        });
        let users = self.views(permit.workspace_id(), rows).await?;
        Ok(ClientUserPage { users, next_cursor })
    }

    /// Adds a user to an organization.
    #[tracing::instrument(skip_all)]
    pub async fn create_client_user(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
        input: NewClientUserInput,
        context: &RequestContext,
    ) -> Result<ClientUserView, AppError> {
        let (organization, permit) = self
            .organization_permit(actor, organization_id, Action::CreateClientUser)
            .await?;
        let mut check = Validation::default();
        let name = check.check("name", ClientUserName::parse(&input.name));
        let email = check.check("email", Email::parse(&input.email));
        if let Some(password) = &input.password
            && let Some(reason) = passwords::refusal(password, &[&input.email, &input.name])
        {
            check.fail("password", reason);
        }
        let plan = organization.settings().enabled_sections;
        let permissions = grant(
            &mut check,
            input.permissions.as_deref(),
            input.preset.as_deref(),
            plan,
        )
        .unwrap_or_else(Permissions::new_user_default);
        let access = access_of(&mut check, input.agent_access.as_deref(), &input.agent_ids)
            .or(input.agent_ids.as_ref().map(|_| AgentAccess::Selected));
        check.finish()?;
        may_grant(actor, permissions)?;
        let (Some(name), Some(email)) = (name, email) else {
            return Err(AppError::invalid("name", "is invalid"));
        };
        let password_hash = match input.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };
        let id = ClientUserId::new();
        let workspace_id = permit.workspace_id();
        let mut tx = self.db.begin().await?;
        if let Some(image) = &input.image_id {
            images::require(&mut tx, "image_id", image).await?;
        }
        let agent_ids = input.agent_ids.unwrap_or_default();
        hold_agents(&mut tx, &permit, organization_id, &agent_ids).await?;
        let status = match password_hash {
            Some(_) => ClientUserStatus::Active,
            None => ClientUserStatus::Invited,
        };
        let new = NewClientUser {
            id,
            workspace_id,
            organization_id,
            email: &email,
            name: name.as_str(),
            name_key: &fold_case(name.as_str()),
            password_hash: password_hash.as_deref(),
            permissions,
            status,
            image_id: input.image_id.as_deref(),
            agent_access: access.unwrap_or(AgentAccess::All),
            created_at: Timestamp::now(),
        };
        client_users::insert(&mut tx, &new)
            .await
            .map_err(email_conflict)?;
        client_users::set_agents(&mut tx, id, &agent_ids).await?;
        let entry = Entry {
            organization_id: Some(organization_id),
            action: "client_user.created",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: created_changes(&new, &agent_ids),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.view(workspace_id, id).await
    }

    /// One user with their chosen agents and teams.
    pub async fn client_user(
        &self,
        actor: &Actor,
        id: ClientUserId,
    ) -> Result<ClientUserView, AppError> {
        let user = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::ReadClientUser, &resource_of(&user))?;
        let mut views = self.views(permit.workspace_id(), vec![user]).await?;
        views.pop().ok_or(AppError::NotFound)
    }

    /// Changes a user's profile, password, permissions or agent access.
    #[tracing::instrument(skip_all)]
    pub async fn update_client_user(
        &self,
        actor: &Actor,
        id: ClientUserId,
        patch: ClientUserPatch,
        context: &RequestContext,
    ) -> Result<ClientUserView, AppError> {
        let current = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::UpdateClientUser, &resource_of(&current))?;
        let new_email = patch
            .email
            .as_deref()
            .is_some_and(|e| !e.trim().eq_ignore_ascii_case(&current.email));
        if new_email || patch.password.is_some() {
            if actor.impersonated_by.is_some() {
                return Err(AppError::Forbidden(
                    "a preview cannot change a password or an email",
                ));
            }
            authorize(
                actor,
                Action::ChangeClientUserCredentials,
                &resource_of(&current),
            )?;
        }
        let organization = self
            .organization_for(actor, current.organization_id)
            .await?;
        let mut check = Validation::default();
        let name = patch
            .name
            .as_deref()
            .and_then(|n| check.check("name", ClientUserName::parse(n)));
        let email = patch
            .email
            .as_deref()
            .and_then(|e| check.check("email", Email::parse(e)));
        if let Some(password) = &patch.password
            && let Some(reason) = passwords::refusal(password, &[&current.email, &current.name])
        {
            check.fail("password", reason);
        }
        let permissions = grant(
            &mut check,
            patch.permissions.as_deref(),
            patch.preset.as_deref(),
            organization.settings().enabled_sections,
        );
        let access = access_of(&mut check, patch.agent_access.as_deref(), &patch.agent_ids)
            .or(patch.agent_ids.as_ref().map(|_| AgentAccess::Selected));
        check.finish()?;
        if let Some(permissions) = permissions {
            may_grant(actor, permissions.without(current.permissions()))?;
        }
        let password_hash = match patch.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };
        let workspace_id = permit.workspace_id();
        // A person using their account hears of a new address or password at the old address.
        let notice_context = match (new_email || password_hash.is_some())
            && current.status != ClientUserStatus::Invited
        {
            true => Some(self.notice_context(workspace_id).await?),
            false => None,
        };
        let mut tx = self.db.begin().await?;
        guard_org_admins(&mut tx, actor, &current).await?;
        let current = client_users::find_in(&mut tx, workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let image = patch.image_id.filter(|i| *i != current.image_id);
        if let Some(Some(image)) = &image {
            images::require(&mut tx, "image_id", image).await?;
        }
        let chosen = match access {
            Some(AgentAccess::Selected) => Some(patch.agent_ids.unwrap_or_default()),
            Some(AgentAccess::All) => Some(Vec::new()),
            None => None,
        };
        if let Some(agent_ids) = &chosen {
            hold_agents(&mut tx, &permit, current.organization_id, agent_ids).await?;
        }
        let before_agents: Vec<AgentId> =
            client_users::agent_grants_in(&mut tx, workspace_id, &[current.id])
                .await?
                .into_iter()
                .map(|g| g.agent_id)
                .collect();
        let name_key = name.as_ref().map(|n| fold_case(n.as_str()));
        let status = (password_hash.is_some() && current.status == ClientUserStatus::Invited)
            .then_some(ClientUserStatus::Active);
        let change = ClientUserChange {
            name: name.as_ref().map(|n| n.as_str()).zip(name_key.as_deref()),
            email: email.as_ref(),
            password_hash: password_hash.as_deref(),
            permissions,
            status,
            image_id: image.as_ref().map(Option::as_deref),
            agent_access: access,
        };
        let mut changes = Changes::new()
            .field(
                "name",
                &current.name,
                name.as_ref().map_or(&*current.name, |n| n.as_str()),
            )
            .field(
                "email",
                &current.email,
                email.as_ref().map_or(&*current.email, |e| e.as_str()),
            )
            .field(
                "permissions",
                names(current.permissions()),
                names(permissions.unwrap_or(current.permissions())),
            )
            .field(
                "agent_access",
                current.agent_access,
                access.unwrap_or(current.agent_access),
            )
            .field("status", current.status, status.unwrap_or(current.status));
        if let Some(agent_ids) = &chosen {
            changes = changes.field("agent_ids", &before_agents, agent_ids);
        }
        if let Some(image) = &image {
            changes = changes.field("image_id", &current.image_id, image);
        }
        if password_hash.is_some() {
            changes = changes.set("password", "changed");
        }
        if changes.is_empty() {
            tx.rollback().await?;
            return self.view(workspace_id, id).await;
        }
        if !client_users::update(&mut tx, workspace_id, id, &change, Timestamp::now())
            .await
            .map_err(email_conflict)?
        {
            return Err(AppError::NotFound);
        }
        if let Some(agent_ids) = &chosen {
            client_users::set_agents(&mut tx, id, agent_ids).await?;
        }
        if password_hash.is_some() {
            sessions::delete_for_client_user(&mut tx, workspace_id, id).await?;
        }
        ensure_an_org_admin_remains(&mut tx, actor, &current).await?;
        let mut notices = Vec::new();
        if let Some((brand, slug)) = &notice_context {
            let recipient = Recipient::client_user(&current, &organization, brand);
            let new_address = email.as_ref().filter(|e| e.as_str() != current.email);
            if let Some(to) = new_address {
                let change = AccountChange::Email {
                    to: to.as_str().to_owned(),
                };
                notices.push(self.notify(&mut tx, &recipient, slug, &change).await?);
            }
            if password_hash.is_some() {
                let change = AccountChange::Password;
                notices.push(self.notify(&mut tx, &recipient, slug, &change).await?);
            }
        }
        let entry = Entry {
            organization_id: Some(current.organization_id),
            action: "client_user.updated",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: name.as_ref().map_or(&*current.name, |n| n.as_str()),
            changes,
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        for notice in notices {
            self.enqueued(workspace_id, notice).await;
        }
        self.view(workspace_id, id).await
    }

    /// Disables a user, ending their sessions at once, or enables them again.
    #[tracing::instrument(skip_all)]
    pub async fn set_client_user_enabled(
        &self,
        actor: &Actor,
        id: ClientUserId,
        enabled: bool,
        context: &RequestContext,
    ) -> Result<ClientUserView, AppError> {
        let found = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::UpdateClientUser, &resource_of(&found))?;
        let workspace_id = permit.workspace_id();
        let mut tx = self.db.begin().await?;
        guard_org_admins(&mut tx, actor, &found).await?;
        let current = client_users::find_in(&mut tx, workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let status = match (enabled, &current.password_hash) {
            (false, _) => ClientUserStatus::Disabled,
            (true, Some(_)) => ClientUserStatus::Active,
            (true, None) => ClientUserStatus::Invited,
        };
        if (current.status == ClientUserStatus::Disabled) != enabled {
            tx.rollback().await?;
            return self.view(workspace_id, id).await;
        }
        let change = ClientUserChange {
            status: Some(status),
            ..ClientUserChange::default()
        };
        if !client_users::update(&mut tx, workspace_id, id, &change, Timestamp::now()).await? {
            return Err(AppError::NotFound);
        }
        let ended = sessions::delete_for_client_user(&mut tx, workspace_id, id).await?;
        ensure_an_org_admin_remains(&mut tx, actor, &current).await?;
        let mut changes = Changes::new().field("status", current.status, status);
        if !enabled {
            changes = changes.set("sessions_ended", ended);
        }
        let entry = Entry {
            organization_id: Some(current.organization_id),
            action: if enabled {
                "client_user.enabled"
            } else {
                "client_user.disabled"
            },
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes,
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.view(workspace_id, id).await
    }

    /// Deletes a user: their sessions end, they leave their teams, and the activity log
    /// keeps naming them.
    #[tracing::instrument(skip_all)]
    pub async fn delete_client_user(
        &self,
        actor: &Actor,
        id: ClientUserId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let found = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::DeleteClientUser, &resource_of(&found))?;
        let workspace_id = permit.workspace_id();
        let mut tx = self.db.begin().await?;
        guard_org_admins(&mut tx, actor, &found).await?;
        if !client_users::delete(&mut tx, workspace_id, id).await? {
            return Err(AppError::NotFound);
        }
        ensure_an_org_admin_remains(&mut tx, actor, &found).await?;
        let entry = Entry {
            organization_id: Some(found.organization_id),
            action: "client_user.deleted",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &found.name,
            changes: Changes::new().field("email", &found.email, None::<String>),
        };
        activity::commit(tx, &permit, actor, context, entry).await
    }

    /// The presets a user's flags can be filled from.
    pub fn permission_presets(&self) -> Vec<(PermissionPreset, Permissions)> {
        PermissionPreset::ALL
            .iter()
            .map(|p| (*p, p.permissions()))
            .collect()
    }

    /// An organization and the policy's permit for `action` on it.
    pub(crate) async fn organization_permit(
        &self,
        actor: &Actor,
        id: OrganizationId,
        action: Action,
    ) -> Result<(OrganizationRow, Permit), AppError> {
        let organization = self.organization_for(actor, id).await?;
        let permit = authorize(
            actor,
            action,
            &crate::clients::organizations::resource_of(&organization),
        )?;
        Ok((organization, permit))
    }

    /// An organization of the actor's workspace; another tenant's is missing.
    pub(crate) async fn organization_for(
        &self,
        actor: &Actor,
        id: OrganizationId,
    ) -> Result<OrganizationRow, AppError> {
        organizations::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn view(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        id: ClientUserId,
    ) -> Result<ClientUserView, AppError> {
        let user = client_users::find(&self.db, workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut views = self.views(workspace_id, vec![user]).await?;
        views.pop().ok_or(AppError::NotFound)
    }

    /// Attaches chosen agents, teams, invitations and second factors to users with four
    /// queries, whatever their number.
    pub(crate) async fn views(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        users: Vec<ClientUserRow>,
    ) -> Result<Vec<ClientUserView>, AppError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ClientUserId> = users.iter().map(|u| u.id).collect();
        let (grants, memberships, invitations, two_factor) = tokio::try_join!(
            client_users::agent_grants(&self.db, workspace_id, None, Some(&ids)),
            teams::memberships(&self.db, workspace_id, Memberships::Users(&ids)),
            account_tokens::latest_invitations(&self.db, workspace_id, &ids),
            two_factor::confirmed_client_users(&self.db, workspace_id, &ids),
        )?;
        let now = Timestamp::now();
        // Oldest first, so the latest of each user's invitations is the one kept.
        let mut latest: HashMap<ClientUserId, InvitationState> = HashMap::new();
        for row in &invitations {
            if let Some(id) = row.client_user_id {
                latest.insert(ClientUserId::from(id), InvitationState::of(row, now));
            }
        }
        let mut agents: HashMap<ClientUserId, Vec<AgentId>> = HashMap::new();
        for grant in grants {
            agents
                .entry(grant.client_user_id)
                .or_default()
                .push(grant.agent_id);
        }
        let mut teams: HashMap<ClientUserId, Vec<Membership>> = HashMap::new();
        for membership in memberships {
            teams
                .entry(membership.client_user_id)
                .or_default()
                .push(membership.into());
        }
        Ok(users
            .into_iter()
            .map(|user| ClientUserView {
                two_factor: two_factor.contains(&user.id),
                agent_ids: agents.remove(&user.id).unwrap_or_default(),
                teams: teams.remove(&user.id).unwrap_or_default(),
                invitation: latest.remove(&user.id),
                user: user.into(),
            })
            .collect())
    }
}

pub(crate) fn resource_of(user: &ClientUserRow) -> Resource {
    Resource::ClientUser {
        workspace_id: user.workspace_id,
        organization_id: user.organization_id,
        id: user.id,
    }
}

/// The flags a request asks for: the named flags, or a preset's within the plan; `None` when
/// it names neither. A flag outside the plan is refused, never silently dropped.
pub(crate) fn grant(
    check: &mut Validation,
    names: Option<&[String]>,
    preset: Option<&str>,
    plan: Permissions,
) -> Option<Permissions> {
    match (names, preset) {
        (Some(_), Some(_)) => {
            check.fail("preset", "give permissions or a preset, not both");
            None
        }
        (None, Some(preset)) => check
            .check("preset", preset.parse::<PermissionPreset>())
            .map(|p| p.permissions().within_plan(plan)),
        (Some(names), None) => {
            let mut permissions = Permissions::default();
            for (index, name) in names.iter().enumerate() {
                let field = format!("permissions[{index}]");
                match name.parse::<Permission>() {
                    Ok(p) if p != Permission::OrgAdmin && !plan.contains(p) => check.fail(
                        &field,
                        format!("the organization's plan does not include {}", p.as_str()),
                    ),
                    Ok(p) => permissions.insert(p),
                    Err(error) => check.fail(&field, error.to_string()),
                }
            }
            Some(permissions)
        }
        (None, None) => None,
    }
}

/// The access a request asks for, checked against the agents it names.
fn access_of(
    check: &mut Validation,
    access: Option<&str>,
    agent_ids: &Option<Vec<AgentId>>,
) -> Option<AgentAccess> {
    let access = access.and_then(|a| check.check("agent_access", a.parse::<AgentAccess>()));
    let chosen = agent_ids.as_deref().unwrap_or_default();
    if access == Some(AgentAccess::All) && !chosen.is_empty() {
        check.fail("agent_ids", "must be empty when agent_access is all");
    }
    if chosen.len() > MAX_CHOSEN_AGENTS {
        check.fail("agent_ids", format!("at most {MAX_CHOSEN_AGENTS} agents"));
    }
    let mut seen = std::collections::HashSet::new();
    if chosen.iter().any(|id| !seen.insert(*id)) {
        check.fail("agent_ids", "names an agent twice");
    }
    access
}

/// Checks every chosen agent is assigned to the organization and keeps it there until commit.
async fn hold_agents(
    tx: &mut Tx,
    permit: &Permit,
    organization_id: OrganizationId,
    agent_ids: &[AgentId],
) -> Result<(), AppError> {
    let mut check = Validation::default();
    for (index, id) in agent_ids.iter().enumerate() {
        if !agents::hold(tx, permit.workspace_id(), *id, organization_id).await? {
            check.fail(
                &format!("agent_ids[{index}]"),
                "is not an agent of this organization",
            );
        }
    }
    check.finish()
}

/// When an org admin changes their organization's users, takes the organization's lock so
/// that two admins stepping down at once cannot both succeed.
async fn guard_org_admins(
    tx: &mut Tx,
    actor: &Actor,
    user: &ClientUserRow,
) -> Result<(), AppError> {
    if matches!(actor.principal, Principal::ClientUser { .. })
        && !organizations::lock(tx, user.workspace_id, user.organization_id).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Refuses a change by an org admin that leaves their organization without one.
async fn ensure_an_org_admin_remains(
    tx: &mut Tx,
    actor: &Actor,
    user: &ClientUserRow,
) -> Result<(), AppError> {
    let Principal::ClientUser { .. } = actor.principal else {
        return Ok(());
    };
    if user.permissions().contains(Permission::OrgAdmin)
        && client_users::count_org_admins(tx, user.workspace_id, user.organization_id).await? == 0
    {
        return Err(AppError::Conflict {
            field: "permissions",
            message: "the organization's last org admin cannot be removed, disabled or demoted",
        });
    }
    Ok(())
}

/// The names of a set of flags, in their fixed order.
pub(crate) fn names(permissions: Permissions) -> Vec<&'static str> {
    permissions.iter().map(|p| p.as_str()).collect()
}

pub(crate) fn email_conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { constraint } if constraint == client_users::EMAIL_CONSTRAINT => {
            AppError::Conflict {
                field: "email",
                message: "a user of this workspace already has this email",
            }
        }
        other => other.into(),
    }
}

pub(crate) fn created_changes(new: &NewClientUser<'_>, agent_ids: &[AgentId]) -> Changes {
    let mut changes = Changes::new()
        .set("name", new.name)
        .set("email", new.email.as_str())
        .set("permissions", names(new.permissions))
        .set("status", new.status)
        .set("agent_access", new.agent_access);
    if !agent_ids.is_empty() {
        changes = changes.set("agent_ids", agent_ids);
    }
    if let Some(image) = new.image_id {
        changes = changes.set("image_id", image);
    }
    changes
}
