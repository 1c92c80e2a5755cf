//! Client users and teams: the people of a client organization, what they may open, and how
//! they are grouped for human handoff.

use crate::named::named_enum;
use crate::permission::{Permission, Permissions};
use crate::text::{InvalidValue, trimmed};

/// A client user's full name: 1 to 120 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientUserName(String);

impl ClientUserName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

named_enum! {
    /// Whether a client user can sign in.
    pub enum ClientUserStatus {
        /// Created without a password; sets one through an invitation.
        Invited => "invited",
        Active => "active",
        /// Signed out everywhere and refused at sign-in until re-enabled.
        Disabled => "disabled",
    }
}

named_enum! {
    /// Which of the organization's agents a client user may use.
    pub enum AgentAccess {
        /// Every agent assigned to the organization, now and later.
        All => "all",
        /// Only the chosen agents.
        Selected => "selected",
    }
}

named_enum! {
    /// Named starting points for a user's flags; the stored truth stays the flags.
    pub enum PermissionPreset {
        OrgAdmin => "org_admin",
        SupportAgent => "support_agent",
        Analyst => "analyst",
        ContentEditor => "content_editor",
    }
}

impl PermissionPreset {
    /// A label for people.
    pub fn title(&self) -> &'static str {
        match self {
            Self::OrgAdmin => "Org admin",
            Self::SupportAgent => "Support agent",
            Self::Analyst => "Analyst",
            Self::ContentEditor => "Content editor",
        }
    }

    /// The flags the preset stands for, before the organization's plan is applied.
    pub fn permissions(&self) -> Permissions {
        use Permission::*;
        match self {
            Self::OrgAdmin => Permission::ALL.into_iter().collect(),
            Self::SupportAgent => [Home, Conversations, KnowledgeBase].into_iter().collect(),
            Self::Analyst => [Home, Analytics].into_iter().collect(),
            Self::ContentEditor => [Home, KnowledgeBase, Prompt, CustomTabs]
                .into_iter()
                .collect(),
        }
    }
}

/// A team's name: 1 to 80 characters after trimming, unique within its organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that uniqueness is decided on.
    pub fn key(&self) -> String {
        crate::organization::fold_case(&self.0)
    }
}

/// What a team is for: up to 500 characters, possibly empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamDescription(String);

impl TeamDescription {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.trim().is_empty() {
            return Ok(Self::default());
        }
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

named_enum! {
    /// A member's part in a team's handoff work.
    pub enum TeamRole {
        Member => "member",
        /// Sees and reassigns the team's handoffs.
        Lead => "lead",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fill_the_flags_they_are_named_for() {
        let analyst: Vec<_> = PermissionPreset::Analyst.permissions().iter().collect();
        assert_eq!(analyst, [Permission::Home, Permission::Analytics]);
        assert!(
            PermissionPreset::OrgAdmin
                .permissions()
                .contains(Permission::OrgAdmin)
        );
        assert!(
            !PermissionPreset::SupportAgent
                .permissions()
                .contains(Permission::OrgAdmin)
        );
    }

    #[test]
    fn team_names_are_trimmed_and_bounded() {
        assert_eq!(TeamName::parse("  Support ").unwrap().as_str(), "Support");
        assert!(TeamName::parse("   ").is_err());
        assert!(TeamName::parse(&"x".repeat(81)).is_err());
        assert_eq!(TeamName::parse("Tier 2").unwrap().key(), "tier 2");
    }
}
