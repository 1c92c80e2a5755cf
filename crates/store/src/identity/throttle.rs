//! The sign_in_throttle table: failed sign-ins counted per key (an account, an address).

use crate::db::Tx;
use crate::error::StoreError;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

#[derive(Iden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    BlockedUntil,
    UpdatedAt,
}

/// The failures counted for one key.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i64,
    /// Microseconds since the epoch before which attempts are refused.
    pub blocked_until: i64,
    pub updated_at: i64,
}

/// The state of `key` (zero failures when it had none), its row locked until the transaction
/// ends: parallel attempts on one key read and count one after the other, never the same state.
pub async fn lock(tx: &mut Tx, key: &str) -> Result<ThrottleRow, StoreError> {
    let statement = Query::insert()
        .into_table(SignInThrottle::Table)
        .columns([
            SignInThrottle::Key,
            SignInThrottle::Failures,
            SignInThrottle::BlockedUntil,
            SignInThrottle::UpdatedAt,
        ])
        .values_panic([key.into(), 0i64.into(), 0i64.into(), 0i64.into()])
        .on_conflict(
            OnConflict::column(SignInThrottle::Key)
                .update_column(SignInThrottle::Key)
                .to_owned(),
        )
        .returning(Query::returning().columns([
            SignInThrottle::Failures,
            SignInThrottle::BlockedUntil,
            SignInThrottle::UpdatedAt,
        ]))
        .to_owned();
    Ok(tx.fetch_optional(&statement).await?.unwrap_or_default())
}

/// Stores the state of `key`.
pub async fn put(tx: &mut Tx, key: &str, row: &ThrottleRow) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(SignInThrottle::Table)
        .columns([
            SignInThrottle::Key,
            SignInThrottle::Failures,
            SignInThrottle::BlockedUntil,
            SignInThrottle::UpdatedAt,
        ])
        .values_panic([
            key.into(),
            row.failures.into(),
            row.blocked_until.into(),
            row.updated_at.into(),
        ])
        .on_conflict(
            OnConflict::column(SignInThrottle::Key)
                .update_columns([
                    SignInThrottle::Failures,
                    SignInThrottle::BlockedUntil,
                    SignInThrottle::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    let statement = Query::delete()
        .from_table(SignInThrottle::Table)
        .and_where(Expr::col(SignInThrottle::Key).eq(key))
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}
