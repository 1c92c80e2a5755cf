//! Clientele's domain: identifiers, validated values and the rules between them.
//!
//! Nothing here performs I/O, so every rule can be tested as a plain function and every
//! other layer can depend on it without pulling in a runtime.

pub mod id;
pub mod text;
pub mod timestamp;
pub mod workspace;

pub use id::WorkspaceId;
pub use text::InvalidValue;
pub use timestamp::Timestamp;
pub use workspace::{WorkspaceName, WorkspaceSlug};
