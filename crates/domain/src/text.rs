//! Validation shared by every text value: trimming, length bounds and character rules.

use thiserror::Error;

/// Why a value was refused; the caller names the field it came from.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum InvalidValue {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be at least {min} characters")]
    TooShort { min: usize },
    #[error("{0}")]
    Format(&'static str),
}

/// Trims `raw` and checks its length in characters is within `min..=max`.
pub(crate) fn trimmed(raw: &str, min: usize, max: usize) -> Result<String, InvalidValue> {
    let value = raw.trim();
    let length = value.chars().count();
    if length == 0 {
        return Err(InvalidValue::Empty);
    }
    if length < min {
        return Err(InvalidValue::TooShort { min });
    }
    if length > max {
        return Err(InvalidValue::TooLong { max });
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidValue::Format("must not contain control characters"));
    }
    Ok(value.to_owned())
}
