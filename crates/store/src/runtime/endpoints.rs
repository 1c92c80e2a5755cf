//! The runtime_endpoints table: each agent's webhook URL and sealed signing secret, the
//! sequence of its webhook events, and the configuration its runtime was last told about.
//! A row exists once the agent is connected (a runtime key issued or a webhook set).

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{AgentId, OrganizationId, Timestamp, WorkspaceId};
use sea_query::{Alias, Expr, ExprTrait, Iden, OnConflict, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum RuntimeEndpoints {
    Table,
    AgentId,
    WorkspaceId,
    Url,
    Secret,
    PreviousSecret,
    PreviousExpiresAt,
    LastSequence,
    AnnouncedEtag,
    AnnouncedStop,
    UpdatedAt,
}

/// A connected agent's endpoint; the secrets are sealed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndpointRow {
    #[sqlx(try_from = "Uuid")]
    pub agent_id: AgentId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub url: Option<String>,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_expires_at: Option<i64>,
    pub last_sequence: i64,
    pub announced_etag: Option<String>,
    pub announced_stop: Option<String>,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

/// An endpoint about to be created, with what the runtime can be assumed to know already.
#[derive(Debug)]
pub struct NewEndpoint<'a> {
    pub agent_id: AgentId,
    pub workspace_id: WorkspaceId,
    pub secret: &'a [u8],
    pub announced_etag: &'a str,
    pub announced_stop: Option<&'a str>,
    pub now: Timestamp,
}

/// Creates the agent's endpoint unless it has one; returns whether it was created.
pub async fn create(tx: &mut Tx, new: &NewEndpoint<'_>) -> Result<bool, StoreError> {
    let statement = Query::insert()
        .into_table(RuntimeEndpoints::Table)
        .columns([
            RuntimeEndpoints::AgentId,
            RuntimeEndpoints::WorkspaceId,
            RuntimeEndpoints::Secret,
            RuntimeEndpoints::AnnouncedEtag,
            RuntimeEndpoints::AnnouncedStop,
            RuntimeEndpoints::UpdatedAt,
        ])
        .values_panic([
            new.agent_id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.secret.to_vec().into(),
            new.announced_etag.into(),
            new.announced_stop.into(),
            new.now.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::column(RuntimeEndpoints::AgentId)
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
) -> Result<Option<EndpointRow>, StoreError> {
    db.fetch_optional(&of_agent(workspace_id, agent_id)).await
}

pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
) -> Result<Option<EndpointRow>, StoreError> {
    tx.fetch_optional(&of_agent(workspace_id, agent_id)).await
}

/// Sets (or clears) where the agent's webhook events are sent.
pub async fn set_url(
    tx: &mut Tx,
    agent_id: AgentId,
    url: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(RuntimeEndpoints::Table)
        .value(RuntimeEndpoints::Url, url)
        .value(RuntimeEndpoints::UpdatedAt, now.unix_micros())
        .and_where(Expr::col(RuntimeEndpoints::AgentId).eq(agent_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Replaces the signing secret; the one it replaces signs too until `previous_until`.
pub async fn rotate_secret(
    tx: &mut Tx,
    agent_id: AgentId,
    secret: &[u8],
    previous_until: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(RuntimeEndpoints::Table)
        .value(
            RuntimeEndpoints::PreviousSecret,
            Expr::col(RuntimeEndpoints::Secret),
        )
        .value(
            RuntimeEndpoints::PreviousExpiresAt,
            previous_until.unix_micros(),
        )
        .value(RuntimeEndpoints::Secret, secret.to_vec())
        .value(RuntimeEndpoints::UpdatedAt, now.unix_micros())
        .and_where(Expr::col(RuntimeEndpoints::AgentId).eq(agent_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Sequence {
    last_sequence: i64,
}

/// Takes the agent's next event sequence number. The row stays locked until the transaction
/// ends, so another transaction's event for the agent waits and commits after this one.
pub async fn next_sequence(tx: &mut Tx, agent_id: AgentId) -> Result<Option<i64>, StoreError> {
    let statement = Query::update()
        .table(RuntimeEndpoints::Table)
        .value(
            RuntimeEndpoints::LastSequence,
            Expr::col(RuntimeEndpoints::LastSequence).add(1),
        )
        .and_where(Expr::col(RuntimeEndpoints::AgentId).eq(agent_id.as_uuid()))
        .returning_col(RuntimeEndpoints::LastSequence)
        .to_owned();
    let row: Option<Sequence> = tx.fetch_optional(&statement).await?;
    Ok(row.map(|row| row.last_sequence))
}

/// Notes the configuration the runtime has now been told about.
pub async fn record_announcement(
    tx: &mut Tx,
    agent_id: AgentId,
    etag: &str,
    stop: Option<&str>,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(RuntimeEndpoints::Table)
        .value(RuntimeEndpoints::AnnouncedEtag, etag)
        .value(RuntimeEndpoints::AnnouncedStop, stop)
        .and_where(Expr::col(RuntimeEndpoints::AgentId).eq(agent_id.as_uuid()))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Connected {
    #[sqlx(try_from = "Uuid")]
    agent_id: AgentId,
}

/// The connected agents the organization has, as the transaction sees it.
pub async fn of_organization_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    organization_id: OrganizationId,
) -> Result<Vec<AgentId>, StoreError> {
    let agents = Alias::new("agents");
    let statement = Query::select()
        .column((RuntimeEndpoints::Table, RuntimeEndpoints::AgentId))
        .from(RuntimeEndpoints::Table)
        .inner_join(
            agents.clone(),
            Expr::col((agents.clone(), Alias::new("id")))
                .equals((RuntimeEndpoints::Table, RuntimeEndpoints::AgentId)),
        )
        .and_where(
            Expr::col((RuntimeEndpoints::Table, RuntimeEndpoints::WorkspaceId))
                .eq(workspace_id.as_uuid()),
        )
        .and_where(Expr::col((agents, Alias::new("organization_id"))).eq(organization_id.as_uuid()))
        .to_owned();
    let rows: Vec<Connected> = tx.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|row| row.agent_id).collect())
}

fn of_agent(workspace_id: WorkspaceId, agent_id: AgentId) -> SelectStatement {
    Query::select()
        .columns([
            RuntimeEndpoints::AgentId,
            RuntimeEndpoints::WorkspaceId,
            RuntimeEndpoints::Url,
            RuntimeEndpoints::Secret,
            RuntimeEndpoints::PreviousSecret,
            RuntimeEndpoints::PreviousExpiresAt,
            RuntimeEndpoints::LastSequence,
            RuntimeEndpoints::AnnouncedEtag,
            RuntimeEndpoints::AnnouncedStop,
            RuntimeEndpoints::UpdatedAt,
        ])
        .from(RuntimeEndpoints::Table)
        .and_where(Expr::col(RuntimeEndpoints::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(RuntimeEndpoints::AgentId).eq(agent_id.as_uuid()))
        .to_owned()
}
