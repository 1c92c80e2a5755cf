//! `clientele audit`: verifying every workspace's activity chain with the server's key, and
//! signed checkpoints of the chains' heads to keep away from the database, so that a later
//! rewrite of history is caught even by someone who holds the key.

use crate::config::Settings;
use clientele_app::workspace::activity::chain_key;
use clientele_domain::WorkspaceId;
use clientele_store::Db;
use clientele_store::workspace::activity::{self, ChainBreak, Checkpoint, CheckpointCheck};
use serde::{Deserialize, Serialize};
use std::path::Path;
use thiserror::Error;

/// What the checkpoint file says: its format, and each chain's head, signed.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointFile {
    format: String,
    heads: Vec<Head>,
    /// HMAC-SHA256 of the heads under the chain key, in hex.
    signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    workspace_id: uuid::Uuid,
    seq: i64,
    /// The hash of the chain's newest entry, in hex.
    head: String,
}

const FORMAT: &str = "clientele-activity-checkpoint/1";

#[derive(Debug, Error)]
pub enum AuditError {
    #[error("{0} activity chain(s) do not verify")]
    ChainBroken(usize),
    #[error("the checkpoint {0} was not signed with this server's key, or was edited")]
    BadSignature(String),
    #[error("cannot read or write the checkpoint {path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the checkpoint {path} is not one `clientele audit checkpoint` wrote: {message}")]
    Format { path: String, message: String },
    #[error(transparent)]
    Settings(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] clientele_store::StoreError),
}

/// The database handle, with the key that chains its activity log.
pub fn keyed(db: Db, settings: &Settings) -> Result<Db, AuditError> {
    Ok(db.with_chain_key(chain_key(&settings.secret_key()?)))
}

/// Recomputes every chain and, given a checkpoint, checks that history up to it stands.
pub async fn verify(db: &Db, checkpoint: Option<&Path>) -> Result<(), AuditError> {
    let report = activity::verify(db).await?;
    println!(
        "Checked {} entries in {} workspaces.",
        report.entries, report.workspaces
    );
    let mut breaks = report.breaks;
    if let Some(path) = checkpoint {
        let (heads, signature) = read(path)?;
        match activity::verify_checkpoints(db, &heads, &signature).await? {
            CheckpointCheck::BadSignature => {
                return Err(AuditError::BadSignature(path.display().to_string()));
            }
            CheckpointCheck::Breaks(found) => {
                println!(
                    "Checked {} chain heads against {}.",
                    heads.len(),
                    path.display()
                );
                breaks.extend(found);
            }
        }
    }
    if breaks.is_empty() {
        println!("Every activity chain verifies.");
        return Ok(());
    }
    for found in &breaks {
        let ChainBreak {
            workspace_id,
            seq,
            reason,
        } = found;
        println!("workspace {workspace_id} entry {seq}: {reason}");
    }
    Err(AuditError::ChainBroken(breaks.len()))
}

/// Writes a signed checkpoint of every chain's head to `path` (refusing to overwrite).
pub async fn checkpoint(db: &Db, path: &Path) -> Result<(), AuditError> {
    let heads = activity::checkpoints(db).await?;
    let signature = activity::sign_checkpoints(db, &heads)?;
    let file = CheckpointFile {
        format: FORMAT.to_owned(),
        heads: heads
            .iter()
            .map(|c| Head {
                workspace_id: c.workspace_id.as_uuid(),
                seq: c.seq,
                head: hex(&c.head),
            })
            .collect(),
        signature: hex(&signature),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| AuditError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let failed = |source| AuditError::File {
        path: path.display().to_string(),
        source,
    };
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(failed)?;
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(failed)?;
    println!(
        "Wrote a checkpoint of {} activity chains to {}. Keep it away from the database; \
         `clientele audit verify --checkpoint {}` checks history up to it.",
        heads.len(),
        path.display(),
        path.display()
    );
    Ok(())
}

fn read(path: &Path) -> Result<(Vec<Checkpoint>, Vec<u8>), AuditError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AuditError::File {
        path: name.clone(),
        source,
    })?;
    let malformed = |message: String| AuditError::Format {
        path: name.clone(),
        message,
    };
    let file: CheckpointFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if file.format != FORMAT {
        return Err(malformed(format!("unknown format {}", file.format)));
    }
    let heads = file
        .heads
        .iter()
        .map(|h| {
            Ok(Checkpoint {
                workspace_id: WorkspaceId::from(h.workspace_id),
                seq: h.seq,
                head: unhex(&h.head).ok_or_else(|| malformed("a head is not hex".to_owned()))?,
            })
        })
        .collect::<Result<Vec<_>, AuditError>>()?;
    let signature =
        unhex(&file.signature).ok_or_else(|| malformed("the signature is not hex".to_owned()))?;
    Ok((heads, signature))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}
