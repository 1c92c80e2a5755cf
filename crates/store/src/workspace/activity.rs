//! The activity table: an append-only, hash-chained record of every change.
//!
//! Each entry stores the hash of the previous entry of its workspace and its own hash over
//! every field, so an edited, removed or reordered entry breaks the chain. The hashes are
//! HMAC-SHA256 under a key derived from the server's secret key, which the database never
//! holds: someone who can write to the database cannot forge a chain that verifies. The
//! database refuses UPDATE and DELETE on the table; the chain catches what a superuser might do
//! anyway, and signed checkpoints of each chain's head, kept elsewhere, catch even a rewrite by
//! someone holding the key.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::workspace::Workspaces;
use clientele_domain::{ActivityId, MemberId, OrganizationId, Timestamp, WorkspaceId};
use hmac::{Hmac, KeyInit, Mac};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use sha2::Sha256;
use std::sync::Arc;
use uuid::Uuid;

/// The key that chains the activity log; `Debug` never prints it.
#[derive(Clone)]
pub struct ChainKey(Arc<[u8; 32]>);

impl ChainKey {
    pub fn new(key: [u8; 32]) -> Self {
        Self(Arc::new(key))
    }

    fn mac(&self, purpose: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(purpose);
        mac
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(***)")
    }
}

#[derive(Iden)]
enum Activity {
    Table,
    Id,
    WorkspaceId,
    Seq,
    OrganizationId,
    ActorKind,
    ActorId,
    ActorLabel,
    RealActorId,
    Action,
    TargetKind,
    TargetId,
    TargetLabel,
    Changes,
    Ip,
    UserAgent,
    CreatedAt,
    PrevHash,
    Hash,
}

/// A change about to be recorded.
#[derive(Clone, Debug)]
pub struct NewActivity<'a> {
    pub workspace_id: WorkspaceId,
    pub organization_id: Option<OrganizationId>,
    /// `member`, `api_key`, `client_user` or `system`.
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_label: &'a str,
    /// The agency member really acting during a preview.
    pub real_actor_id: Option<MemberId>,
    /// What happened, e.g. `member.added`.
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: Option<Uuid>,
    pub target_label: &'a str,
    /// A JSON object of the changed fields: `{"field": {"before": .., "after": ..}}`.
    pub changes: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub created_at: Timestamp,
}

/// A recorded entry.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ActivityId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub seq: i64,
    pub organization_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub real_actor_id: Option<Uuid>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub target_label: String,
    pub changes: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    pub prev_hash: Option<Vec<u8>>,
    pub hash: Vec<u8>,
}

/// Which entries to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct ActivityFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub organization_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct ChainHead {
    activity_seq: i64,
    activity_head: Option<Vec<u8>>,
}

/// Appends an entry to its workspace's chain inside the caller's transaction.
pub async fn append(tx: &mut Tx, new: &NewActivity<'_>) -> Result<ActivityId, StoreError> {
    let ids = append_all(tx, new.workspace_id, std::slice::from_ref(new)).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| StoreError::Corrupt("an appended entry has no id".to_owned()))
}

/// The most entries one INSERT carries: 18 values each stays under both backends' limits.
const ROWS_PER_INSERT: usize = 1000;

/// Appends entries of `workspace_id`, in order, to its chain inside the caller's transaction.
///
/// Reserving the sequence numbers updates the workspace row, which serialises concurrent
/// appends to one workspace until the transaction ends.
pub async fn append_all(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    entries: &[NewActivity<'_>],
) -> Result<Vec<ActivityId>, StoreError> {
    if entries.iter().any(|e| e.workspace_id != workspace_id) {
        return Err(StoreError::Corrupt(
            "entries of several workspaces in one chain append".to_owned(),
        ));
    }
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let reserve = Query::update()
        .table(Workspaces::Table)
        .value(
            Workspaces::ActivitySeq,
            Expr::col(Workspaces::ActivitySeq).add(count),
        )
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .returning(Query::returning().columns([Workspaces::ActivitySeq, Workspaces::ActivityHead]))
        .to_owned();
    let head: ChainHead = tx
        .fetch_optional(&reserve)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("workspace {workspace_id} does not exist")))?;
    let key = tx.chain_key()?.clone();
    let mut seq = head.activity_seq - count;
    let mut previous = head.activity_head;
    let mut ids = Vec::with_capacity(entries.len());
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert()
            .into_table(Activity::Table)
            .columns(COLUMNS)
            .to_owned();
        for new in chunk {
            seq += 1;
            let id = ActivityId::new();
            let hash = entry_hash(&key, &Fields::of_new(id, seq, new), previous.as_deref());
            insert.values_panic([
                id.as_uuid().into(),
                new.workspace_id.as_uuid().into(),
                seq.into(),
                new.organization_id.map(|o| o.as_uuid()).into(),
                new.actor_kind.into(),
                new.actor_id.into(),
                new.actor_label.into(),
                new.real_actor_id.map(|m| m.as_uuid()).into(),
                new.action.into(),
                new.target_kind.into(),
                new.target_id.into(),
                new.target_label.into(),
                new.changes.into(),
                new.ip.map(str::to_owned).into(),
                new.user_agent.map(str::to_owned).into(),
                new.created_at.unix_micros().into(),
                previous.clone().into(),
                hash.clone().into(),
            ]);
            previous = Some(hash);
            ids.push(id);
        }
        tx.execute(&insert).await?;
    }
    let advance = Query::update()
        .table(Workspaces::Table)
        .value(Workspaces::ActivityHead, previous)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.execute(&advance).await?;
    Ok(ids)
}

