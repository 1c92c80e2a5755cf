//! The runtime_events table: every event id a runtime delivered for an agent, with a digest
//! of its content, so a repeated delivery changes nothing and a reused id is caught.

use crate::db::Tx;
use crate::error::StoreError;
use clientele_domain::{AgentId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};
use std::collections::{HashMap, HashSet};

#[derive(Iden)]
enum RuntimeEvents {
    Table,
    AgentId,
    EventId,
    WorkspaceId,
    Kind,
    Digest,
    ReceivedAt,
}

/// An event about to be recorded.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub digest: &'a [u8],
    pub received_at: Timestamp,
}

/// Records each event whose id the agent has not delivered before, in one statement; returns
/// the ids recorded now.
pub async fn claim_all(tx: &mut Tx, new: &[NewEvent<'_>]) -> Result<HashSet<String>, StoreError> {
    if new.is_empty() {
        return Ok(HashSet::new());
    }
    let mut insert = Query::insert()
        .into_table(RuntimeEvents::Table)
        .columns([
            RuntimeEvents::AgentId,
            RuntimeEvents::EventId,
            RuntimeEvents::WorkspaceId,
            RuntimeEvents::Kind,
            RuntimeEvents::Digest,
            RuntimeEvents::ReceivedAt,
        ])
        .on_conflict(
            OnConflict::columns([RuntimeEvents::AgentId, RuntimeEvents::EventId])
                .do_nothing()
                .to_owned(),
        )
        .returning_col(RuntimeEvents::EventId)
        .to_owned();
    for event in new {
        insert.values_panic([
            event.agent_id.as_uuid().into(),
            event.event_id.into(),
            event.workspace_id.as_uuid().into(),
            event.kind.into(),
            event.digest.to_vec().into(),
            event.received_at.unix_micros().into(),
        ]);
    }
    let recorded: Vec<Recorded> = tx.fetch_all(&insert).await?;
    Ok(recorded.into_iter().map(|r| r.event_id).collect())
}

/// The digests of the agent's earlier events among `event_ids`, by id.
pub async fn digests(
    tx: &mut Tx,
    agent_id: AgentId,
    event_ids: &[&str],
) -> Result<HashMap<String, Vec<u8>>, StoreError> {
    if event_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = Query::select()
        .columns([RuntimeEvents::EventId, RuntimeEvents::Digest])
        .from(RuntimeEvents::Table)
        .and_where(Expr::col(RuntimeEvents::AgentId).eq(agent_id.as_uuid()))
        .and_where(Expr::col(RuntimeEvents::EventId).is_in(event_ids.iter().copied()))
        .to_owned();
    let rows: Vec<Delivered> = tx.fetch_all(&select).await?;
    Ok(rows.into_iter().map(|r| (r.event_id, r.digest)).collect())
}

#[derive(sqlx::FromRow)]
struct Recorded {
    event_id: String,
}

#[derive(sqlx::FromRow)]
struct Delivered {
    event_id: String,
    digest: Vec<u8>,
}
