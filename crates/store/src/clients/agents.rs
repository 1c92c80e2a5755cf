//! The agents table: the workspace's pool of AI agents, each in at most one organization.

use crate::clients::organizations::Organizations;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{AgentId, AgentKind, OrganizationId, Timestamp, WorkspaceId};
use sea_query::{Cond, Expr, ExprTrait, Iden, JoinType, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden, Clone, Copy)]
pub(crate) enum Agents {
    Table,
    Id,
    WorkspaceId,
    OrganizationId,
    Name,
    NameKey,
    Kind,
    Description,
    AvatarImageId,
    ExternalRef,
    CreatedAt,
    UpdatedAt,
}

/// The constraint that makes an external reference one agent per workspace.
pub const EXTERNAL_REF_CONSTRAINT: &str = "agents_workspace_id_external_ref_key";

/// A stored agent, with the name of the organization it is assigned to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AgentRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AgentId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub organization_id: Option<Uuid>,
    pub organization_name: Option<String>,
    pub name: String,
    pub name_key: String,
    #[sqlx(try_from = "String")]
    pub kind: AgentKind,
    pub description: String,
    pub avatar_image_id: Option<String>,
    pub external_ref: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

impl AgentRow {
    pub fn organization_id(&self) -> Option<OrganizationId> {
        self.organization_id.map(OrganizationId::from)
    }
}

/// An agent's editable fields, as stored.
#[derive(Clone, Debug)]
pub struct AgentFields<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub kind: AgentKind,
    pub description: &'a str,
    pub avatar_image_id: Option<&'a str>,
    pub external_ref: Option<&'a str>,
}

/// Which agents to list, in order of name.
#[derive(Clone, Debug, Default)]
pub struct AgentQuery {
    /// Case-folded text the name must contain.
    pub search: Option<String>,
    /// Only agents in the pool (`false`) or only assigned ones (`true`).
    pub assigned: Option<bool>,
    pub organization_id: Option<OrganizationId>,
    /// The last row of the previous page: its name key and id.
    pub after: Option<(String, Uuid)>,
    pub limit: u64,
}

