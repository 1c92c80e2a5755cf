//! Client organizations: their names and the settings the agency and their admins choose.

use crate::named::named_enum;
use crate::permission::{Permission, Permissions};
use crate::text::{InvalidValue, trimmed};
use serde::Serialize;

/// An organization's display name: 1 to 120 characters after trimming, unique within its
/// workspace regardless of case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two names are compared in: equal keys mean "the same name".
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }
}

/// Folds text for case-insensitive comparison and search.
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

named_enum! {
    /// The client dashboard's interface language (not the language agents speak).
    pub enum Language {
        En => "en",
        Es => "es",
        De => "de",
        Fr => "fr",
        Pt => "pt",
    }
}

named_enum! {
    /// Where the client dashboard puts its navigation.
    pub enum Layout {
        Vertical => "vertical",
        Horizontal => "horizontal",
    }
}

named_enum! {
    /// Where an organization stands with its own billing.
    pub enum BillingState {
        None => "none",
        Trialing => "trialing",
        Active => "active",
        PastDue => "past_due",
        Canceled => "canceled",
    }
}

/// Human handoff: whether people can take over conversations from the agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handoff {
    pub enabled: bool,
    /// Let the agent decide when to hand over.
    pub smart_handoff: bool,
    /// Show handoff-related messages in the dashboard.
    pub show_handoff_messages: bool,
}

/// Whether the organization pays for its agents' usage from its own credit balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Billing {
    pub client_billing_enabled: bool,
    pub state: BillingState,
}

/// An organization's settings ("Org Info"), read and written as one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrganizationSettings {
    pub language: Language,
    pub layout: Layout,
    pub handoff: Handoff,
    pub canned_responses: bool,
    pub billing: Billing,
    /// The dashboard sections this organization has at all (its plan): no user of it can be
    /// granted a section outside this set.
    pub enabled_sections: Permissions,
}

impl Default for OrganizationSettings {
    /// A new organization: English, vertical navigation, no handoff or canned responses, the
    /// workspace pays, and every section exists until the agency narrows the plan.
    fn default() -> Self {
        Self {
            language: Language::En,
            layout: Layout::Vertical,
            handoff: Handoff {
                enabled: false,
                smart_handoff: false,
                show_handoff_messages: false,
            },
            canned_responses: false,
            billing: Billing {
                client_billing_enabled: false,
                state: BillingState::None,
            },
            enabled_sections: Permission::SECTIONS.into_iter().collect(),
        }
    }
}

impl OrganizationSettings {
    /// The contradictions in these settings, each with the field that causes it.
    pub fn contradictions(&self) -> Vec<(&'static str, &'static str)> {
        let mut found = Vec::new();
        if !self.handoff.enabled {
            if self.handoff.smart_handoff {
                found.push(("handoff.smart_handoff", "needs handoff to be enabled"));
            }
            if self.handoff.show_handoff_messages {
                found.push((
                    "handoff.show_handoff_messages",
                    "needs handoff to be enabled",
                ));
            }
        }
        if self.enabled_sections.contains(Permission::OrgAdmin) {
            found.push(("enabled_sections", "org_admin is a role, not a section"));
        }
        found
    }

    /// Whether `other` differs in what only the agency may set: the plan's sections and billing.
    pub fn differs_in_plan(&self, other: &Self) -> bool {
        self.enabled_sections != other.enabled_sections || self.billing != other.billing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case() {
        let a = OrganizationName::parse("  Acme Dental ").unwrap();
        let b = OrganizationName::parse("ACME dental").unwrap();
        assert_eq!(a.as_str(), "Acme Dental");
        assert_eq!(a.key(), b.key());
    }

    #[test]
    fn a_name_is_one_to_120_characters() {
        assert_eq!(OrganizationName::parse("   "), Err(InvalidValue::Empty));
        assert!(OrganizationName::parse(&"é".repeat(120)).is_ok());
        assert_eq!(
            OrganizationName::parse(&"é".repeat(121)),
            Err(InvalidValue::TooLong { max: 120 })
        );
    }

    #[test]
    fn smart_handoff_and_its_messages_need_handoff() {
        let mut settings = OrganizationSettings::default();
        assert!(settings.contradictions().is_empty());
        settings.handoff.smart_handoff = true;
        settings.handoff.show_handoff_messages = true;
        let fields: Vec<_> = settings.contradictions().iter().map(|c| c.0).collect();
        assert_eq!(
            fields,
            ["handoff.smart_handoff", "handoff.show_handoff_messages"]
        );
        settings.handoff.enabled = true;
        assert!(settings.contradictions().is_empty());
    }

    #[test]
    fn unknown_languages_are_refused_naming_the_choices() {
        assert_eq!("pt".parse::<Language>().unwrap(), Language::Pt);
        let error = "xx".parse::<Language>().unwrap_err();
        assert_eq!(error.to_string(), "must be one of en es de fr pt");
    }
}
