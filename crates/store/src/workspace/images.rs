//! The images table: uploaded logos and avatars, addressed by the hash of their bytes.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::Timestamp;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

#[derive(Iden)]
enum Images {
    Table,
    Id,
    ContentType,
    Width,
    Height,
    Bytes,
    CreatedAt,
}

/// An image about to be stored.
#[derive(Debug)]
pub struct NewImage<'a> {
    /// The SHA-256 of `bytes`, in lowercase hex.
    pub id: &'a str,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: &'a [u8],
    pub created_at: Timestamp,
}

/// A stored image, ready to serve.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImageRow {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Stores an image unless the same bytes are stored already.
pub async fn insert(tx: &mut Tx, new: &NewImage<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Images::Table)
        .columns([
            Images::Id,
            Images::ContentType,
            Images::Width,
            Images::Height,
            Images::Bytes,
            Images::CreatedAt,
        ])
        .values_panic([
            new.id.into(),
            new.content_type.into(),
            i64::from(new.width).into(),
            i64::from(new.height).into(),
            new.bytes.to_vec().into(),
            new.created_at.unix_micros().into(),
        ])
        .on_conflict(OnConflict::column(Images::Id).do_nothing().to_owned())
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The image stored under `id`.
pub async fn find(db: &Db, id: &str) -> Result<Option<ImageRow>, StoreError> {
    let statement = Query::select()
        .columns([Images::ContentType, Images::Bytes])
        .from(Images::Table)
        .and_where(Expr::col(Images::Id).eq(id))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// Whether an image is stored under `id`, seen from inside a write transaction.
pub async fn exists_in(tx: &mut Tx, id: &str) -> Result<bool, StoreError> {
    let statement = Query::select()
        .column(Images::Id)
        .from(Images::Table)
        .and_where(Expr::col(Images::Id).eq(id))
        .to_owned();
    let found: Option<(String,)> = tx.fetch_optional(&statement).await?;
    Ok(found.is_some())
}
