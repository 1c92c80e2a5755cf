//! The interface's words in each dashboard language, from one message catalog per language
//! (`locales/<language>.json`, embedded in the binary). A test proves every catalog has every
//! message the templates use.

use clientele_domain::Language;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The catalog files, by language.
pub const CATALOGS: [(Language, &str); 5] = [
    (Language::En, include_str!("../../locales/en.json")),
    (Language::Es, include_str!("../../locales/es.json")),
    (Language::De, include_str!("../../locales/de.json")),
    (Language::Fr, include_str!("../../locales/fr.json")),
    (Language::Pt, include_str!("../../locales/pt.json")),
];

type Catalog = HashMap<String, String>;

static LOADED: LazyLock<HashMap<Language, Catalog>> = LazyLock::new(|| {
    CATALOGS
        .iter()
        .map(|(language, text)| (*language, parse(text).unwrap_or_default()))
        .collect()
});

/// Reads one catalog: a JSON object of message keys to text.
pub fn parse(text: &str) -> Result<Catalog, serde_json::Error> {
    serde_json::from_str(text)
}

/// The messages of one language, as templates use them: `{{ t.get("nav.home") }}`.
#[derive(Clone, Copy)]
pub struct Messages {
    pub language: Language,
}

impl Messages {
    pub fn new(language: Language) -> Self {
        Self { language }
    }

    /// The message for `key`. A missing one shows its key (and fails the catalog test).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        LOADED
            .get(&self.language)
            .and_then(|catalog| catalog.get(key))
            .map_or(key, String::as_str)
    }

    /// The message for `key` with `{name}` replaced by `value`.
    pub fn with(&self, key: &str, name: &str, value: &str) -> String {
        self.get(key).replace(&format!("{{{name}}}"), value)
    }

    /// The language's code, for `<html lang>`.
    pub fn code(&self) -> &'static str {
        self.language.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::{BillingState, Layout, Permission, PermissionPreset};
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys(text: &str) -> BTreeSet<String> {
        parse(text)
            .expect("a catalog is a JSON object of strings")
            .into_keys()
            .collect()
    }

    /// `{name}`-style placeholders in a message.
    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    /// Every literal message key the files under `dir` look up.
    fn used_keys(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                used_keys(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            // Every quoted `namespace.name` whose namespace the catalog uses is a message key.
            for quoted in text.split('"').skip(1).step_by(2) {
                let is_key = quoted.split_once('.').is_some_and(|(space, name)| {
                    !space.is_empty()
                        && [space, name]
                            .iter()
                            .all(|part| part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                });
                if is_key {
                    found.insert(quoted.to_owned());
                }
            }
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_placeholders() {
        let english = parse(CATALOGS[0].1).expect("the English catalog");
        for (language, text) in &CATALOGS[1..] {
            let catalog = parse(text).expect("a catalog");
            let missing: Vec<_> = english
                .keys()
                .filter(|k| !catalog.contains_key(*k))
                .collect();
            let extra: Vec<_> = catalog
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "{language}: missing {missing:?}");
            assert!(extra.is_empty(), "{language}: unknown {extra:?}");
            for (key, english_text) in &english {
                let translated = &catalog[key];
                assert!(!translated.trim().is_empty(), "{language}: {key} is empty");
                assert_eq!(
                    placeholders(translated),
                    placeholders(english_text),
                    "{language}: {key} changes its placeholders"
                );
            }
        }
    }

    #[test]
    fn every_message_the_pages_use_is_in_the_catalog() {
        let english = keys(CATALOGS[0].1);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        used_keys(&root.join("pages"), &mut used);
        used_keys(&root.join("src/web"), &mut used);
        // Keys built from a value's name.
        used.extend(
            Permission::ALL
                .iter()
                .map(|p| format!("perm.{}", p.as_str())),
        );
        used.extend(
            PermissionPreset::ALL
                .iter()
                .map(|p| format!("preset.{}", p.as_str())),
        );
        used.extend(
            Language::ALL
                .iter()
                .map(|l| format!("language.{}", l.as_str())),
        );
        used.extend(Layout::ALL.iter().map(|l| format!("layout.{}", l.as_str())));
        used.extend(
            BillingState::ALL
                .iter()
                .map(|s| format!("billing_state.{}", s.as_str())),
        );
        used.extend(
            ["active", "invited", "expired", "not_invited", "disabled"]
                .iter()
                .map(|s| format!("status.{s}")),
        );
        let namespaces: BTreeSet<&str> =
            english.iter().filter_map(|k| k.split('.').next()).collect();
        let missing: Vec<_> = used
            .difference(&english)
            .filter(|k| k.split('.').next().is_some_and(|n| namespaces.contains(n)))
            .filter(|k| !k.ends_with(".html"))
            .collect();
        assert!(
            missing.is_empty(),
            "messages without a catalog entry: {missing:?}"
        );
    }
}
