//! The brands and dashboard_domains tables: how a workspace presents itself to its clients,
//! and the hostnames its client dashboard answers on.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
enum Brands {
    Table,
    WorkspaceId,
    ProductName,
    LogoImageId,
    PrimaryColor,
    AccentColor,
    SupportEmail,
    ConsoleUrl,
    UpdatedAt,
}

#[derive(Iden)]
enum DashboardDomains {
    Table,
    WorkspaceId,
    Hostname,
    Position,
}

/// The constraint that gives each hostname to one workspace only.
pub const HOSTNAME_CONSTRAINT: &str = "dashboard_domains_hostname_key";

/// A workspace's stored brand.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BrandRow {
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub product_name: String,
    pub logo_image_id: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: Option<String>,
    pub console_url: Option<String>,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct HostnameRow {
    hostname: String,
}

#[derive(sqlx::FromRow)]
struct WorkspaceIdRow {
    #[sqlx(try_from = "Uuid")]
    workspace_id: WorkspaceId,
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Brands::WorkspaceId,
            Brands::ProductName,
            Brands::LogoImageId,
            Brands::PrimaryColor,
            Brands::AccentColor,
            Brands::SupportEmail,
            Brands::ConsoleUrl,
            Brands::UpdatedAt,
        ])
        .from(Brands::Table)
        .to_owned()
}

/// The workspace's brand, if it has set one.
pub async fn find(db: &Db, workspace_id: WorkspaceId) -> Result<Option<BrandRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Brands::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned();
    db.fetch_optional(&statement).await
}

/// The workspace's brand, read inside a transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
) -> Result<Option<BrandRow>, StoreError> {
    let statement = select()
        .and_where(Expr::col(Brands::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Stores the workspace's brand, replacing the previous one.
pub async fn put(tx: &mut Tx, brand: &BrandRow) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Brands::Table)
        .columns([
            Brands::WorkspaceId,
            Brands::ProductName,
            Brands::LogoImageId,
            Brands::PrimaryColor,
            Brands::AccentColor,
            Brands::SupportEmail,
            Brands::ConsoleUrl,
            Brands::UpdatedAt,
        ])
        .values_panic([
            brand.workspace_id.as_uuid().into(),
            brand.product_name.clone().into(),
            brand.logo_image_id.clone().into(),
            brand.primary_color.clone().into(),
            brand.accent_color.clone().into(),
            brand.support_email.clone().into(),
            brand.console_url.clone().into(),
            brand.updated_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::column(Brands::WorkspaceId)
                .update_columns([
                    Brands::ProductName,
                    Brands::LogoImageId,
                    Brands::PrimaryColor,
                    Brands::AccentColor,
                    Brands::SupportEmail,
                    Brands::ConsoleUrl,
                    Brands::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// The workspace's dashboard hostnames, the primary one first.
pub async fn domains(db: &Db, workspace_id: WorkspaceId) -> Result<Vec<String>, StoreError> {
    let statement = Query::select()
        .column(DashboardDomains::Hostname)
        .from(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::WorkspaceId).eq(workspace_id.as_uuid()))
        .order_by(DashboardDomains::Position, Order::Asc)
        .to_owned();
    let rows: Vec<HostnameRow> = db.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.hostname).collect())
}

/// Replaces the workspace's dashboard hostnames; one taken by another workspace is
/// `StoreError::Conflict` on [`HOSTNAME_CONSTRAINT`].
pub async fn set_domains(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    hostnames: &[&str],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.execute(&delete).await?;
    if hostnames.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(DashboardDomains::Table)
        .columns([
            DashboardDomains::WorkspaceId,
            DashboardDomains::Hostname,
            DashboardDomains::Position,
        ])
        .to_owned();
    for (position, hostname) in hostnames.iter().enumerate() {
        insert.values_panic([
            workspace_id.as_uuid().into(),
            (*hostname).into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
        ]);
    }
    tx.execute(&insert).await?;
    Ok(())
}

/// The workspace whose client dashboard answers on `hostname`.
pub async fn workspace_for_host(
    db: &Db,
    hostname: &str,
) -> Result<Option<WorkspaceId>, StoreError> {
    let statement = Query::select()
        .column(DashboardDomains::WorkspaceId)
        .from(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::Hostname).eq(hostname))
        .to_owned();
    let row: Option<WorkspaceIdRow> = db.fetch_optional(&statement).await?;
    Ok(row.map(|r| r.workspace_id))
}
