//! The brands and dashboard_domains tables: how a workspace presents itself to its clients,
//! and the hostnames its client dashboard answers on once it has proven it controls them.

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
    VerificationToken,
    VerifiedAt,
}

/// The constraint that gives each verified hostname to one workspace only.
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

/// A hostname a workspace claims for its dashboard, and whether it has proven control.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DomainRow {
    pub hostname: String,
    /// The value the hostname's DNS TXT record must carry.
    pub verification_token: String,
    pub verified_at: Option<i64>,
}

/// A hostname to claim, with the token for a claim that is new.
#[derive(Debug)]
pub struct NewDomain<'a> {
    pub hostname: &'a str,
    pub verification_token: &'a str,
}

#[derive(sqlx::FromRow)]
struct ConsoleUrlRow {
    console_url: Option<String>,
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

/// The workspace's claimed dashboard hostnames, verified or not, the primary one first.
pub async fn domains(db: &Db, workspace_id: WorkspaceId) -> Result<Vec<DomainRow>, StoreError> {
    db.fetch_all(&domains_query(workspace_id)).await
}

fn domains_query(workspace_id: WorkspaceId) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            DashboardDomains::Hostname,
            DashboardDomains::VerificationToken,
            DashboardDomains::VerifiedAt,
        ])
        .from(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::WorkspaceId).eq(workspace_id.as_uuid()))
        .order_by(DashboardDomains::Position, Order::Asc)
        .to_owned()
}

/// Replaces the workspace's claimed hostnames, in order. A hostname it already claimed keeps
/// its token and its verification; a new one is stored with the given token, unverified.
pub async fn set_domains(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    domains: &[NewDomain<'_>],
) -> Result<(), StoreError> {
    let kept: Vec<DomainRow> = tx.fetch_all(&domains_query(workspace_id)).await?;
    let delete = Query::delete()
        .from_table(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned();
    tx.execute(&delete).await?;
    if domains.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(DashboardDomains::Table)
        .columns([
            DashboardDomains::WorkspaceId,
            DashboardDomains::Hostname,
            DashboardDomains::Position,
            DashboardDomains::VerificationToken,
            DashboardDomains::VerifiedAt,
        ])
        .to_owned();
    for (position, domain) in domains.iter().enumerate() {
        let before = kept.iter().find(|d| d.hostname == domain.hostname);
        insert.values_panic([
            workspace_id.as_uuid().into(),
            domain.hostname.into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            before
                .map_or(domain.verification_token, |d| d.verification_token.as_str())
                .into(),
            before.and_then(|d| d.verified_at).into(),
        ]);
    }
    tx.execute(&insert).await?;
    Ok(())
}

/// Marks a claimed hostname verified; false when the workspace does not claim it. Another
/// workspace holding it verified is `StoreError::Conflict` on [`HOSTNAME_CONSTRAINT`].
pub async fn verify_domain(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    hostname: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(DashboardDomains::Table)
        .value(DashboardDomains::VerifiedAt, at.unix_micros())
        .and_where(Expr::col(DashboardDomains::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(DashboardDomains::Hostname).eq(hostname))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// The console URLs other workspaces have set, so no workspace claims another's host.
pub async fn other_console_urls(
    db: &Db,
    workspace_id: WorkspaceId,
) -> Result<Vec<String>, StoreError> {
    let statement = Query::select()
        .column(Brands::ConsoleUrl)
        .from(Brands::Table)
        .and_where(Expr::col(Brands::WorkspaceId).ne(workspace_id.as_uuid()))
        .and_where(Expr::col(Brands::ConsoleUrl).is_not_null())
        .to_owned();
    let rows: Vec<ConsoleUrlRow> = db.fetch_all(&statement).await?;
    Ok(rows.into_iter().filter_map(|r| r.console_url).collect())
}

/// The workspace whose client dashboard answers on `hostname`: the one that verified it.
pub async fn workspace_for_host(
    db: &Db,
    hostname: &str,
) -> Result<Option<WorkspaceId>, StoreError> {
    let statement = Query::select()
        .column(DashboardDomains::WorkspaceId)
        .from(DashboardDomains::Table)
        .and_where(Expr::col(DashboardDomains::Hostname).eq(hostname))
        .and_where(Expr::col(DashboardDomains::VerifiedAt).is_not_null())
        .to_owned();
    let row: Option<WorkspaceIdRow> = db.fetch_optional(&statement).await?;
    Ok(row.map(|r| r.workspace_id))
}
