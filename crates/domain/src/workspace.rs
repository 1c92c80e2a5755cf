//! A workspace is one agency: the tenant that owns organizations, agents, users and the log.

use crate::text::{InvalidValue, trimmed};
use serde::Serialize;
use std::fmt;

/// The agency's display name: 1 to 120 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub const MAX_CHARS: usize = 120;

    /// Validates a name typed by a person.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The workspace's address in URLs when no dashboard domain is configured:
/// 2 to 63 lowercase letters, digits and single hyphens, like a DNS label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct WorkspaceSlug(String);

impl WorkspaceSlug {
    pub const MAX_CHARS: usize = 63;

    /// Validates a slug; uppercase letters are folded to lowercase.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let slug = trimmed(raw, 2, Self::MAX_CHARS)?.to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !slug.chars().all(allowed) {
            return Err(InvalidValue::Format(
                "may contain only letters a-z, digits and hyphens",
            ));
        }
        if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(InvalidValue::Format(
                "must start and end with a letter or digit and not repeat hyphens",
            ));
        }
        Ok(Self(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkspaceSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            WorkspaceName::parse("  Acme Agency ").unwrap().as_str(),
            "Acme Agency"
        );
    }

    #[test]
    fn a_blank_name_is_refused() {
        assert_eq!(WorkspaceName::parse("   "), Err(InvalidValue::Empty));
    }

    #[test]
    fn a_name_of_121_characters_is_refused() {
        let name = "é".repeat(121);
        assert_eq!(
            WorkspaceName::parse(&name),
            Err(InvalidValue::TooLong { max: 120 })
        );
        assert!(WorkspaceName::parse(&"é".repeat(120)).is_ok());
    }

    #[test]
    fn a_slug_is_folded_to_lowercase() {
        assert_eq!(WorkspaceSlug::parse("Acme-2").unwrap().as_str(), "acme-2");
    }

    #[test]
    fn slugs_that_would_not_work_in_a_url_are_refused() {
        for bad in [
            "a",
            "acme agency",
            "-acme",
            "acme-",
            "ac--me",
            "acmé",
            "acme/x",
        ] {
            assert!(WorkspaceSlug::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    proptest! {
        #[test]
        fn every_accepted_slug_is_a_lowercase_dns_label(raw in "\\PC{0,80}") {
            if let Ok(slug) = WorkspaceSlug::parse(&raw) {
                let s = slug.as_str();
                prop_assert!((2..=63).contains(&s.len()));
                prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!s.starts_with('-') && !s.ends_with('-'));
            }
        }
    }
}
