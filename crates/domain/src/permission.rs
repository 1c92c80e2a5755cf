//! Client-user permissions: which dashboard sections a client user may open.

use serde::{Deserialize, Serialize};

/// One section flag of a client user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    OrgAdmin,
    Home,
    Conversations,
    Analytics,
    KnowledgeBase,
    Channels,
    Prompt,
    Settings,
    CustomTabs,
    Billing,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Self::OrgAdmin,
        Self::Home,
        Self::Conversations,
        Self::Analytics,
        Self::KnowledgeBase,
        Self::Channels,
        Self::Prompt,
        Self::Settings,
        Self::CustomTabs,
        Self::Billing,
    ];

    /// The nine dashboard sections: every flag but the `org_admin` role.
    pub const SECTIONS: [Permission; 9] = [
        Self::Home,
        Self::Conversations,
        Self::Analytics,
        Self::KnowledgeBase,
        Self::Channels,
        Self::Prompt,
        Self::Settings,
        Self::CustomTabs,
        Self::Billing,
    ];

    /// The flag's name, as the API and CSV files spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::OrgAdmin => "org_admin",
            Self::Home => "home",
            Self::Conversations => "conversations",
            Self::Analytics => "analytics",
            Self::KnowledgeBase => "knowledge_base",
            Self::Channels => "channels",
            Self::Prompt => "prompt",
            Self::Settings => "settings",
            Self::CustomTabs => "custom_tabs",
            Self::Billing => "billing",
        }
    }

    /// How the flag reads to a person (English; the dashboard's catalogs translate it).
    pub fn title(&self) -> &'static str {
        match self {
            Self::OrgAdmin => "Org admin",
            Self::Home => "Home",
            Self::Conversations => "Conversations",
            Self::Analytics => "Analytics",
            Self::KnowledgeBase => "Knowledge base",
            Self::Channels => "Channels",
            Self::Prompt => "Prompt",
            Self::Settings => "Settings",
            Self::CustomTabs => "Custom tabs",
            Self::Billing => "Billing",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl std::str::FromStr for Permission {
    type Err = crate::text::InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(crate::text::InvalidValue::Format(
                "must be one of org_admin, home, conversations, analytics, knowledge_base, channels, prompt, settings, custom_tabs, billing",
            ))
    }
}

/// A set of permissions, stored as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u16);

impl Permissions {
    /// What a new client user starts with: the home page only (least privilege).
    pub fn new_user_default() -> Self {
        Self::from_iter([Permission::Home])
    }

    pub fn contains(&self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
    }

    /// The stored form.
    pub fn bits(&self) -> u16 {
        self.0
    }

    /// Reads the stored form, ignoring bits no permission uses.
    pub fn from_bits(bits: u16) -> Self {
        let known = Permission::ALL.iter().fold(0, |all, p| all | p.bit());
        Self(bits & known)
    }

    /// The flags that take effect in an organization whose plan has `sections`: a section the
    /// plan lacks is off for everyone, whatever they were granted.
    pub fn within_plan(&self, sections: Permissions) -> Permissions {
        Self(self.0 & (sections.0 | Permission::OrgAdmin.bit()))
    }

    /// The flags of `self` that `other` lacks.
    pub fn without(&self, other: Permissions) -> Permissions {
        Self(self.0 & !other.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        Permission::ALL.into_iter().filter(|p| self.contains(*p))
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(permissions: I) -> Self {
        let mut set = Self::default();
        for permission in permissions {
            set.insert(permission);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_user_holds_home_only() {
        let permissions = Permissions::new_user_default();
        assert_eq!(
            permissions.iter().collect::<Vec<_>>(),
            vec![Permission::Home]
        );
    }

    #[test]
    fn a_section_outside_the_plan_is_off_but_org_admin_stays() {
        let granted: Permissions = [Permission::OrgAdmin, Permission::Home, Permission::Billing]
            .into_iter()
            .collect();
        let plan: Permissions = [Permission::Home, Permission::Analytics]
            .into_iter()
            .collect();
        let effective: Vec<_> = granted.within_plan(plan).iter().collect();
        assert_eq!(effective, [Permission::OrgAdmin, Permission::Home]);
    }

    #[test]
    fn every_flag_parses_from_its_name() {
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>(), Ok(permission));
            let json = serde_json::to_value(permission).unwrap();
            assert_eq!(json, permission.as_str(), "the API and CSV spell it alike");
        }
        assert!("admin".parse::<Permission>().is_err());
    }

    #[test]
    fn every_permission_survives_the_stored_form() {
        let all: Permissions = Permission::ALL.into_iter().collect();
        assert_eq!(Permissions::from_bits(all.bits()), all);
        assert_eq!(Permissions::from_bits(u16::MAX), all);
    }
}
