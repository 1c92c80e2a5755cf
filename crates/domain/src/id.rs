//! Typed identifiers, so a workspace id can never be passed where another id is expected.
//!
//! Ids are UUIDv7: time-ordered, so new rows land at the end of primary-key indexes and
//! ids double as a stable sort key for cursor pagination.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID, for storage and transport.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// Identifies a workspace: one agency, the tenant boundary of all its data.
    WorkspaceId
);
typed_id!(
    /// Identifies a workspace member: an agency account.
    MemberId
);
typed_id!(
    /// Identifies an API key of a workspace.
    ApiKeyId
);
typed_id!(
    /// Identifies a client organization.
    OrganizationId
);
typed_id!(
    /// Identifies an AI agent of a workspace's pool.
    AgentId
);
typed_id!(
    /// Identifies a client user of an organization.
    ClientUserId
);
typed_id!(
    /// Identifies a team of client users within an organization.
    TeamId
);
typed_id!(
    /// Identifies a signed-in session.
    SessionId
);
typed_id!(
    /// Identifies an activity entry.
    ActivityId
);
typed_id!(
    /// Identifies an email in the outbox.
    OutboxId
);
typed_id!(
    /// Identifies a single-use account link: an invitation, a password reset or a preview.
    AccountTokenId
);
typed_id!(
    /// Identifies an agent's runtime key.
    RuntimeKeyId
);
typed_id!(
    /// Identifies a conversation between a contact and an agent (and the people who took over).
    ConversationId
);
typed_id!(
    /// Identifies one message of a conversation.
    MessageId
);
typed_id!(
    /// Identifies one report of credits a runtime consumed.
    UsageId
);
typed_id!(
    /// Identifies a webhook event Clientele tells an agent's runtime (its `webhook-id`).
    WebhookId
);
typed_id!(
    /// Identifies one attempt to deliver a webhook event.
    WebhookAttemptId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_created_later_sort_after_earlier_ones() {
        let first = WorkspaceId::new();
        let second = WorkspaceId::new();
        assert!(first < second);
    }
}
