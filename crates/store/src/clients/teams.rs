//! The teams and team_members tables: groups of an organization's users for human handoff.

use crate::clients::client_users::ClientUsers;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{ClientUserId, OrganizationId, TeamId, TeamRole, Timestamp, WorkspaceId};
use sea_query::{Alias, Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden, Clone, Copy)]
pub(crate) enum Teams {
    Table,
    Id,
    WorkspaceId,
    OrganizationId,
    Name,
    NameKey,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum TeamMembers {
    Table,
    TeamId,
    ClientUserId,
    Role,
    AddedAt,
}

/// The index that makes a team name one team per organization, regardless of case.
pub const NAME_CONSTRAINT: &str = "teams_organization_id_name_key_key";

/// A stored team and how many members it has.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TeamRow {
    #[sqlx(try_from = "Uuid")]
    pub id: TeamId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub organization_id: OrganizationId,
    pub name: String,
    pub name_key: String,
    pub description: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
    pub member_count: i64,
}

/// A team about to be stored.
#[derive(Debug)]
pub struct NewTeam<'a> {
    pub id: TeamId,
    pub workspace_id: WorkspaceId,
    pub organization_id: OrganizationId,
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: &'a str,
    pub created_at: Timestamp,
}

/// Stores a team; a taken name is `StoreError::Conflict` on [`NAME_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewTeam<'_>) -> Result<(), StoreError> {
    let at = new.created_at.unix_micros();
    let statement = Query::insert()
        .into_table(Teams::Table)
        .columns([
            Teams::Id,
            Teams::WorkspaceId,
            Teams::OrganizationId,
            Teams::Name,
            Teams::NameKey,
            Teams::Description,
            Teams::CreatedAt,
            Teams::UpdatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.organization_id.as_uuid().into(),
            new.name.into(),
            new.name_key.into(),
            new.description.into(),
            at.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// One team of the workspace.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: TeamId,
) -> Result<Option<TeamRow>, StoreError> {
    db.fetch_optional(&by_id(workspace_id, id)).await
}

/// One team of the workspace, read inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: TeamId,
) -> Result<Option<TeamRow>, StoreError> {
    tx.fetch_optional(&by_id(workspace_id, id)).await
}

/// Every team of an organization, by name.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<Vec<TeamRow>, StoreError> {
    let statement = of_organization(workspace_id, organization_id);
    db.fetch_all(&statement).await
}

/// Every team of an organization, read inside a write transaction.
pub async fn list_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<Vec<TeamRow>, StoreError> {
    let statement = of_organization(workspace_id, organization_id);
    tx.fetch_all(&statement).await
}

/// Renames or describes a team; returns whether it exists.
pub async fn update(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: TeamId,
    name: Option<(&str, &str)>,
    description: Option<&str>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let mut statement = Query::update()
        .table(Teams::Table)
        .value(Teams::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Teams::Id).eq(id.as_uuid()))
        .to_owned();
    if let Some((name, key)) = name {
        statement
            .value(Teams::Name, name)
            .value(Teams::NameKey, key);
    }
    if let Some(description) = description {
        statement.value(Teams::Description, description);
    }
    Ok(tx.execute(&statement).await? == 1)
}

