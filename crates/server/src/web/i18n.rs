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
