//! The JSON API: one module per resource, each registering its routes with the OpenAPI router.

pub mod account_links;
pub mod activity;
pub mod agents;
pub mod api_keys;
pub mod client_users;
pub mod health;
pub mod images;
pub mod me;
pub mod members;
pub mod organizations;
pub mod outbox;
pub mod sessions;
pub mod teams;
pub mod two_factor;
pub mod workspace_settings;

use clientele_domain::Timestamp;
use serde::{Deserialize, Deserializer};

/// Reads a field where `null` means "clear it": absent is `None`, `null` is `Some(None)`
/// (use with `#[serde(default)]`).
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Times leave the API as RFC 3339 strings in UTC.
pub(crate) fn rfc3339(at: Timestamp) -> String {
    at.as_offset_date_time()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A stored microsecond time, when there is one, as RFC 3339.
pub(crate) fn rfc3339_micros(micros: Option<i64>) -> Option<String> {
    micros
        .and_then(|m| Timestamp::try_from(m).ok())
        .map(rfc3339)
}
