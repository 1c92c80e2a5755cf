//! The idempotency_keys table: the first answer to a POST sent with an `Idempotency-Key`,
//! kept so a retry of the same request gets the same answer instead of a second change.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

#[derive(Iden)]
enum IdempotencyKeys {
    Table,
    Scope,
    IdempotencyKey,
    Fingerprint,
    Status,
    ContentType,
    Location,
    Body,
    CreatedAt,
}

/// A key's record: its request's fingerprint and, once the first request finished, the answer.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub fingerprint: Vec<u8>,
    pub status: Option<i64>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Option<Vec<u8>>,
    pub created_at: i64,
}

/// The answer to store for a key.
pub struct StoredAnswer<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub body: &'a [u8],
}

/// Records that a request with `key` has started; false when the key already has a record.
pub async fn claim(
    tx: &mut Tx,
    scope: &[u8],
    key: &str,
    fingerprint: &[u8],
    now: i64,
) -> Result<bool, StoreError> {
    let statement = Query::insert()
        .into_table(IdempotencyKeys::Table)
        .columns([
            IdempotencyKeys::Scope,
            IdempotencyKeys::IdempotencyKey,
            IdempotencyKeys::Fingerprint,
            IdempotencyKeys::CreatedAt,
        ])
        .values_panic([
            scope.to_vec().into(),
            key.into(),
            fingerprint.to_vec().into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([IdempotencyKeys::Scope, IdempotencyKeys::IdempotencyKey])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Takes over a key whose first request started before `stale_before` and never finished
/// (its node died); true for the one caller that does.
pub async fn take_over(
    tx: &mut Tx,
    scope: &[u8],
    key: &str,
    stale_before: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(IdempotencyKeys::Table)
        .value(IdempotencyKeys::CreatedAt, now)
        .and_where(Expr::col(IdempotencyKeys::Scope).eq(scope.to_vec()))
        .and_where(Expr::col(IdempotencyKeys::IdempotencyKey).eq(key))
        .and_where(Expr::col(IdempotencyKeys::Status).is_null())
        .and_where(Expr::col(IdempotencyKeys::CreatedAt).lt(stale_before))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// The record of `key`, if any.
pub async fn find(db: &Db, scope: &[u8], key: &str) -> Result<Option<IdempotencyRow>, StoreError> {
    let statement = Query::select()
        .columns([
            IdempotencyKeys::Fingerprint,
            IdempotencyKeys::Status,
            IdempotencyKeys::ContentType,
            IdempotencyKeys::Location,
            IdempotencyKeys::Body,
            IdempotencyKeys::CreatedAt,
        ])
        .from(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::Scope).eq(scope.to_vec()))
        .and_where(Expr::col(IdempotencyKeys::IdempotencyKey).eq(key))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Stores the first request's answer (the body already sealed).
pub async fn complete(
    tx: &mut Tx,
    scope: &[u8],
    key: &str,
    answer: &StoredAnswer<'_>,
) -> Result<(), StoreError> {
    let statement = Query::update()
        .table(IdempotencyKeys::Table)
        .value(IdempotencyKeys::Status, i64::from(answer.status))
        .value(IdempotencyKeys::ContentType, answer.content_type)
        .value(IdempotencyKeys::Location, answer.location)
        .value(IdempotencyKeys::Body, answer.body.to_vec())
        .and_where(Expr::col(IdempotencyKeys::Scope).eq(scope.to_vec()))
        .and_where(Expr::col(IdempotencyKeys::IdempotencyKey).eq(key))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Forgets an unfinished key (its request failed on our side), so a retry runs afresh.
pub async fn release(tx: &mut Tx, scope: &[u8], key: &str) -> Result<(), StoreError> {
    let statement = Query::delete()
        .from_table(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::Scope).eq(scope.to_vec()))
        .and_where(Expr::col(IdempotencyKeys::IdempotencyKey).eq(key))
        .and_where(Expr::col(IdempotencyKeys::Status).is_null())
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Forgets every key first used before `cutoff`.
pub async fn forget_before(tx: &mut Tx, cutoff: i64) -> Result<u64, StoreError> {
    let statement = Query::delete()
        .from_table(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::CreatedAt).lt(cutoff))
        .to_owned();
    tx.execute(&statement).await
}
