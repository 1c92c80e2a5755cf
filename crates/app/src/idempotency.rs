//! Idempotency keys: a POST retried with the same `Idempotency-Key` by the same caller gets
//! the first request's answer instead of making a second change. Parallel requests with one
//! key wait for the first to finish and then get its answer.

use crate::App;
use crate::error::AppError;
use clientele_domain::Timestamp;
use clientele_store::idempotency::{self, IdempotencyRow, StoredAnswer};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How long a key is remembered.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// A first request unfinished after this long died with its node; a retry takes over. Longer
/// than any request may run.
const ABANDONED_AFTER: Duration = Duration::from_secs(60);
/// How long a parallel request waits for the first one's answer before giving up.
const LONGEST_WAIT: Duration = Duration::from_secs(35);
const POLL: Duration = Duration::from_millis(20);
/// Keys are the caller's own words; bound them.
const MAX_KEY_CHARS: usize = 255;

/// One request made with an idempotency key.
pub struct IdempotentRequest {
    scope: [u8; 32],
    key: String,
    fingerprint: [u8; 32],
}

impl IdempotentRequest {
    /// A request by the verified caller `scope` (its session or API key), with `key`, for
    /// `method path` with `body`.
    pub fn new(
        scope: &str,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Self, AppError> {
        let usable = !key.is_empty()
            && key.chars().count() <= MAX_KEY_CHARS
            && key.chars().all(|c| c.is_ascii_graphic());
        if !usable {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters, such as a UUID",
            ));
        }
        let fingerprint = Sha256::new()
            .chain_update(method.as_bytes())
            .chain_update([0])
            .chain_update(path.as_bytes())
            .chain_update([0])
            .chain_update(body)
            .finalize()
            .into();
        Ok(Self {
            scope: Sha256::digest(scope.as_bytes()).into(),
            key: key.to_owned(),
            fingerprint,
        })
    }
}

/// A stored answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Whether the request runs, or gets the answer it already had.
pub enum Begun {
    First,
    Replay(Answer),
}

impl App {
    /// Claims the key for this request, or waits for the answer of the request that holds it.
    pub async fn begin_idempotent(&self, request: &IdempotentRequest) -> Result<Begun, AppError> {
        let started = Instant::now();
        loop {
            let now = Timestamp::now().unix_micros();
            let (scope, key) = (&request.scope[..], request.key.as_str());
            let mut tx = self.db.begin().await?;
            if idempotency::claim(&mut tx, scope, key, &request.fingerprint, now).await? {
                idempotency::forget_before(&mut tx, now - micros(KEY_LIFETIME)).await?;
                tx.commit().await?;
                return Ok(Begun::First);
            }
            tx.rollback().await?;
            if let Some(row) = idempotency::find(&self.db, scope, key).await? {
                if row.fingerprint != request.fingerprint {
                    return Err(AppError::invalid(
                        "Idempotency-Key",
                        "was already used for a different request; use a new key",
                    ));
                }
                if let Some(answer) = self.answer_of(&row)? {
                    return Ok(Begun::Replay(answer));
                }
                let mut tx = self.db.begin().await?;
                let stale_before = now - micros(ABANDONED_AFTER);
                if idempotency::take_over(&mut tx, scope, key, stale_before, now).await? {
                    tx.commit().await?;
                    return Ok(Begun::First);
                }
                tx.rollback().await?;
            }
            if started.elapsed() > LONGEST_WAIT {
                return Err(AppError::Conflict {
                    field: "Idempotency-Key",
                    message: "a request with this key is still running; retry later",
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Stores the first request's answer, or forgets the key when there is none worth
    /// repeating (the request failed on our side and may be retried).
    pub async fn finish_idempotent(
        &self,
        request: &IdempotentRequest,
        answer: Option<&Answer>,
    ) -> Result<(), AppError> {
        let (scope, key) = (&request.scope[..], request.key.as_str());
        let mut tx = self.db.begin().await?;
        match answer {
            Some(answer) => {
                let sealed = self.config.secret_key.seal(&answer.body)?;
                let stored = StoredAnswer {
                    status: answer.status,
                    content_type: answer.content_type.as_deref(),
                    location: answer.location.as_deref(),
                    body: &sealed,
                };
                idempotency::complete(&mut tx, scope, key, &stored).await?;
            }
            None => idempotency::release(&mut tx, scope, key).await?,
        }
        tx.commit().await?;
        Ok(())
    }

    fn answer_of(&self, row: &IdempotencyRow) -> Result<Option<Answer>, AppError> {
        let (Some(status), Some(sealed)) = (row.status, &row.body) else {
            return Ok(None);
        };
        let body = self.config.secret_key.open(sealed).ok_or(AppError::Conflict {
            field: "Idempotency-Key",
            message: "the first answer cannot be read under the current server key; use a new key",
        })?;
        Ok(Some(Answer {
            status: u16::try_from(status).unwrap_or(500),
            content_type: row.content_type.clone(),
            location: row.location.clone(),
            body,
        }))
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
