//! Use-case errors: what went wrong in terms a caller can answer precisely.

use clientele_domain::{Denied, InvalidValue};
use clientele_store::StoreError;
use thiserror::Error;

/// One invalid input, named by its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Error)]
pub enum AppError {
    /// Input that fails validation; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The input collides with something that exists (a taken email, say).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: &'static str,
    },
    /// Missing, or belonging to another tenant: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    /// A concurrent change removed or moved what this change relies on; nothing was written.
    #[error("changed meanwhile")]
    ChangedMeanwhile,
    /// The caller's `If-Match` names a version that is no longer current; nothing was written.
    #[error("the document changed since it was read")]
    PreconditionFailed,
    /// No valid session or API key.
    #[error("sign-in required")]
    Unauthenticated,
    /// Wrong email or password; the same answer whether or not the account exists.
    #[error("the email or password is incorrect")]
    BadCredentials,
    #[error("too many failed attempts; try again in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    /// A single-use link that is unknown, used, replaced or expired; nothing was changed.
    #[error("{0}")]
    LinkUnusable(&'static str),
    /// Another server (the SMTP server) refused or could not be reached; its answer.
    #[error("{0}")]
    Upstream(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// A single invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub(crate) fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(error),
            StoreError::Dangling(_) => Self::ChangedMeanwhile,
            other => Self::internal(other),
        }
    }
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Foreign => Self::NotFound,
            Denied::Forbidden(reason) => Self::Forbidden(reason),
        }
    }
}

/// Collects field errors so a request learns about every invalid field at once.
#[derive(Default)]
pub(crate) struct Validation(Vec<FieldError>);

impl Validation {
    /// Keeps the parsed value, or records why `field` is invalid.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, InvalidValue>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail(field, error.to_string());
                None
            }
        }
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Ok when no field failed.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}
