//! The client_users table: the people of a client organization who use the dashboard, and
//! the agents each may use when their access is a chosen subset.

use crate::clients::agents::Agents;
use crate::clients::teams::TeamMembers;
use crate::db::{Count, Db, Tx};
use crate::error::StoreError;
use clientele_domain::{
    AgentAccess, AgentId, ClientUserId, ClientUserStatus, Email, OrganizationId, Permission,
    Permissions, TeamId, Timestamp, WorkspaceId,
};
use sea_query::{
    Alias, Cond, Expr, ExprTrait, Iden, Order, Query, SelectStatement, SimpleExpr, Value,
};
use uuid::Uuid;

#[derive(Iden, Clone, Copy)]
pub(crate) enum ClientUsers {
    Table,
    Id,
    WorkspaceId,
    OrganizationId,
    Email,
    Name,
    NameKey,
    PasswordHash,
    Permissions,
    Status,
    ImageId,
    AgentAccess,
    LastSignInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum ClientUserAgents {
    Table,
    ClientUserId,
    AgentId,
}

const COLUMNS: [ClientUsers; 14] = [
    ClientUsers::Id,
    ClientUsers::WorkspaceId,
    ClientUsers::OrganizationId,
    ClientUsers::Email,
    ClientUsers::Name,
    ClientUsers::NameKey,
    ClientUsers::PasswordHash,
    ClientUsers::Permissions,
    ClientUsers::Status,
    ClientUsers::ImageId,
    ClientUsers::AgentAccess,
    ClientUsers::LastSignInAt,
    ClientUsers::CreatedAt,
    ClientUsers::UpdatedAt,
];

/// The constraint that makes an email one login within a workspace.
pub const EMAIL_CONSTRAINT: &str = "client_users_workspace_id_email_key";

/// A stored client user, password hash included; never serialise it as is.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientUserRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientUserId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    pub name_key: String,
    pub password_hash: Option<String>,
    pub permissions: i64,
    #[sqlx(try_from = "String")]
    pub status: ClientUserStatus,
    pub image_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub agent_access: AgentAccess,
    pub last_sign_in_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

impl ClientUserRow {
    pub fn permissions(&self) -> Permissions {
        Permissions::from_bits(u16::try_from(self.permissions).unwrap_or_default())
    }

    /// When the user last signed in, if ever.
    pub fn last_sign_in_at(&self) -> Option<Timestamp> {
        self.last_sign_in_at
            .and_then(|m| Timestamp::try_from(m).ok())
    }
}

/// A client user about to be stored.
#[derive(Debug)]
pub struct NewClientUser<'a> {
    pub id: ClientUserId,
    pub workspace_id: WorkspaceId,
    pub organization_id: OrganizationId,
    pub email: &'a Email,
    pub name: &'a str,
    pub name_key: &'a str,
    pub password_hash: Option<&'a str>,
    pub permissions: Permissions,
    pub status: ClientUserStatus,
    pub image_id: Option<&'a str>,
    pub agent_access: AgentAccess,
    pub created_at: Timestamp,
}

impl NewClientUser<'_> {
    fn values(&self) -> [SimpleExpr; 14] {
        let at = self.created_at.unix_micros();
        [
            self.id.as_uuid().into(),
            self.workspace_id.as_uuid().into(),
            self.organization_id.as_uuid().into(),
            self.email.as_str().into(),
            self.name.into(),
            self.name_key.into(),
            self.password_hash.map(str::to_owned).into(),
            i64::from(self.permissions.bits()).into(),
            self.status.as_str().into(),
            self.image_id.map(str::to_owned).into(),
            self.agent_access.as_str().into(),
            Value::BigInt(None).into(),
            at.into(),
            at.into(),
        ]
    }
}

/// Stores a client user; a taken email is `StoreError::Conflict` on [`EMAIL_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewClientUser<'_>) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(new)).await
}

