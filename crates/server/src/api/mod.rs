//! The JSON API: one module per resource, grouped by product area as in `clientele_app`, each
//! registering its routes with the OpenAPI router.

pub mod clients;
pub mod conversations;
pub mod health;
pub mod identity;
pub mod mail;
pub mod runtime;
pub mod workspace;

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