/// Entries of `workspace_id` matching `filter`, newest first, `limit` at a time, starting below
/// the sequence number `before`.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    filter: &ActivityFilter,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<ActivityRow>, StoreError> {
    let mut statement = select();
    statement.and_where(Expr::col(Activity::WorkspaceId).eq(workspace_id.as_uuid()));
    if let Some(before) = before {
        statement.and_where(Expr::col(Activity::Seq).lt(before));
    }
    if let Some(actor) = filter.actor_id {
        statement.and_where(Expr::col(Activity::ActorId).eq(actor));
    }
    if let Some(action) = &filter.action {
        statement.and_where(Expr::col(Activity::Action).eq(action.as_str()));
    }
    if let Some(organization) = filter.organization_id {
        statement.and_where(Expr::col(Activity::OrganizationId).eq(organization));
    }
    if let Some(target) = filter.target_id {
        statement.and_where(Expr::col(Activity::TargetId).eq(target));
    }
    if let Some(from) = filter.from {
        statement.and_where(Expr::col(Activity::CreatedAt).gte(from.unix_micros()));
    }
    if let Some(to) = filter.to {
        statement.and_where(Expr::col(Activity::CreatedAt).lt(to.unix_micros()));
    }
    statement.order_by(Activity::Seq, Order::Desc).limit(limit);
    db.fetch_all(&statement).await
}

/// A place where a workspace's chain does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub workspace_id: WorkspaceId,
    /// The sequence number of the first entry that does not verify.
    pub seq: i64,
    pub reason: &'static str,
}

/// The outcome of checking every workspace's chain.
#[derive(Clone, Debug, Default)]
pub struct ChainReport {
    pub workspaces: u64,
    pub entries: u64,
    pub breaks: Vec<ChainBreak>,
}

/// Recomputes every workspace's chain from its first entry and compares it with what is stored.
pub async fn verify(db: &Db) -> Result<ChainReport, StoreError> {
    let mut report = ChainReport::default();
    for workspace_id in every_workspace(db).await? {
        report.workspaces += 1;
        verify_workspace(db, workspace_id, &mut report).await?;
    }
    Ok(report)
}

async fn verify_workspace(
    db: &Db,
    workspace_id: WorkspaceId,
    report: &mut ChainReport,
) -> Result<(), StoreError> {
    let key = db.chain_key()?;
    let mut previous: Option<Vec<u8>> = None;
    let mut expected_seq = 1;
    loop {
        let statement = select()
            .and_where(Expr::col(Activity::WorkspaceId).eq(workspace_id.as_uuid()))
            .and_where(Expr::col(Activity::Seq).gte(expected_seq))
            .order_by(Activity::Seq, Order::Asc)
            .limit(1000)
            .to_owned();
        let page: Vec<ActivityRow> = db.fetch_all(&statement).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            report.entries += 1;
            let fault = if row.seq != expected_seq {
                Some("an entry is missing")
            } else if row.prev_hash != previous {
                Some("the entry does not follow the one before it")
            } else if entry_hash(key, &Fields::of_row(&row), previous.as_deref()) != row.hash {
                Some("the entry was altered after it was written, or written with another key")
            } else {
                None
            };
            if let Some(reason) = fault {
                report.breaks.push(ChainBreak {
                    workspace_id,
                    seq: expected_seq,
                    reason,
                });
                return Ok(());
            }
            previous = Some(row.hash);
            expected_seq += 1;
        }
    }
    let stored_head = head_of(db, workspace_id).await?;
    if stored_head != previous {
        report.breaks.push(ChainBreak {
            workspace_id,
            seq: expected_seq,
            reason: "the newest entries are missing",
        });
    }
    Ok(())
}