/// Stores many client users with few statements (an import).
pub async fn insert_many(tx: &mut Tx, users: &[NewClientUser<'_>]) -> Result<(), StoreError> {
    // 500 rows x 14 values stays under SQLite's limit of bound parameters.
    for chunk in users.chunks(500) {
        let mut statement = Query::insert()
            .into_table(ClientUsers::Table)
            .columns(COLUMNS)
            .to_owned();
        for user in chunk {
            statement.values_panic(user.values());
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

/// The user signing in to `workspace_id`'s dashboard with `email`.
pub async fn find_by_email(
    db: &Db,
    workspace_id: WorkspaceId,
    email: &Email,
) -> Result<Option<ClientUserRow>, StoreError> {
    let statement = scoped(workspace_id)
        .and_where(Expr::col(ClientUsers::Email).eq(email.as_str()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// One user of the workspace.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: ClientUserId,
) -> Result<Option<ClientUserRow>, StoreError> {
    db.fetch_optional(&by_id(workspace_id, id)).await
}

/// One user of the workspace, read inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
) -> Result<Option<ClientUserRow>, StoreError> {
    tx.fetch_optional(&by_id(workspace_id, id)).await
}

/// The order of a list of users, and where its previous page ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientUserOrder {
    /// By case-folded name, after the given name key and id.
    Name { after: Option<(String, Uuid)> },
    /// By email, after the given email and id.
    Email { after: Option<(String, Uuid)> },
}

/// Which users to list.
#[derive(Clone, Debug)]
pub struct ClientUserQuery {
    pub organization_id: Option<OrganizationId>,
    /// Case-folded text the name or the email must contain.
    pub search: Option<String>,
    /// Lowercase text the email must start with.
    pub email_prefix: Option<String>,
    pub permission: Option<Permission>,
    pub status: Option<ClientUserStatus>,
    pub team_id: Option<TeamId>,
    pub order: ClientUserOrder,
    pub limit: u64,
}

/// A page of the workspace's users.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    query: &ClientUserQuery,
) -> Result<Vec<ClientUserRow>, StoreError> {
    let mut statement = scoped(workspace_id);
    if let Some(organization_id) = query.organization_id {
        statement.and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()));
    }
    if let Some(search) = &query.search {
        statement.cond_where(
            Cond::any()
                .add(crate::like::contains(ClientUsers::NameKey, search))
                .add(crate::like::contains(ClientUsers::Email, search)),
        );
    }
    if let Some(prefix) = &query.email_prefix {
        // A range rather than LIKE, so both databases walk the (workspace, email) index.
        statement
            .and_where(Expr::col(ClientUsers::Email).gte(prefix.as_str()))
            .and_where(Expr::col(ClientUsers::Email).lt(format!("{prefix}\u{10FFFF}")));
    }
    if let Some(permission) = query.permission {
        let bit = i64::from(Permissions::from_iter([permission]).bits());
        statement.and_where(Expr::col(ClientUsers::Permissions).bit_and(bit).ne(0));
    }
    if let Some(status) = query.status {
        statement.and_where(Expr::col(ClientUsers::Status).eq(status.as_str()));
    }
    if let Some(team_id) = query.team_id {
        statement.and_where(
            Expr::col(ClientUsers::Id).in_subquery(
                Query::select()
                    .column(TeamMembers::ClientUserId)
                    .from(TeamMembers::Table)
                    .and_where(Expr::col(TeamMembers::TeamId).eq(team_id.as_uuid()))
                    .to_owned(),
            ),
        );
    }
    let (key, after) = match &query.order {
        ClientUserOrder::Name { after } => (ClientUsers::NameKey, after),
        ClientUserOrder::Email { after } => (ClientUsers::Email, after),
    };
    if let Some((last_key, last_id)) = after {
        statement.cond_where(
            Cond::any().add(Expr::col(key).gt(last_key.as_str())).add(
                Cond::all()
                    .add(Expr::col(key).eq(last_key.as_str()))
                    .add(Expr::col(ClientUsers::Id).gt(*last_id)),
            ),
        );
    }
    statement
        .order_by(key, Order::Asc)
        .order_by(ClientUsers::Id, Order::Asc)
        .limit(query.limit);
    db.fetch_all(&statement).await
}

/// Every user of an organization, by name.
pub async fn all_of_organization(
    db: &Db,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<Vec<ClientUserRow>, StoreError> {
    let statement = scoped(workspace_id)
        .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
        .order_by(ClientUsers::NameKey, Order::Asc)
        .order_by(ClientUsers::Id, Order::Asc)
        .to_owned();
    db.fetch_all(&statement).await
}

/// The fields to change; only those given are written.
#[derive(Clone, Debug, Default)]
pub struct ClientUserChange<'a> {
    /// The new name and its case-folded key.
    pub name: Option<(&'a str, &'a str)>,
    pub email: Option<&'a Email>,
    pub password_hash: Option<&'a str>,
    pub permissions: Option<Permissions>,
    pub status: Option<ClientUserStatus>,
    /// The new profile image, or `Some(None)` to remove it.
    pub image_id: Option<Option<&'a str>>,
    pub agent_access: Option<AgentAccess>,
}

/// Writes the given fields of a user; returns whether the user exists.
pub async fn update(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
    change: &ClientUserChange<'_>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let mut statement = Query::update()
        .table(ClientUsers::Table)
        .value(ClientUsers::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned();
    if let Some((name, key)) = change.name {
        statement
            .value(ClientUsers::Name, name)
            .value(ClientUsers::NameKey, key);
    }
    if let Some(email) = change.email {
        statement.value(ClientUsers::Email, email.as_str());
    }
    if let Some(hash) = change.password_hash {
        statement.value(ClientUsers::PasswordHash, hash);
    }
    if let Some(permissions) = change.permissions {
        statement.value(ClientUsers::Permissions, i64::from(permissions.bits()));
    }
    if let Some(status) = change.status {
        statement.value(ClientUsers::Status, status.as_str());
    }
    if let Some(image_id) = change.image_id {
        statement.value(ClientUsers::ImageId, image_id.map(str::to_owned));
    }
    if let Some(access) = change.agent_access {
        statement.value(ClientUsers::AgentAccess, access.as_str());
    }
    Ok(tx.execute(&statement).await? == 1)
}

/// Replaces a user's password hash (after a change of hashing parameters).
pub async fn set_password_hash(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
    hash: &str,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(ClientUsers::Table)
        .value(ClientUsers::PasswordHash, hash)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Notes a successful sign-in, for the access review.
pub async fn record_sign_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
    at: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(ClientUsers::Table)
        .value(ClientUsers::LastSignInAt, at.unix_micros())
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Deletes a user; their sessions, agent choices and team places go with them. Returns
/// whether the user existed.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: ClientUserId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(ClientUsers::Table)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Deletes every user of an organization; their sessions go with them.
pub async fn delete_for_organization(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(ClientUsers::Table)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

/// How many users of an organization hold `org_admin` and are not disabled.
pub async fn count_org_admins(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<i64, StoreError> {
    let bit = i64::from(Permissions::from_iter([Permission::OrgAdmin]).bits());
    let statement = Query::select()
        .expr_as(Expr::cust("count(*)"), Alias::new("count"))
        .from(ClientUsers::Table)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Permissions).bit_and(bit).ne(0))
        .and_where(Expr::col(ClientUsers::Status).ne(ClientUserStatus::Disabled.as_str()))
        .to_owned();
    let row: Option<Count> = tx.fetch_optional(&statement).await?;
    Ok(row.map_or(0, |r| r.count))
}

/// Takes from every user of an organization the sections its plan no longer has; returns
/// how many users lost one.
pub async fn restrict_to_plan(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
    plan: Permissions,
) -> Result<u64, StoreError> {
    let keep = i64::from(
        plan.iter()
            .chain([Permission::OrgAdmin])
            .collect::<Permissions>()
            .bits(),
    );
    let outside = i64::from(
        Permissions::from_iter(Permission::ALL)
            .without(Permissions::from_bits(
                u16::try_from(keep).unwrap_or_default(),
            ))
            .bits(),
    );
    let statement = Query::update()
        .table(ClientUsers::Table)
        .value(
            ClientUsers::Permissions,
            Expr::col(ClientUsers::Permissions).bit_and(keep),
        )
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
        .and_where(Expr::col(ClientUsers::Permissions).bit_and(outside).ne(0))
        .to_owned();
    tx.execute(&statement).await
}

#[derive(sqlx::FromRow)]
struct EmailRow {
    email: String,
}

/// Which of `emails` already belong to a user of the workspace.
pub async fn taken_emails(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    emails: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut taken = Vec::new();
    for chunk in emails.chunks(500) {
        let statement = Query::select()
            .column(ClientUsers::Email)
            .from(ClientUsers::Table)
            .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
            .and_where(Expr::col(ClientUsers::Email).is_in(chunk.iter().map(String::as_str)))
            .to_owned();
        let rows: Vec<EmailRow> = tx.fetch_all(&statement).await?;
        taken.extend(rows.into_iter().map(|r| r.email));
    }
    Ok(taken)
}

/// One agent a user with `selected` access may use.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AgentGrantRow {
    #[sqlx(try_from = "Uuid")]
    pub client_user_id: ClientUserId,
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
}

/// Replaces the agents a user may use.
pub async fn set_agents(
    tx: &mut Tx,
    id: ClientUserId,
    agents: &[AgentId],
) -> Result<(), StoreError> {
    let clear = Query::delete()
        .from_table(ClientUserAgents::Table)
        .and_where(Expr::col(ClientUserAgents::ClientUserId).eq(id.as_uuid()))
        .to_owned();
    tx.execute(&clear).await?;
    if agents.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(ClientUserAgents::Table)
        .columns([ClientUserAgents::ClientUserId, ClientUserAgents::AgentId])
        .to_owned();
    for agent in agents {
        insert.values_panic([id.as_uuid().into(), agent.as_uuid().into()]);
    }
    tx.execute(&insert).await?;
    Ok(())
}

/// Takes an agent out of every user's chosen agents: it has left their organization.
pub async fn revoke_agent(tx: &mut Tx, agent_id: AgentId) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(ClientUserAgents::Table)
        .and_where(Expr::col(ClientUserAgents::AgentId).eq(agent_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await
}

/// The chosen agents of the given users, or of all an organization's users; only agents
/// still assigned to the user's organization count.
pub async fn agent_grants(
    db: &Db,
    workspace_id: WorkspaceId,
    organization_id: Option<OrganizationId>,
    users: Option<&[ClientUserId]>,
) -> Result<Vec<AgentGrantRow>, StoreError> {
    db.fetch_all(&agent_grants_query(workspace_id, organization_id, users))
        .await
}

/// The chosen agents of the given users, inside a write transaction.
pub async fn agent_grants_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    users: &[ClientUserId],
) -> Result<Vec<AgentGrantRow>, StoreError> {
    tx.fetch_all(&agent_grants_query(workspace_id, None, Some(users)))
        .await
}

fn agent_grants_query(
    workspace_id: WorkspaceId,
    organization_id: Option<OrganizationId>,
    users: Option<&[ClientUserId]>,
) -> SelectStatement {
    let (grant_user, grant_agent) = (
        (ClientUserAgents::Table, ClientUserAgents::ClientUserId),
        (ClientUserAgents::Table, ClientUserAgents::AgentId),
    );
    // The tenant and the agent's organization are checked per grant in a correlated
    // subquery, so both databases start from the few grants asked for rather than from
    // every user of the workspace.
    let still_held = Query::select()
        .expr(Expr::val(1))
        .from(ClientUsers::Table)
        .inner_join(
            Agents::Table,
            Expr::col((Agents::Table, Agents::OrganizationId))
                .equals((ClientUsers::Table, ClientUsers::OrganizationId)),
        )
        .and_where(Expr::col((ClientUsers::Table, ClientUsers::Id)).equals(grant_user))
        .and_where(Expr::col((Agents::Table, Agents::Id)).equals(grant_agent))
        .and_where(
            Expr::col((ClientUsers::Table, ClientUsers::WorkspaceId)).eq(workspace_id.as_uuid()),
        )
        .to_owned();
    let mut statement = Query::select()
        .columns([grant_user, grant_agent])
        .from(ClientUserAgents::Table)
        .and_where(Expr::exists(still_held))
        .order_by(grant_agent, Order::Asc)
        .to_owned();
    if let Some(organization_id) = organization_id {
        statement.and_where(
            Expr::col(grant_user).in_subquery(
                Query::select()
                    .column(ClientUsers::Id)
                    .from(ClientUsers::Table)
                    .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
                    .and_where(Expr::col(ClientUsers::OrganizationId).eq(organization_id.as_uuid()))
                    .to_owned(),
            ),
        );
    }
    if let Some(users) = users {
        statement.and_where(Expr::col(grant_user).is_in(users.iter().map(|u| u.as_uuid())));
    }
    statement
}

fn by_id(workspace_id: WorkspaceId, id: ClientUserId) -> SelectStatement {
    scoped(workspace_id)
        .and_where(Expr::col(ClientUsers::Id).eq(id.as_uuid()))
        .to_owned()
}

fn scoped(workspace_id: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(ClientUsers::Table)
        .and_where(Expr::col(ClientUsers::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned()
}