/// Deletes a team and its memberships; returns whether it existed.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: TeamId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(Teams::Table)
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Teams::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Deletes every team of an organization.
pub async fn delete_for_organization(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(Teams::Table)
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Teams::OrganizationId).eq(organization_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

/// A user's place in a team.
#[derive(Clone, Debug)]
pub struct NewMembership {
    pub team_id: TeamId,
    pub client_user_id: ClientUserId,
    pub role: TeamRole,
    pub added_at: Timestamp,
}

/// Adds users to teams, or changes the role of those already in them.
pub async fn put_members(tx: &mut Tx, memberships: &[NewMembership]) -> Result<(), StoreError> {
    for chunk in memberships.chunks(500) {
        let mut statement = Query::insert()
            .into_table(TeamMembers::Table)
            .columns([
                TeamMembers::TeamId,
                TeamMembers::ClientUserId,
                TeamMembers::Role,
                TeamMembers::AddedAt,
            ])
            .on_conflict(
                OnConflict::columns([TeamMembers::TeamId, TeamMembers::ClientUserId])
                    .update_column(TeamMembers::Role)
                    .to_owned(),
            )
            .to_owned();
        for m in chunk {
            statement.values_panic([
                m.team_id.as_uuid().into(),
                m.client_user_id.as_uuid().into(),
                m.role.as_str().into(),
                m.added_at.unix_micros().into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

/// Takes a user out of a team; returns whether they were in it.
pub async fn remove_member(
    tx: &mut Tx,
    team_id: TeamId,
    client_user_id: ClientUserId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(TeamMembers::Table)
        .and_where(Expr::col(TeamMembers::TeamId).eq(team_id.as_uuid()))
        .and_where(Expr::col(TeamMembers::ClientUserId).eq(client_user_id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// One user's place in one team, with both names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MembershipRow {
    #[sqlx(try_from = "Uuid")]
    pub team_id: TeamId,
    pub team_name: String,
    #[sqlx(try_from = "Uuid")]
    pub client_user_id: ClientUserId,
    pub user_name: String,
    pub user_email: String,
    #[sqlx(try_from = "String")]
    pub role: TeamRole,
    #[sqlx(try_from = "i64")]
    pub added_at: Timestamp,
}

/// Whose places in which teams to read.
#[derive(Clone, Copy, Debug)]
pub enum Memberships<'a> {
    /// Every membership of an organization's teams.
    Organization(OrganizationId),
    /// The members of one team.
    Team(TeamId),
    /// The teams of the given users.
    Users(&'a [ClientUserId]),
}

/// Memberships in the workspace, by team name then user name.
pub async fn memberships(
    db: &Db,
    workspace_id: WorkspaceId,
    which: Memberships<'_>,
) -> Result<Vec<MembershipRow>, StoreError> {
    db.fetch_all(&memberships_query(workspace_id, which)).await
}

/// [`memberships`] inside a write transaction, which must not wait for a second connection.
pub async fn memberships_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    which: Memberships<'_>,
) -> Result<Vec<MembershipRow>, StoreError> {
    tx.fetch_all(&memberships_query(workspace_id, which)).await
}

fn memberships_query(workspace_id: WorkspaceId, which: Memberships<'_>) -> SelectStatement {
    let mut statement = Query::select()
        .column((TeamMembers::Table, TeamMembers::TeamId))
        .expr_as(
            Expr::col((Teams::Table, Teams::Name)),
            Alias::new("team_name"),
        )
        .column((TeamMembers::Table, TeamMembers::ClientUserId))
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::Name)),
            Alias::new("user_name"),
        )
        .expr_as(
            Expr::col((ClientUsers::Table, ClientUsers::Email)),
            Alias::new("user_email"),
        )
        .column((TeamMembers::Table, TeamMembers::Role))
        .column((TeamMembers::Table, TeamMembers::AddedAt))
        .from(TeamMembers::Table)
        .inner_join(
            Teams::Table,
            Expr::col((Teams::Table, Teams::Id)).equals((TeamMembers::Table, TeamMembers::TeamId)),
        )
        .inner_join(
            ClientUsers::Table,
            Expr::col((ClientUsers::Table, ClientUsers::Id))
                .equals((TeamMembers::Table, TeamMembers::ClientUserId)),
        )
        .and_where(Expr::col((Teams::Table, Teams::WorkspaceId)).eq(workspace_id.as_uuid()))
        .order_by((Teams::Table, Teams::NameKey), Order::Asc)
        .order_by((ClientUsers::Table, ClientUsers::NameKey), Order::Asc)
        .to_owned();
    match which {
        Memberships::Organization(id) => {
            statement.and_where(Expr::col((Teams::Table, Teams::OrganizationId)).eq(id.as_uuid()))
        }
        Memberships::Team(id) => {
            statement.and_where(Expr::col((Teams::Table, Teams::Id)).eq(id.as_uuid()))
        }
        Memberships::Users(users) => statement.and_where(
            Expr::col((TeamMembers::Table, TeamMembers::ClientUserId))
                .is_in(users.iter().map(|u| u.as_uuid())),
        ),
    };
    statement
}

fn of_organization(workspace_id: WorkspaceId, organization_id: OrganizationId) -> SelectStatement {
    scoped(workspace_id)
        .and_where(Expr::col((Teams::Table, Teams::OrganizationId)).eq(organization_id.as_uuid()))
        .order_by((Teams::Table, Teams::NameKey), Order::Asc)
        .to_owned()
}

fn by_id(workspace_id: WorkspaceId, id: TeamId) -> SelectStatement {
    scoped(workspace_id)
        .and_where(Expr::col((Teams::Table, Teams::Id)).eq(id.as_uuid()))
        .to_owned()
}

fn scoped(workspace_id: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(
            [
                Teams::Id,
                Teams::WorkspaceId,
                Teams::OrganizationId,
                Teams::Name,
                Teams::NameKey,
                Teams::Description,
                Teams::CreatedAt,
                Teams::UpdatedAt,
            ]
            .map(|c| (Teams::Table, c)),
        )
        .expr_as(
            Expr::cust("(SELECT count(*) FROM team_members m WHERE m.team_id = teams.id)"),
            Alias::new("member_count"),
        )
        .from(Teams::Table)
        .and_where(Expr::col((Teams::Table, Teams::WorkspaceId)).eq(workspace_id.as_uuid()))
        .to_owned()
}
