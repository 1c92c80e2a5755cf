//! The agent pool: creating, editing and deleting agents, and assigning each to at most one
//! organization.

use crate::clients::organizations::{next_page, resource_of, search_key};
use crate::error::{AppError, Validation};
use crate::runtime::webhooks::announce_configuration;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext, clients::organizations, cursor, workspace::images};
use clientele_domain::organization::fold_case;
use clientele_domain::{
    Action, Actor, AgentDescription, AgentId, AgentKind, AgentName, ExternalRef, OrganizationId,
    Permit, Resource, Timestamp, WorkspaceId, authorize,
};
use clientele_store::clients::agents::{self, AgentFields, AgentQuery, AgentRow};
use clientele_store::{StoreError, Tx};

/// An agent's fields as a caller gives them.
#[derive(Debug)]
pub struct AgentInput {
    pub name: String,
    pub kind: AgentKind,
    pub description: Option<String>,
    pub avatar_image_id: Option<String>,
    pub external_ref: Option<String>,
}

/// The fields to change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub kind: Option<AgentKind>,
    pub description: Option<String>,
    pub avatar_image_id: Option<Option<String>>,
    pub external_ref: Option<Option<String>>,
}

/// Which page of agents to list, in order of name.
#[derive(Debug, Default)]
pub struct AgentListRequest {
    pub search: Option<String>,
    pub assigned: Option<bool>,
    pub organization_id: Option<OrganizationId>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// An agent of the workspace, and the organization it is assigned to, if any.
#[derive(Clone, Debug)]
pub struct Agent {
    pub id: AgentId,
    pub organization_id: Option<OrganizationId>,
    pub organization_name: Option<String>,
    pub name: String,
    pub kind: AgentKind,
    pub description: String,
    pub avatar_image_id: Option<String>,
    pub external_ref: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<AgentRow> for Agent {
    fn from(row: AgentRow) -> Self {
        Self {
            organization_id: row.organization_id(),
            id: row.id,
            organization_name: row.organization_name,
            name: row.name,
            kind: row.kind,
            description: row.description,
            avatar_image_id: row.avatar_image_id,
            external_ref: row.external_ref,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One page of agents and the cursor of the next page.
#[derive(Debug)]
pub struct AgentPage {
    pub agents: Vec<Agent>,
    pub next_cursor: Option<String>,
}

/// An agent's fields after validation.
struct ValidAgent {
    name: AgentName,
    kind: AgentKind,
    description: AgentDescription,
    avatar_image_id: Option<String>,
    external_ref: Option<ExternalRef>,
}

impl ValidAgent {
    fn parse(input: AgentInput) -> Result<Self, AppError> {
        let mut check = Validation::default();
        let name = check.check("name", AgentName::parse(&input.name));
        let description = check.check(
            "description",
            AgentDescription::parse(input.description.as_deref().unwrap_or_default()),
        );
        let external_ref = match input.external_ref.as_deref() {
            Some(raw) => check
                .check("external_ref", ExternalRef::parse(raw))
                .map(Some),
            None => Some(None),
        };
        check.finish()?;
        match (name, description, external_ref) {
            (Some(name), Some(description), Some(external_ref)) => Ok(Self {
                name,
                kind: input.kind,
                description,
                avatar_image_id: input.avatar_image_id,
                external_ref,
            }),
            _ => Err(AppError::invalid("name", "is invalid")),
        }
    }

    fn fields<'a>(&'a self, name_key: &'a str) -> AgentFields<'a> {
        AgentFields {
            name: self.name.as_str(),
            name_key,
            kind: self.kind,
            description: self.description.as_str(),
            avatar_image_id: self.avatar_image_id.as_deref(),
            external_ref: self.external_ref.as_ref().map(ExternalRef::as_str),
        }
    }
}

impl App {
    /// A page of the workspace's agents: all, those in the pool, or those assigned.
    #[tracing::instrument(skip_all)]
    pub async fn list_agents(
        &self,
        actor: &Actor,
        request: AgentListRequest,
    ) -> Result<AgentPage, AppError> {
        let permit = authorize(
            actor,
            Action::ListAgents,
            &Resource::Workspace(actor.workspace_id),
        )?;
        self.agent_page(&permit, request).await
    }

    /// A page of the agents assigned to one organization (the agency, and the organization's
    /// admins); `request.organization_id` is ignored.
    pub async fn organization_agents(
        &self,
        actor: &Actor,
        id: OrganizationId,
        request: AgentListRequest,
    ) -> Result<AgentPage, AppError> {
        let organization = self.organization_row(actor.workspace_id, id).await?;
        let permit = authorize(
            actor,
            Action::ListOrganizationAgents,
            &resource_of(&organization),
        )?;
        let request = AgentListRequest {
            organization_id: Some(id),
            ..request
        };
        self.agent_page(&permit, request).await
    }

    /// The agents of each of `organizations` (the agency's Clients view), by name.
    pub async fn agents_of_organizations(
        &self,
        actor: &Actor,
        organizations: &[OrganizationId],
    ) -> Result<Vec<Agent>, AppError> {
        let permit = authorize(
            actor,
            Action::ListAgents,
            &Resource::Workspace(actor.workspace_id),
        )?;
        // Enough for a full page of organizations; the view links to each one for the rest.
        const MOST: u64 = 1_000;
        let rows = agents::of_organizations(&self.db, permit.workspace_id(), organizations, MOST);
        Ok(rows.await?.into_iter().map(Agent::from).collect())
    }

    async fn agent_page(
        &self,
        permit: &Permit,
        request: AgentListRequest,
    ) -> Result<AgentPage, AppError> {
        let limit = cursor::page_size(request.limit)?;
        let query = AgentQuery {
            search: search_key(request.search.as_deref())?,
            assigned: request.assigned,
            organization_id: request.organization_id,
            after: request.cursor.as_deref().map(cursor::decode).transpose()?,
            limit: limit + 1,
        };
        let mut rows = agents::list(&self.db, permit.workspace_id(), &query).await?;
        let next_cursor = next_page(&mut rows, limit, |last| {
            cursor::encode(&last.name_key, last.id.as_uuid())
        });
        Ok(AgentPage {
            agents: rows.into_iter().map(Agent::from).collect(),
            next_cursor,
        })
    }

    /// Adds an agent to the pool.
    #[tracing::instrument(skip_all)]
    pub async fn create_agent(
        &self,
        actor: &Actor,
        input: AgentInput,
        context: &RequestContext,
    ) -> Result<Agent, AppError> {
        let permit = authorize(
            actor,
            Action::CreateAgent,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let agent = ValidAgent::parse(input)?;
        let mut tx = self.db.begin().await?;
        let id = insert(&mut tx, &permit, &agent).await?;
        let entry = created_entry(id, &agent);
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.read_agent(permit.workspace_id(), id).await
    }

    /// Creates or replaces the agent known to the agent runtime as `external_ref`; returns it
    /// and whether it was created.
    #[tracing::instrument(skip_all)]
    pub async fn upsert_agent(
        &self,
        actor: &Actor,
        external_ref: &str,
        mut input: AgentInput,
        context: &RequestContext,
    ) -> Result<(Agent, bool), AppError> {
        let workspace = Resource::Workspace(actor.workspace_id);
        input.external_ref = Some(external_ref.to_owned());
        let agent = ValidAgent::parse(input)?;
        let Some(reference) = agent.external_ref.as_ref() else {
            return Err(AppError::invalid("external_ref", "is required"));
        };
        let mut tx = self.db.begin().await?;
        let existing =
            agents::find_by_external_ref_in(&mut tx, actor.workspace_id, reference.as_str())
                .await?;
        let Some(current) = existing else {
            let permit = authorize(actor, Action::CreateAgent, &workspace)?;
            let id = insert(&mut tx, &permit, &agent).await?;
            activity::commit(tx, &permit, actor, context, created_entry(id, &agent)).await?;
            return Ok((self.read_agent(permit.workspace_id(), id).await?, true));
        };
        let permit = authorize(actor, Action::UpdateAgent, &agent_resource(&current))?;
        let id = current.id;
        update(tx, &permit, &current, &agent, actor, context).await?;
        self.wake_outbox();
        Ok((self.read_agent(permit.workspace_id(), id).await?, false))
    }

    /// One agent of the workspace.
    pub async fn agent(&self, actor: &Actor, id: AgentId) -> Result<Agent, AppError> {
        let agent = self.agent_row(actor.workspace_id, id).await?;
        authorize(actor, Action::ReadAgent, &agent_resource(&agent))?;
        Ok(agent.into())
    }

    /// Changes an agent's fields.
    #[tracing::instrument(skip_all)]
    pub async fn update_agent(
        &self,
        actor: &Actor,
        id: AgentId,
        patch: AgentPatch,
        context: &RequestContext,
    ) -> Result<Agent, AppError> {
        let mut tx = self.db.begin().await?;
        let current = find_in(&mut tx, actor.workspace_id, id).await?;
        let permit = authorize(actor, Action::UpdateAgent, &agent_resource(&current))?;
        let input = AgentInput {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            kind: patch.kind.unwrap_or(current.kind),
            description: Some(
                patch
                    .description
                    .unwrap_or_else(|| current.description.clone()),
            ),
            avatar_image_id: patch
                .avatar_image_id
                .unwrap_or_else(|| current.avatar_image_id.clone()),
            external_ref: patch
                .external_ref
                .unwrap_or_else(|| current.external_ref.clone()),
        };
        let agent = ValidAgent::parse(input)?;
        update(tx, &permit, &current, &agent, actor, context).await?;
        self.wake_outbox();
        self.read_agent(permit.workspace_id(), id).await
    }

    /// Deletes an agent, wherever it is assigned.
    #[tracing::instrument(skip_all)]
    pub async fn delete_agent(
        &self,
        actor: &Actor,
        id: AgentId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        let current = find_in(&mut tx, actor.workspace_id, id).await?;
        let permit = authorize(actor, Action::DeleteAgent, &agent_resource(&current))?;
        if !agents::delete(&mut tx, permit.workspace_id(), id).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: current.organization_id(),
            action: "agent.deleted",
            target_kind: "agent",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes: Changes::new()
                .field("name", &current.name, None::<String>)
                .field("organization", &current.organization_name, None::<String>),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(())
    }

    /// Assigns an agent to an organization. An agent assigned elsewhere is a conflict unless
    /// `allow_move`, which moves it and records the change in both organizations' logs.
    #[tracing::instrument(skip_all)]
    pub async fn assign_agent(
        &self,
        actor: &Actor,
        id: AgentId,
        organization_id: OrganizationId,
        allow_move: bool,
        context: &RequestContext,
    ) -> Result<Agent, AppError> {
        let mut tx = self.db.begin().await?;
        let current = find_in(&mut tx, actor.workspace_id, id).await?;
        let permit = authorize(actor, Action::AssignAgent, &agent_resource(&current))?;
        let target =
            organizations::require(&mut tx, &permit, "organization_id", organization_id).await?;
        let previous = current.organization_id();
        if previous == Some(organization_id) {
            return Ok(current.into());
        }
        let assigned_elsewhere = AppError::Conflict {
            field: "organization_id",
            message: "the agent is assigned to another organization; set move to move it",
        };
        if previous.is_some() && !allow_move {
            return Err(assigned_elsewhere);
        }
        let at = Timestamp::now();
        let workspace_id = permit.workspace_id();
        // Someone else assigned or moved the agent since it was read.
        if !agents::assign(&mut tx, workspace_id, id, organization_id, previous, at).await? {
            return Err(assigned_elsewhere);
        }
        let changes =
            || Changes::new().field("organization", &current.organization_name, &target.name);
        let action = if previous.is_some() {
            "agent.moved"
        } else {
            "agent.assigned"
        };
        if let Some(previous) = previous {
            let left = Entry {
                organization_id: Some(previous),
                action,
                target_kind: "agent",
                target_id: Some(id.as_uuid()),
                target_label: &current.name,
                changes: changes(),
            };
            activity::record(&mut tx, workspace_id, &Author::of(actor), context, left).await?;
        }
        let joined = Entry {
            organization_id: Some(organization_id),
            action,
            target_kind: "agent",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes: changes(),
        };
        announce_configuration(&mut tx, workspace_id, &[id]).await?;
        activity::commit(tx, &permit, actor, context, joined).await?;
        self.wake_outbox();
        self.read_agent(workspace_id, id).await
    }

    /// Returns an agent to the pool.
    #[tracing::instrument(skip_all)]
    pub async fn unassign_agent(
        &self,
        actor: &Actor,
        id: AgentId,
        context: &RequestContext,
    ) -> Result<Agent, AppError> {
        let mut tx = self.db.begin().await?;
        let current = find_in(&mut tx, actor.workspace_id, id).await?;
        let permit = authorize(actor, Action::AssignAgent, &agent_resource(&current))?;
        let Some(organization_id) = current.organization_id() else {
            return Ok(current.into());
        };
        let at = Timestamp::now();
        if !agents::unassign(&mut tx, permit.workspace_id(), id, organization_id, at).await? {
            return Err(AppError::ChangedMeanwhile);
        }
        let entry = Entry {
            organization_id: Some(organization_id),
            action: "agent.unassigned",
            target_kind: "agent",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes: Changes::new().field(
                "organization",
                &current.organization_name,
                None::<String>,
            ),
        };
        announce_configuration(&mut tx, permit.workspace_id(), &[id]).await?;
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.wake_outbox();
        self.read_agent(permit.workspace_id(), id).await
    }

    async fn read_agent(&self, workspace_id: WorkspaceId, id: AgentId) -> Result<Agent, AppError> {
        Ok(self.agent_row(workspace_id, id).await?.into())
    }

    async fn agent_row(
        &self,
        workspace_id: WorkspaceId,
        id: AgentId,
    ) -> Result<AgentRow, AppError> {
        agents::find(&self.db, workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn organization_row(
        &self,
        workspace_id: WorkspaceId,
        id: OrganizationId,
    ) -> Result<clientele_store::clients::organizations::OrganizationRow, AppError> {
        clientele_store::clients::organizations::find(&self.db, workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
) -> Result<AgentRow, AppError> {
    agents::find_in(tx, workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn agent_resource(agent: &AgentRow) -> Resource {
    Resource::Agent {
        workspace_id: agent.workspace_id,
        id: agent.id,
    }
}

/// Stores a validated new agent, checking its avatar and external reference.
async fn insert(tx: &mut Tx, permit: &Permit, agent: &ValidAgent) -> Result<AgentId, AppError> {
    if let Some(avatar) = &agent.avatar_image_id {
        images::require(tx, "avatar_image_id", avatar).await?;
    }
    let id = AgentId::new();
    let name_key = fold_case(agent.name.as_str());
    agents::insert(
        tx,
        permit.workspace_id(),
        id,
        &agent.fields(&name_key),
        Timestamp::now(),
    )
    .await
    .map_err(reference_conflict)?;
    Ok(id)
}

/// Writes an agent's new fields and commits them with their activity entry, if any changed.
async fn update(
    mut tx: Tx,
    permit: &Permit,
    current: &AgentRow,
    agent: &ValidAgent,
    actor: &Actor,
    context: &RequestContext,
) -> Result<(), AppError> {
    let external_ref = agent.external_ref.as_ref().map(ExternalRef::as_str);
    let changes = Changes::new()
        .field("name", &current.name, agent.name.as_str())
        .field("kind", current.kind, agent.kind)
        .field(
            "description",
            &current.description,
            agent.description.as_str(),
        )
        .field(
            "avatar_image_id",
            &current.avatar_image_id,
            &agent.avatar_image_id,
        )
        .field("external_ref", &current.external_ref, external_ref);
    if changes.is_empty() {
        return Ok(());
    }
    if let Some(avatar) = agent
        .avatar_image_id
        .as_deref()
        .filter(|a| Some(*a) != current.avatar_image_id.as_deref())
    {
        images::require(&mut tx, "avatar_image_id", avatar).await?;
    }
    let name_key = fold_case(agent.name.as_str());
    let updated = agents::update(
        &mut tx,
        permit.workspace_id(),
        current.id,
        &agent.fields(&name_key),
        Timestamp::now(),
    )
    .await
    .map_err(reference_conflict)?;
    if !updated {
        return Err(AppError::NotFound);
    }
    let entry = Entry {
        organization_id: current.organization_id(),
        action: "agent.updated",
        target_kind: "agent",
        target_id: Some(current.id.as_uuid()),
        target_label: agent.name.as_str(),
        changes,
    };
    announce_configuration(&mut tx, permit.workspace_id(), &[current.id]).await?;
    activity::commit(tx, permit, actor, context, entry).await
}

fn created_entry(id: AgentId, agent: &ValidAgent) -> Entry<'_> {
    Entry {
        organization_id: None,
        action: "agent.created",
        target_kind: "agent",
        target_id: Some(id.as_uuid()),
        target_label: agent.name.as_str(),
        changes: Changes::new()
            .set("name", agent.name.as_str())
            .set("kind", agent.kind)
            .set(
                "external_ref",
                agent.external_ref.as_ref().map(ExternalRef::as_str),
            ),
    }
}

fn reference_conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { constraint } if constraint == agents::EXTERNAL_REF_CONSTRAINT => {
            AppError::Conflict {
                field: "external_ref",
                message: "another agent of this workspace has this external reference",
            }
        }
        other => other.into(),
    }
}
