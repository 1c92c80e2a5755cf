//! Opaque page cursors: where the previous page of a name-ordered list ended.

use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The cursor after the row with sort key `key` and id `id`.
pub(crate) fn encode(key: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{id}{key}"))
}

/// Reads a cursor that [`encode`] made; anything else is an invalid `cursor` field.
pub(crate) fn decode(cursor: &str) -> Result<(String, Uuid), AppError> {
    let invalid = || AppError::invalid("cursor", "is not a cursor this list returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (id, key) = text.split_at_checked(36).ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    if key.chars().any(char::is_control) {
        return Err(invalid());
    }
    Ok((key.to_owned(), id))
}

/// The most rows one page returns, and how many when the caller does not say.
pub const MAX_PAGE: u64 = 200;
pub const DEFAULT_PAGE: u64 = 50;

/// The page size for a requested `limit`; one outside 1 to 200 is refused, not bent.
pub(crate) fn page_size(limit: Option<u64>) -> Result<u64, AppError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        limit @ 1..=MAX_PAGE => Ok(limit),
        _ => Err(AppError::invalid(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let cursor = encode("acme dental ☕", id);
        assert_eq!(decode(&cursor).unwrap(), ("acme dental ☕".to_owned(), id));
        assert!(decode("not a cursor").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("short")).is_err());
        let forged = URL_SAFE_NO_PAD.encode(format!("{id}a\0b"));
        assert!(decode(&forged).is_err(), "a NUL never reaches the database");
    }
}
