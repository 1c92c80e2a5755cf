//! Clientele's domain: identifiers, validated values and the rules between them.
//!
//! Nothing here performs I/O, so every rule can be tested as a plain function and every
//! other layer can depend on it without pulling in a runtime.

pub mod actor;
pub mod agent;
pub mod brand;
pub mod client_user;
pub mod conversation;
pub mod email;
pub mod id;
pub mod image;
mod named;
pub mod organization;
pub mod permission;
pub mod policy;
pub mod role;
pub mod text;
pub mod timestamp;
pub mod workspace;

pub use actor::{Actor, Principal, SessionAccount};
pub use agent::{AgentDescription, AgentKind, AgentName, ExternalRef};
pub use brand::{BaseUrl, EmailKind, HexColor, Hostname, ProductName, TlsMode};
pub use client_user::{
    AgentAccess, ClientUserName, ClientUserStatus, PermissionPreset, TeamDescription, TeamName,
    TeamRole,
};
pub use conversation::{ConversationStatus, MessageRole};
pub use email::Email;
pub use id::{
    AccountTokenId, ActivityId, AgentId, ApiKeyId, ClientUserId, ConversationId, MemberId,
    MessageId, OrganizationId, OutboxId, RuntimeKeyId, SessionId, TeamId, UsageId,
    WebhookAttemptId, WebhookId, WorkspaceId,
};
pub use image::{ImageFacts, ImageFormat, inspect_image};
pub use organization::{
    Billing, BillingState, Handoff, Language, Layout, OrganizationName, OrganizationSettings,
};
pub use permission::{Permission, Permissions};
pub use policy::{Action, Denied, Permit, Resource, authorize, may_grant};
pub use role::MemberRole;
pub use text::InvalidValue;
pub use timestamp::Timestamp;
pub use workspace::{WorkspaceName, WorkspaceSlug};