/// Where one workspace's chain stood at a moment: its newest entry and that entry's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub workspace_id: WorkspaceId,
    pub seq: i64,
    pub head: Vec<u8>,
}

/// Every workspace's chain head now, for a checkpoint to keep outside the database.
pub async fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>, StoreError> {
    let mut found = Vec::new();
    for workspace_id in every_workspace(db).await? {
        let statement = Query::select()
            .columns([Workspaces::ActivitySeq, Workspaces::ActivityHead])
            .from(Workspaces::Table)
            .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
            .to_owned();
        let head: Option<ChainHead> = db.fetch_optional(&statement).await?;
        if let Some(ChainHead {
            activity_seq,
            activity_head: Some(head),
        }) = head
        {
            found.push(Checkpoint {
                workspace_id,
                seq: activity_seq,
                head,
            });
        }
    }
    Ok(found)
}

/// The id of every workspace, read a page at a time.
async fn every_workspace(db: &Db) -> Result<Vec<WorkspaceId>, StoreError> {
    let mut ids = Vec::new();
    loop {
        let page = crate::workspace::list(db, ids.last().copied(), 100).await?;
        if page.is_empty() {
            return Ok(ids);
        }
        ids.extend(page.iter().map(|w| w.id));
    }
}

/// The signature of `checkpoints` under the chain key: whoever holds the server's key can tell
/// the file was made by this deployment and not edited since.
pub fn sign_checkpoints(db: &Db, checkpoints: &[Checkpoint]) -> Result<Vec<u8>, StoreError> {
    Ok(checkpoint_mac(db, checkpoints)?
        .finalize()
        .into_bytes()
        .to_vec())
}

fn checkpoint_mac(db: &Db, checkpoints: &[Checkpoint]) -> Result<Hmac<Sha256>, StoreError> {
    let mut mac = db.chain_key()?.mac(b"clientele activity checkpoint v1");
    for checkpoint in checkpoints {
        mac.update(checkpoint.workspace_id.as_uuid().as_bytes());
        mac.update(&checkpoint.seq.to_be_bytes());
        mac.update(&(checkpoint.head.len() as u64).to_be_bytes());
        mac.update(&checkpoint.head);
    }
    Ok(mac)
}

/// What checking a checkpoint found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The file was not signed with this server's key, or was edited.
    BadSignature,
    /// Each checkpointed entry that is no longer what it was (empty: every one still stands).
    Breaks(Vec<ChainBreak>),
}

/// Checks a checkpoint's signature, then that each checkpointed entry is still in its chain at
/// its place with the same hash: history before it cannot have been rewritten.
pub async fn verify_checkpoints(
    db: &Db,
    checkpoints: &[Checkpoint],
    signature: &[u8],
) -> Result<CheckpointCheck, StoreError> {
    if checkpoint_mac(db, checkpoints)?
        .verify_slice(signature)
        .is_err()
    {
        return Ok(CheckpointCheck::BadSignature);
    }
    let mut breaks = Vec::new();
    for checkpoint in checkpoints {
        let statement = select()
            .and_where(Expr::col(Activity::WorkspaceId).eq(checkpoint.workspace_id.as_uuid()))
            .and_where(Expr::col(Activity::Seq).eq(checkpoint.seq))
            .to_owned();
        let row: Option<ActivityRow> = db.fetch_optional(&statement).await?;
        let reason = match row {
            None => Some("the checkpointed entry is gone"),
            Some(row) if row.hash != checkpoint.head => {
                Some("the history up to the checkpoint was rewritten")
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            breaks.push(ChainBreak {
                workspace_id: checkpoint.workspace_id,
                seq: checkpoint.seq,
                reason,
            });
        }
    }
    Ok(CheckpointCheck::Breaks(breaks))
}

async fn head_of(db: &Db, workspace_id: WorkspaceId) -> Result<Option<Vec<u8>>, StoreError> {
    let statement = Query::select()
        .columns([Workspaces::ActivitySeq, Workspaces::ActivityHead])
        .from(Workspaces::Table)
        .and_where(Expr::col(Workspaces::Id).eq(workspace_id.as_uuid()))
        .to_owned();
    let head: Option<ChainHead> = db.fetch_optional(&statement).await?;
    Ok(head.and_then(|h| h.activity_head))
}

const COLUMNS: [Activity; 18] = [
    Activity::Id,
    Activity::WorkspaceId,
    Activity::Seq,
    Activity::OrganizationId,
    Activity::ActorKind,
    Activity::ActorId,
    Activity::ActorLabel,
    Activity::RealActorId,
    Activity::Action,
    Activity::TargetKind,
    Activity::TargetId,
    Activity::TargetLabel,
    Activity::Changes,
    Activity::Ip,
    Activity::UserAgent,
    Activity::CreatedAt,
    Activity::PrevHash,
    Activity::Hash,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Activity::Table)
        .to_owned()
}