/// Stores a new agent, in the pool; a taken external reference is `StoreError::Conflict` on
/// [`EXTERNAL_REF_CONSTRAINT`].
pub async fn insert(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
    fields: &AgentFields<'_>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Agents::Table)
        .columns([
            Agents::Id,
            Agents::WorkspaceId,
            Agents::Name,
            Agents::NameKey,
            Agents::Kind,
            Agents::Description,
            Agents::AvatarImageId,
            Agents::ExternalRef,
            Agents::CreatedAt,
            Agents::UpdatedAt,
        ])
        .values_panic([
            id.as_uuid().into(),
            workspace_id.as_uuid().into(),
            fields.name.into(),
            fields.name_key.into(),
            fields.kind.as_str().into(),
            fields.description.into(),
            fields.avatar_image_id.map(str::to_owned).into(),
            fields.external_ref.map(str::to_owned).into(),
            at.unix_micros().into(),
            at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Replaces an agent's editable fields; returns whether the agent exists.
pub async fn update(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
    fields: &AgentFields<'_>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Agents::Table)
        .value(Agents::Name, fields.name)
        .value(Agents::NameKey, fields.name_key)
        .value(Agents::Kind, fields.kind.as_str())
        .value(Agents::Description, fields.description)
        .value(
            Agents::AvatarImageId,
            fields.avatar_image_id.map(str::to_owned),
        )
        .value(Agents::ExternalRef, fields.external_ref.map(str::to_owned))
        .value(Agents::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// An agent of `workspace_id`.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: AgentId,
) -> Result<Option<AgentRow>, StoreError> {
    db.fetch_optional(&by_id(workspace_id, id)).await
}

/// An agent of `workspace_id`, read inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
) -> Result<Option<AgentRow>, StoreError> {
    tx.fetch_optional(&by_id(workspace_id, id)).await
}

/// The agent of `workspace_id` known to the agent runtime as `external_ref`.
pub async fn find_by_external_ref_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    external_ref: &str,
) -> Result<Option<AgentRow>, StoreError> {
    let statement = scoped(workspace_id)
        .and_where(Expr::col((Agents::Table, Agents::ExternalRef)).eq(external_ref))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// A page of the workspace's agents.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    query: &AgentQuery,
) -> Result<Vec<AgentRow>, StoreError> {
    let (name_key, id) = (
        (Agents::Table, Agents::NameKey),
        (Agents::Table, Agents::Id),
    );
    let organization = (Agents::Table, Agents::OrganizationId);
    let mut statement = scoped(workspace_id);
    if let Some(search) = &query.search {
        statement.and_where(crate::like::contains(name_key, search));
    }
    match query.assigned {
        Some(true) => statement.and_where(Expr::col(organization).is_not_null()),
        Some(false) => statement.and_where(Expr::col(organization).is_null()),
        None => &mut statement,
    };
    if let Some(organization_id) = query.organization_id {
        statement.and_where(Expr::col(organization).eq(organization_id.as_uuid()));
    }
    if let Some((key, last)) = &query.after {
        statement.cond_where(
            Cond::any().add(Expr::col(name_key).gt(key.as_str())).add(
                Cond::all()
                    .add(Expr::col(name_key).eq(key.as_str()))
                    .add(Expr::col(id).gt(*last)),
            ),
        );
    }
    statement
        .order_by(name_key, Order::Asc)
        .order_by(id, Order::Asc)
        .limit(query.limit);
    db.fetch_all(&statement).await
}

/// The agents assigned to any of `organizations`, by name, at most `limit` of them (the
/// Clients view shows a page of organizations with their agents in one query).
pub async fn of_organizations(
    db: &Db,
    workspace_id: WorkspaceId,
    organizations: &[OrganizationId],
    limit: u64,
) -> Result<Vec<AgentRow>, StoreError> {
    if organizations.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = scoped(workspace_id);
    statement
        .and_where(
            Expr::col((Agents::Table, Agents::OrganizationId))
                .is_in(organizations.iter().map(|id| id.as_uuid())),
        )
        .order_by((Agents::Table, Agents::NameKey), Order::Asc)
        .order_by((Agents::Table, Agents::Id), Order::Asc)
        .limit(limit);
    db.fetch_all(&statement).await
}

/// Assigns an agent to `organization_id` if it is still where the caller saw it (`expected`:
/// an organization, or the pool); returns whether it was. One statement checks and writes, so
/// of concurrent assignments exactly one wins. An agent that leaves an organization leaves its
/// users' chosen agents.
pub async fn assign(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
    organization_id: OrganizationId,
    expected: Option<OrganizationId>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let mut statement = Query::update()
        .table(Agents::Table)
        .value(Agents::OrganizationId, organization_id.as_uuid())
        .value(Agents::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::Id).eq(id.as_uuid()))
        .to_owned();
    match expected {
        Some(expected) => {
            statement.and_where(Expr::col(Agents::OrganizationId).eq(expected.as_uuid()))
        }
        None => statement.and_where(Expr::col(Agents::OrganizationId).is_null()),
    };
    let assigned = tx.execute(&statement).await? == 1;
    if assigned && expected.is_some_and(|from| from != organization_id) {
        crate::clients::client_users::revoke_agent(tx, id).await?;
    }
    Ok(assigned)
}

/// Returns an agent to the pool if it is still in `expected`, and out of its users' chosen
/// agents; returns whether it was.
pub async fn unassign(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
    expected: OrganizationId,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Agents::Table)
        .value(Agents::OrganizationId, None::<Uuid>)
        .value(Agents::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Agents::OrganizationId).eq(expected.as_uuid()))
        .to_owned();
    let unassigned = tx.execute(&statement).await? == 1;
    if unassigned {
        crate::clients::client_users::revoke_agent(tx, id).await?;
    }
    Ok(unassigned)
}

/// Returns every agent of an organization to the pool; returns how many there were.
pub async fn unassign_all(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
    at: Timestamp,
) -> Result<u64, StoreError> {
    let statement = Query::update()
        .table(Agents::Table)
        .value(Agents::OrganizationId, None::<Uuid>)
        .value(Agents::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::OrganizationId).eq(organization_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

/// Deletes an agent; returns whether it existed.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(Agents::Table)
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

fn by_id(workspace_id: WorkspaceId, id: AgentId) -> SelectStatement {
    scoped(workspace_id)
        .and_where(Expr::col((Agents::Table, Agents::Id)).eq(id.as_uuid()))
        .to_owned()
}

fn scoped(workspace_id: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(
            [
                Agents::Id,
                Agents::WorkspaceId,
                Agents::OrganizationId,
                Agents::Name,
                Agents::NameKey,
                Agents::Kind,
                Agents::Description,
                Agents::AvatarImageId,
                Agents::ExternalRef,
                Agents::CreatedAt,
                Agents::UpdatedAt,
            ]
            .map(|column| (Agents::Table, column)),
        )
        .expr_as(
            Expr::col((Organizations::Table, Organizations::Name)),
            sea_query::Alias::new("organization_name"),
        )
        .from(Agents::Table)
        .join(
            JoinType::LeftJoin,
            Organizations::Table,
            Expr::col((Organizations::Table, Organizations::Id))
                .equals((Agents::Table, Agents::OrganizationId)),
        )
        .and_where(Expr::col((Agents::Table, Agents::WorkspaceId)).eq(workspace_id.as_uuid()))
        .to_owned()
}

/// Confirms an agent is assigned to `organization_id` and keeps it there until the
/// transaction ends: a concurrent move waits, then clears what this transaction granted.
pub async fn hold(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: AgentId,
    organization_id: OrganizationId,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Agents::Table)
        .value(Agents::Id, Expr::col(Agents::Id))
        .and_where(Expr::col(Agents::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Agents::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Agents::OrganizationId).eq(organization_id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}
