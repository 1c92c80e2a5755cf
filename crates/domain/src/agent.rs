//! Agents: the agency's AI chat and voice agents, pooled until assigned to one organization.

use crate::named::named_enum;
use crate::text::{InvalidValue, trimmed};

named_enum! {
    /// What kind of widget an agent is.
    pub enum AgentKind {
        Chat => "chat",
        Voice => "voice",
    }
}

/// An agent's display name: 1 to 120 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentName(String);

impl AgentName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an agent does, for the people choosing it: up to 2,000 characters, lines allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentDescription(String);

impl AgentDescription {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim().replace("\r\n", "\n");
        if value.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(InvalidValue::Format("must not contain control characters"));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The agent's id in the agency's agent runtime: 1 to 200 letters, digits and `. _ - : @ ~`,
/// so that it can travel in a URL path segment as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRef(String);

impl ExternalRef {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = trimmed(raw, 1, Self::MAX_CHARS)?;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "._-:@~".contains(c);
        if !value.chars().all(allowed) {
            return Err(InvalidValue::Format(
                "may contain only letters, digits and . _ - : @ ~",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_references_fit_in_a_path_segment() {
        assert!(ExternalRef::parse("asst_8f3:v2@prod").is_ok());
        assert!(ExternalRef::parse("a/b").is_err());
        assert!(ExternalRef::parse("a b").is_err());
        assert!(ExternalRef::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn descriptions_keep_lines_but_refuse_other_control_characters() {
        let description = AgentDescription::parse("Books visits.\r\nSpeaks Spanish.").unwrap();
        assert_eq!(description.as_str(), "Books visits.\nSpeaks Spanish.");
        assert!(AgentDescription::parse("bell\u{7}").is_err());
        assert_eq!(AgentDescription::parse("  ").unwrap().as_str(), "");
    }
}
