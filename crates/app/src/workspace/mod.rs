//! The workspace as a whole: its first setup, brand, dashboard domains, images, and the
//! activity log every change is recorded in.

pub mod activity;
pub mod brand;
pub mod domains;
pub mod images;
pub mod setup;

use clientele_domain::{Timestamp, WorkspaceId};
use clientele_store::workspace::WorkspaceRow;

/// An agency's workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub id: WorkspaceId,
    /// Names the workspace on the shared dashboard address, before it has a domain of its own.
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
}

impl From<WorkspaceRow> for Workspace {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            created_at: row.created_at,
        }
    }
}