/// Every hashed field of an entry, borrowed from a new entry or a stored row alike.
struct Fields<'a> {
    id: Uuid,
    workspace_id: Uuid,
    seq: i64,
    organization_id: Option<Uuid>,
    actor_kind: &'a str,
    actor_id: Option<Uuid>,
    actor_label: &'a str,
    real_actor_id: Option<Uuid>,
    action: &'a str,
    target_kind: &'a str,
    target_id: Option<Uuid>,
    target_label: &'a str,
    changes: &'a str,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    created_at: i64,
}

impl<'a> Fields<'a> {
    fn of_new(id: ActivityId, seq: i64, new: &'a NewActivity<'a>) -> Self {
        Self {
            id: id.as_uuid(),
            workspace_id: new.workspace_id.as_uuid(),
            seq,
            organization_id: new.organization_id.map(|o| o.as_uuid()),
            actor_kind: new.actor_kind,
            actor_id: new.actor_id,
            actor_label: new.actor_label,
            real_actor_id: new.real_actor_id.map(|m| m.as_uuid()),
            action: new.action,
            target_kind: new.target_kind,
            target_id: new.target_id,
            target_label: new.target_label,
            changes: new.changes,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: new.created_at.unix_micros(),
        }
    }

    fn of_row(row: &'a ActivityRow) -> Self {
        Self {
            id: row.id.as_uuid(),
            workspace_id: row.workspace_id.as_uuid(),
            seq: row.seq,
            organization_id: row.organization_id,
            actor_kind: &row.actor_kind,
            actor_id: row.actor_id,
            actor_label: &row.actor_label,
            real_actor_id: row.real_actor_id,
            action: &row.action,
            target_kind: &row.target_kind,
            target_id: row.target_id,
            target_label: &row.target_label,
            changes: &row.changes,
            ip: row.ip.as_deref(),
            user_agent: row.user_agent.as_deref(),
            created_at: row.created_at.unix_micros(),
        }
    }
}

/// HMAC-SHA256 under the chain key over the previous hash and every field, each
/// length-prefixed so that no two different entries encode to the same bytes.
fn entry_hash(key: &ChainKey, fields: &Fields<'_>, previous: Option<&[u8]>) -> Vec<u8> {
    let mut hasher = key.mac(b"clientele activity entry v2");
    let mut put = |value: Option<&[u8]>| match value {
        Some(bytes) => {
            hasher.update(&(bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        None => hasher.update(&u64::MAX.to_be_bytes()),
    };
    let uuid = |u: Option<Uuid>| u.map(|u| *u.as_bytes());
    put(previous);
    put(Some(fields.id.as_bytes()));
    put(Some(fields.workspace_id.as_bytes()));
    put(Some(&fields.seq.to_be_bytes()));
    put(uuid(fields.organization_id).as_ref().map(|b| b.as_slice()));
    put(Some(fields.actor_kind.as_bytes()));
    put(uuid(fields.actor_id).as_ref().map(|b| b.as_slice()));
    put(Some(fields.actor_label.as_bytes()));
    put(uuid(fields.real_actor_id).as_ref().map(|b| b.as_slice()));
    put(Some(fields.action.as_bytes()));
    put(Some(fields.target_kind.as_bytes()));
    put(uuid(fields.target_id).as_ref().map(|b| b.as_slice()));
    put(Some(fields.target_label.as_bytes()));
    put(Some(fields.changes.as_bytes()));
    put(fields.ip.map(str::as_bytes));
    put(fields.user_agent.map(str::as_bytes));
    put(Some(&fields.created_at.to_be_bytes()));
    hasher.finalize().into_bytes().to_vec()
}
