//! Workspace members: listing, adding, changing roles, removing, and transferring ownership.

use crate::error::{AppError, Validation};
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext, identity::passwords};
use clientele_domain::{
    Action, Actor, Email, MemberId, MemberRole, Resource, Timestamp, WorkspaceId, WorkspaceName,
    authorize,
};
use clientele_store::StoreError;
use clientele_store::identity::members::{self, MemberRow, NewMember};
use clientele_store::identity::sessions;

/// An agency account to add.
#[derive(Debug)]
pub struct NewMemberInput {
    pub name: String,
    pub email: String,
    pub role: MemberRole,
    pub password: String,
}

/// A member of the workspace: someone who works in the agency console.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: MemberId,
    pub email: String,
    pub name: String,
    pub role: MemberRole,
    pub created_at: Timestamp,
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            created_at: row.created_at,
        }
    }
}

impl App {
    /// Every member of the actor's workspace.
    pub async fn list_members(&self, actor: &Actor) -> Result<Vec<Member>, AppError> {
        let permit = authorize(
            actor,
            Action::ListMembers,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let rows = members::list(&self.db, permit.workspace_id()).await?;
        Ok(rows.into_iter().map(Member::from).collect())
    }

    /// Adds an agency account with a password (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn add_member(
        &self,
        actor: &Actor,
        input: NewMemberInput,
        context: &RequestContext,
    ) -> Result<Member, AppError> {
        let resource = Resource::Workspace(actor.workspace_id);
        let permit = authorize(actor, Action::AddMember { role: input.role }, &resource)?;
        let mut check = Validation::default();
        let name = check.check("name", WorkspaceName::parse(&input.name));
        let email = check.check("email", Email::parse(&input.email));
        if let Some(reason) = passwords::refusal(&input.password, &[&input.email, &input.name]) {
            check.fail("password", reason);
        }
        check.finish()?;
        let (Some(name), Some(email)) = (name, email) else {
            return Err(AppError::invalid("name", "is invalid"));
        };
        let password_hash = self.passwords.hash(input.password).await?;

        let id = MemberId::new();
        let mut tx = self.db.begin().await?;
        let new = NewMember {
            id,
            workspace_id: permit.workspace_id(),
            email: &email,
            name: name.as_str(),
            role: input.role,
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
            action: "member.added",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new()
                .set("email", email.as_str())
                .set("role", input.role),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.read_member(permit.workspace_id(), id).await
    }

    /// Promotes or demotes a member (never to or from owner).
    #[tracing::instrument(skip_all)]
    pub async fn change_member_role(
        &self,
        actor: &Actor,
        id: MemberId,
        role: MemberRole,
        context: &RequestContext,
    ) -> Result<Member, AppError> {
        let mut tx = self.db.begin().await?;
        let target = members::find_in(&mut tx, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(
            actor,
            Action::ChangeMemberRole { to: role },
            &resource_of(&target),
        )?;
        members::set_role(&mut tx, permit.workspace_id(), id, role).await?;
        let entry = Entry {
            organization_id: None,
            action: "member.role_changed",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: &target.name,
            changes: Changes::new().field("role", target.role, role),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.read_member(permit.workspace_id(), id).await
    }

    /// Removes a member; their sessions end at once.
    #[tracing::instrument(skip_all)]
    pub async fn remove_member(
        &self,
        actor: &Actor,
        id: MemberId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        let target = members::find_in(&mut tx, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::RemoveMember, &resource_of(&target))?;
        sessions::delete_for_member(&mut tx, permit.workspace_id(), id).await?;
        members::delete(&mut tx, permit.workspace_id(), id).await?;
        let entry = Entry {
            organization_id: None,
            action: "member.removed",
            target_kind: "member",
            target_id: Some(id.as_uuid()),
            target_label: &target.name,
            changes: Changes::new()
                .field("email", &target.email, None::<String>)
                .field("role", target.role, None::<String>),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(())
    }

    /// Hands the owner role to another member; the owner becomes an admin.
    #[tracing::instrument(skip_all)]
    pub async fn transfer_ownership(
        &self,
        actor: &Actor,
        to: MemberId,
        context: &RequestContext,
    ) -> Result<Member, AppError> {
        let mut tx = self.db.begin().await?;
        let target = members::find_in(&mut tx, actor.workspace_id, to)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::TransferOwnership, &resource_of(&target))?;
        let owner = members::find_owner_in(&mut tx, permit.workspace_id())
            .await?
            .ok_or(AppError::NotFound)?;
        if Author::of(actor).id != Some(owner.id.as_uuid()) {
            return Err(AppError::Forbidden("only the owner can transfer ownership"));
        }
        // Demote first: the database allows one owner per workspace at any moment. A transfer
        // racing this one may have demoted them already; then the caller is no longer the owner.
        if !members::demote_owner(&mut tx, permit.workspace_id(), owner.id).await? {
            return Err(AppError::Forbidden("only the owner can transfer ownership"));
        }
        members::set_role(&mut tx, permit.workspace_id(), to, MemberRole::Owner).await?;
        let entry = Entry {
            organization_id: None,
            action: "workspace.ownership_transferred",
            target_kind: "member",
            target_id: Some(to.as_uuid()),
            target_label: &target.name,
            changes: Changes::new().field("owner", &owner.name, &target.name),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.read_member(permit.workspace_id(), to).await
    }

    async fn read_member(
        &self,
        workspace_id: WorkspaceId,
        id: MemberId,
    ) -> Result<Member, AppError> {
        members::find(&self.db, workspace_id, id)
            .await?
            .map(Member::from)
            .ok_or(AppError::NotFound)
    }
}

pub(crate) fn resource_of(member: &MemberRow) -> Resource {
    Resource::Member {
        workspace_id: member.workspace_id,
        id: member.id,
        role: member.role,
    }
}
