//! Teams: named groups of an organization's users, each member a `member` or a `lead`, that
//! human handoffs are routed to.

use crate::error::{AppError, Validation};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{
    Action, Actor, ClientUserId, OrganizationId, Resource, TeamDescription, TeamId, TeamName,
    TeamRole, Timestamp, authorize,
};
use clientele_store::clients::teams::{
    self, MembershipRow, Memberships, NewMembership, NewTeam, TeamRow,
};
use clientele_store::{StoreError, clients::client_users};

/// A team to create, or the fields of one to change (`None` leaves a field as it is).
#[derive(Debug, Default)]
pub struct TeamInput {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// A team with its members.
#[derive(Debug)]
pub struct TeamView {
    pub team: Team,
    pub members: Vec<Membership>,
}

/// A team of an organization and how many users are in it.
#[derive(Clone, Debug)]
pub struct Team {
    pub id: TeamId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<TeamRow> for Team {
    fn from(row: TeamRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            description: row.description,
            member_count: row.member_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A user's place in a team: who, in which team, and as `member` or `lead`.
#[derive(Clone, Debug)]
pub struct Membership {
    pub team_id: TeamId,
    pub team_name: String,
    pub client_user_id: ClientUserId,
    pub user_name: String,
    pub user_email: String,
    pub role: TeamRole,
    pub added_at: Timestamp,
}

impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Self {
        Self {
            team_id: row.team_id,
            team_name: row.team_name,
            client_user_id: row.client_user_id,
            user_name: row.user_name,
            user_email: row.user_email,
            role: row.role,
            added_at: row.added_at,
        }
    }
}

impl App {
    /// Every team of an organization, by name.
    pub async fn list_teams(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
    ) -> Result<Vec<Team>, AppError> {
        let (_, permit) = self
            .organization_permit(actor, organization_id, Action::ListTeams)
            .await?;
        let rows = teams::list(&self.db, permit.workspace_id(), organization_id).await?;
        Ok(rows.into_iter().map(Team::from).collect())
    }

    /// Creates a team in an organization.
    #[tracing::instrument(skip_all)]
    pub async fn create_team(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
        input: TeamInput,
        context: &RequestContext,
    ) -> Result<TeamView, AppError> {
        let (_, permit) = self
            .organization_permit(actor, organization_id, Action::ManageTeams)
            .await?;
        let mut check = Validation::default();
        let name = check.check(
            "name",
            TeamName::parse(input.name.as_deref().unwrap_or_default()),
        );
        let description = check.check(
            "description",
            TeamDescription::parse(input.description.as_deref().unwrap_or_default()),
        );
        check.finish()?;
        let (Some(name), Some(description)) = (name, description) else {
            return Err(AppError::invalid("name", "is invalid"));
        };
        let id = TeamId::new();
        let mut tx = self.db.begin().await?;
        let new = NewTeam {
            id,
            workspace_id: permit.workspace_id(),
            organization_id,
            name: name.as_str(),
            name_key: &name.key(),
            description: description.as_str(),
            created_at: Timestamp::now(),
        };
        teams::insert(&mut tx, &new).await.map_err(name_conflict)?;
        let entry = Entry {
            organization_id: Some(organization_id),
            action: "team.created",
            target_kind: "team",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new()
                .set("name", name.as_str())
                .set("description", description.as_str()),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.team_view(permit.workspace_id(), id).await
    }

    /// One team with its members.
    pub async fn team(&self, actor: &Actor, id: TeamId) -> Result<TeamView, AppError> {
        let team = self.visible_team(actor, id).await?;
        let permit = authorize(actor, Action::ReadTeam, &resource_of(&team))?;
        self.team_view(permit.workspace_id(), id).await
    }

    /// Renames or describes a team.
    #[tracing::instrument(skip_all)]
    pub async fn update_team(
        &self,
        actor: &Actor,
        id: TeamId,
        input: TeamInput,
        context: &RequestContext,
    ) -> Result<TeamView, AppError> {
        let found = self.visible_team(actor, id).await?;
        let permit = authorize(actor, Action::ManageTeams, &resource_of(&found))?;
        let mut check = Validation::default();
        let name = input
            .name
            .as_deref()
            .and_then(|n| check.check("name", TeamName::parse(n)))
            .filter(|n| n.as_str() != found.name);
        let description = input
            .description
            .as_deref()
            .and_then(|d| check.check("description", TeamDescription::parse(d)))
            .filter(|d| d.as_str() != found.description);
        check.finish()?;
        let workspace_id = permit.workspace_id();
        if name.is_none() && description.is_none() {
            return self.team_view(workspace_id, id).await;
        }
        let mut tx = self.db.begin().await?;
        let key = name.as_ref().map(TeamName::key);
        let renamed = name.as_ref().map(|n| n.as_str()).zip(key.as_deref());
        let at = Timestamp::now();
        let described = description.as_ref().map(TeamDescription::as_str);
        if !teams::update(&mut tx, workspace_id, id, renamed, described, at)
            .await
            .map_err(name_conflict)?
        {
            return Err(AppError::NotFound);
        }
        let mut changes = Changes::new();
        if let Some(name) = &name {
            changes = changes.field("name", &found.name, name.as_str());
        }
        if let Some(description) = &description {
            changes = changes.field("description", &found.description, description.as_str());
        }
        let entry = Entry {
            organization_id: Some(found.organization_id),
            action: "team.updated",
            target_kind: "team",
            target_id: Some(id.as_uuid()),
            target_label: name.as_ref().map_or(&*found.name, TeamName::as_str),
            changes,
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.team_view(workspace_id, id).await
    }

    /// Deletes a team; its members stay users of the organization.
    #[tracing::instrument(skip_all)]
    pub async fn delete_team(
        &self,
        actor: &Actor,
        id: TeamId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let found = self.visible_team(actor, id).await?;
        let permit = authorize(actor, Action::ManageTeams, &resource_of(&found))?;
        let mut tx = self.db.begin().await?;
        if !teams::delete(&mut tx, permit.workspace_id(), id).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: Some(found.organization_id),
            action: "team.deleted",
            target_kind: "team",
            target_id: Some(id.as_uuid()),
            target_label: &found.name,
            changes: Changes::new()
                .field("name", &found.name, None::<String>)
                .set("members_removed", found.member_count),
        };
        activity::commit(tx, &permit, actor, context, entry).await
    }

    /// Puts a user of the team's organization in the team with `role`, or changes their role.
    #[tracing::instrument(skip_all)]
    pub async fn put_team_member(
        &self,
        actor: &Actor,
        id: TeamId,
        user_id: ClientUserId,
        role: Option<String>,
        context: &RequestContext,
    ) -> Result<TeamView, AppError> {
        let found = self.visible_team(actor, id).await?;
        let permit = authorize(actor, Action::ManageTeams, &resource_of(&found))?;
        let role = match role {
            Some(role) => role
                .parse::<TeamRole>()
                .map_err(|error| AppError::invalid("role", error.to_string()))?,
            None => TeamRole::Member,
        };
        let workspace_id = permit.workspace_id();
        let mut tx = self.db.begin().await?;
        let user = client_users::find_in(&mut tx, workspace_id, user_id)
            .await?
            .filter(|u| u.organization_id == found.organization_id)
            .ok_or_else(|| {
                AppError::invalid("client_user_id", "is not a user of the team's organization")
            })?;
        let before = teams::memberships_in(&mut tx, workspace_id, Memberships::Team(id))
            .await?
            .into_iter()
            .find(|m| m.client_user_id == user_id)
            .map(|m| m.role);
        if before == Some(role) {
            tx.rollback().await?;
            return self.team_view(workspace_id, id).await;
        }
        let membership = NewMembership {
            team_id: id,
            client_user_id: user_id,
            role,
            added_at: Timestamp::now(),
        };
        teams::put_members(&mut tx, &[membership]).await?;
        let entry = Entry {
            organization_id: Some(found.organization_id),
            action: if before.is_some() {
                "team.member_role_changed"
            } else {
                "team.member_added"
            },
            target_kind: "team",
            target_id: Some(id.as_uuid()),
            target_label: &found.name,
            changes: Changes::new()
                .set("client_user", &user.name)
                .field("role", before, role),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.team_view(workspace_id, id).await
    }

    /// Takes a user out of a team.
    #[tracing::instrument(skip_all)]
    pub async fn remove_team_member(
        &self,
        actor: &Actor,
        id: TeamId,
        user_id: ClientUserId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let found = self.visible_team(actor, id).await?;
        let permit = authorize(actor, Action::ManageTeams, &resource_of(&found))?;
        let workspace_id = permit.workspace_id();
        let user = client_users::find(&self.db, workspace_id, user_id)
            .await?
            .filter(|u| u.organization_id == found.organization_id)
            .ok_or(AppError::NotFound)?;
        let mut tx = self.db.begin().await?;
        if !teams::remove_member(&mut tx, id, user_id).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: Some(found.organization_id),
            action: "team.member_removed",
            target_kind: "team",
            target_id: Some(id.as_uuid()),
            target_label: &found.name,
            changes: Changes::new().field("client_user", &user.name, None::<String>),
        };
        activity::commit(tx, &permit, actor, context, entry).await
    }

    /// The teams a user is in, with their role in each.
    pub async fn client_user_teams(
        &self,
        actor: &Actor,
        user_id: ClientUserId,
    ) -> Result<Vec<Membership>, AppError> {
        let view = self.client_user(actor, user_id).await?;
        Ok(view.teams)
    }

    async fn visible_team(&self, actor: &Actor, id: TeamId) -> Result<TeamRow, AppError> {
        teams::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn team_view(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        id: TeamId,
    ) -> Result<TeamView, AppError> {
        let (team, members) = tokio::try_join!(
            teams::find(&self.db, workspace_id, id),
            teams::memberships(&self.db, workspace_id, Memberships::Team(id)),
        )?;
        let team = team.ok_or(AppError::NotFound)?;
        Ok(TeamView {
            team: team.into(),
            members: members.into_iter().map(Membership::from).collect(),
        })
    }
}

fn resource_of(team: &TeamRow) -> Resource {
    Resource::Team {
        workspace_id: team.workspace_id,
        organization_id: team.organization_id,
        id: team.id,
    }
}

fn name_conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { constraint } if constraint == teams::NAME_CONSTRAINT => {
            AppError::Conflict {
                field: "name",
                message: "a team of this organization already has this name",
            }
        }
        other => other.into(),
    }
}
