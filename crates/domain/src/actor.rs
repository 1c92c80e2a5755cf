//! Who is acting: the principal behind a request, always inside one workspace.

use crate::id::{ApiKeyId, ClientUserId, MemberId, OrganizationId, WorkspaceId};
use crate::permission::Permissions;
use crate::role::MemberRole;

/// An authenticated caller. Built only from a verified session or API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub workspace_id: WorkspaceId,
    /// How the actor is named in the activity log: a person's name, or a key's name.
    pub label: String,
    pub principal: Principal,
    /// The agency member really acting, when a member previews the dashboard as a client user.
    pub impersonated_by: Option<MemberId>,
}

/// The kinds of caller the policy knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An agency account, by role.
    Member { id: MemberId, role: MemberRole },
    /// Automation, with the role it was created with (never owner).
    ApiKey { id: ApiKeyId, role: MemberRole },
    /// A client organization's user, by permission flags.
    ClientUser {
        id: ClientUserId,
        organization_id: OrganizationId,
        permissions: Permissions,
    },
}

impl Actor {
    /// The workspace role the actor acts with, if it is agency-side.
    pub fn agency_role(&self) -> Option<MemberRole> {
        match self.principal {
            Principal::Member { role, .. } | Principal::ApiKey { role, .. } => Some(role),
            Principal::ClientUser { .. } => None,
        }
    }
}

/// The account a session belongs to: an agency member or a client user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionAccount {
    Member(MemberId),
    ClientUser(ClientUserId),
}
