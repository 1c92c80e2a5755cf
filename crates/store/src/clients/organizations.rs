//! The organizations table: one row per client of an agency, with its settings.

use crate::db::{Count, Db, Tx};
use crate::error::StoreError;
use clientele_domain::{
    Billing, BillingState, Handoff, Language, Layout, OrganizationId, OrganizationSettings,
    Permissions, Timestamp, WorkspaceId,
};
use sea_query::{Alias, Cond, Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Iden, Clone, Copy)]
pub(crate) enum Organizations {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameKey,
    LogoImageId,
    CreatedAt,
    UpdatedAt,
    Language,
    Layout,
    HandoffEnabled,
    SmartHandoff,
    ShowHandoffMessages,
    CannedResponses,
    ClientBillingEnabled,
    BillingState,
    EnabledSections,
    SettingsVersion,
    RequireTwoFactor,
}

/// The index that makes a name one organization per workspace, regardless of case.
pub const NAME_CONSTRAINT: &str = "organizations_workspace_id_name_key_key";

/// A stored organization with its settings and how many users and agents it has.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrganizationRow {
    #[sqlx(try_from = "Uuid")]
    pub id: OrganizationId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub name_key: String,
    pub logo_image_id: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
    #[sqlx(try_from = "String")]
    pub language: Language,
    #[sqlx(try_from = "String")]
    pub layout: Layout,
    pub handoff_enabled: bool,
    pub smart_handoff: bool,
    pub show_handoff_messages: bool,
    pub canned_responses: bool,
    pub client_billing_enabled: bool,
    #[sqlx(try_from = "String")]
    pub billing_state: BillingState,
    pub enabled_sections: i64,
    pub settings_version: i64,
    /// Every user must sign in with a second factor.
    pub require_two_factor: bool,
    pub user_count: i64,
    pub agent_count: i64,
}

impl OrganizationRow {
    pub fn settings(&self) -> OrganizationSettings {
        OrganizationSettings {
            language: self.language,
            layout: self.layout,
            handoff: Handoff {
                enabled: self.handoff_enabled,
                smart_handoff: self.smart_handoff,
                show_handoff_messages: self.show_handoff_messages,
            },
            canned_responses: self.canned_responses,
            billing: Billing {
                client_billing_enabled: self.client_billing_enabled,
                state: self.billing_state,
            },
            enabled_sections: Permissions::from_bits(
                u16::try_from(self.enabled_sections).unwrap_or_default(),
            ),
        }
    }
}

/// An organization about to be stored.
#[derive(Debug)]
pub struct NewOrganization<'a> {
    pub id: OrganizationId,
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    pub name_key: &'a str,
    pub logo_image_id: Option<&'a str>,
    pub settings: &'a OrganizationSettings,
    pub created_at: Timestamp,
}

/// How a list of organizations is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganizationSort {
    NameAscending,
    NameDescending,
    NewestFirst,
    OldestFirst,
}

/// Where the previous page ended: the last row's sort key and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationCursor {
    pub name_key: String,
    pub id: Uuid,
}

/// Which organizations to list.
#[derive(Clone, Debug)]
pub struct OrganizationQuery {
    /// Case-folded text the name must contain.
    pub search: Option<String>,
    pub sort: OrganizationSort,
    pub after: Option<OrganizationCursor>,
    pub limit: u64,
}

/// Stores an organization; a taken name is `StoreError::Conflict` on [`NAME_CONSTRAINT`].
pub async fn insert(tx: &mut Tx, new: &NewOrganization<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(Organizations::Table)
        .columns([
            Organizations::Id,
            Organizations::WorkspaceId,
            Organizations::Name,
            Organizations::NameKey,
            Organizations::LogoImageId,
            Organizations::CreatedAt,
            Organizations::UpdatedAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.name.into(),
            new.name_key.into(),
            new.logo_image_id.map(str::to_owned).into(),
            new.created_at.unix_micros().into(),
            new.created_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    write_settings(tx, new.workspace_id, new.id, new.settings, None).await?;
    Ok(())
}

/// An organization of `workspace_id`.
pub async fn find(
    db: &Db,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<Option<OrganizationRow>, StoreError> {
    db.fetch_optional(&by_id(workspace_id, id)).await
}

/// An organization of `workspace_id`, read inside a write transaction.
pub async fn find_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<Option<OrganizationRow>, StoreError> {
    tx.fetch_optional(&by_id(workspace_id, id)).await
}

/// A page of the workspace's organizations.
pub async fn list(
    db: &Db,
    workspace_id: WorkspaceId,
    query: &OrganizationQuery,
) -> Result<Vec<OrganizationRow>, StoreError> {
    let mut statement = scoped(workspace_id);
    if let Some(search) = &query.search {
        statement.and_where(name_contains(search));
    }
    let (name_key, id) = (Organizations::NameKey, Organizations::Id);
    if let Some(after) = &query.after {
        let past_name = |forward: bool| {
            let (key, i) = (Expr::col(name_key), Expr::col(id));
            let beyond = |e: Expr, v: sea_query::Value| if forward { e.gt(v) } else { e.lt(v) };
            Cond::any()
                .add(beyond(key.clone(), after.name_key.as_str().into()))
                .add(
                    Cond::all()
                        .add(key.eq(after.name_key.as_str()))
                        .add(beyond(i, after.id.into())),
                )
        };
        match query.sort {
            OrganizationSort::NameAscending => statement.cond_where(past_name(true)),
            OrganizationSort::NameDescending => statement.cond_where(past_name(false)),
            OrganizationSort::OldestFirst => statement.and_where(Expr::col(id).gt(after.id)),
            OrganizationSort::NewestFirst => statement.and_where(Expr::col(id).lt(after.id)),
        };
    }
    // Ids are UUIDv7, so their order is the order of creation.
    match query.sort {
        OrganizationSort::NameAscending => statement
            .order_by(name_key, Order::Asc)
            .order_by(id, Order::Asc),
        OrganizationSort::NameDescending => statement
            .order_by(name_key, Order::Desc)
            .order_by(id, Order::Desc),
        OrganizationSort::OldestFirst => statement.order_by(id, Order::Asc),
        OrganizationSort::NewestFirst => statement.order_by(id, Order::Desc),
    };
    statement.limit(query.limit);
    db.fetch_all(&statement).await
}

/// How many organizations of the workspace match `search` (all when `None`).
pub async fn count(
    db: &Db,
    workspace_id: WorkspaceId,
    search: Option<&str>,
) -> Result<i64, StoreError> {
    let mut statement = Query::select()
        .expr_as(Expr::cust("count(*)"), Alias::new("count"))
        .from(Organizations::Table)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned();
    if let Some(search) = search {
        statement.and_where(name_contains(search));
    }
    let row: Option<Count> = db.fetch_optional(&statement).await?;
    Ok(row.map_or(0, |r| r.count))
}

/// The details to change; only the fields given are written, so concurrent changes to other
/// fields survive.
#[derive(Clone, Debug, Default)]
pub struct DetailsChange<'a> {
    /// The new name and its case-folded key.
    pub name: Option<(&'a str, &'a str)>,
    /// The new logo, or `Some(None)` to remove it.
    pub logo_image_id: Option<Option<&'a str>>,
}

/// Renames an organization or sets or clears its logo; returns whether it exists.
pub async fn update_details(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
    change: &DetailsChange<'_>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let mut statement = Query::update()
        .table(Organizations::Table)
        .value(Organizations::UpdatedAt, at.unix_micros())
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    if let Some((name, name_key)) = change.name {
        statement
            .value(Organizations::Name, name)
            .value(Organizations::NameKey, name_key);
    }
    if let Some(logo) = change.logo_image_id {
        statement.value(Organizations::LogoImageId, logo.map(str::to_owned));
    }
    Ok(tx.execute(&statement).await? == 1)
}

/// Replaces an organization's settings and moves them to their next version; with `version`,
/// only if they are still at it. Returns whether they were written (false: the organization is
/// gone, or someone changed the settings meanwhile).
pub async fn update_settings(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
    settings: &OrganizationSettings,
    version: Option<i64>,
) -> Result<bool, StoreError> {
    write_settings(tx, workspace_id, id, settings, Some(version)).await
}

/// Writes the settings; `guard` is `None` for a new organization's first settings, and
/// otherwise bumps the version, checking it first when it holds one.
async fn write_settings(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
    settings: &OrganizationSettings,
    guard: Option<Option<i64>>,
) -> Result<bool, StoreError> {
    let mut statement = Query::update()
        .table(Organizations::Table)
        .value(Organizations::Language, settings.language.as_str())
        .value(Organizations::Layout, settings.layout.as_str())
        .value(Organizations::HandoffEnabled, settings.handoff.enabled)
        .value(Organizations::SmartHandoff, settings.handoff.smart_handoff)
        .value(
            Organizations::ShowHandoffMessages,
            settings.handoff.show_handoff_messages,
        )
        .value(Organizations::CannedResponses, settings.canned_responses)
        .value(
            Organizations::ClientBillingEnabled,
            settings.billing.client_billing_enabled,
        )
        .value(Organizations::BillingState, settings.billing.state.as_str())
        .value(
            Organizations::EnabledSections,
            i64::from(settings.enabled_sections.bits()),
        )
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    if let Some(expected) = guard {
        statement
            .value(
                Organizations::SettingsVersion,
                Expr::col(Organizations::SettingsVersion).add(1),
            )
            .value(Organizations::UpdatedAt, Timestamp::now().unix_micros());
        if let Some(version) = expected {
            statement.and_where(Expr::col(Organizations::SettingsVersion).eq(version));
        }
    }
    Ok(tx.execute(&statement).await? == 1)
}

/// Deletes an organization; its users, agents and teams must be gone or moved first.
pub async fn delete(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(Organizations::Table)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

fn name_contains(search: &str) -> Expr {
    crate::like::contains(Organizations::NameKey, search)
}

fn by_id(workspace_id: WorkspaceId, id: OrganizationId) -> SelectStatement {
    scoped(workspace_id)
        .and_where(Expr::col((Organizations::Table, Organizations::Id)).eq(id.as_uuid()))
        .to_owned()
}

fn scoped(workspace_id: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Organizations::Id,
            Organizations::WorkspaceId,
            Organizations::Name,
            Organizations::NameKey,
            Organizations::LogoImageId,
            Organizations::CreatedAt,
            Organizations::UpdatedAt,
            Organizations::Language,
            Organizations::Layout,
            Organizations::HandoffEnabled,
            Organizations::SmartHandoff,
            Organizations::ShowHandoffMessages,
            Organizations::CannedResponses,
            Organizations::ClientBillingEnabled,
            Organizations::BillingState,
            Organizations::EnabledSections,
            Organizations::SettingsVersion,
            Organizations::RequireTwoFactor,
        ])
        .expr_as(
            Expr::cust(
                "(SELECT count(*) FROM client_users u \
                 WHERE u.workspace_id = organizations.workspace_id AND u.organization_id = organizations.id)",
            ),
            Alias::new("user_count"),
        )
        .expr_as(
            Expr::cust(
                "(SELECT count(*) FROM agents a WHERE a.organization_id = organizations.id)",
            ),
            Alias::new("agent_count"),
        )
        .from(Organizations::Table)
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned()
}

/// Locks an organization's row until the transaction ends, so that changes which must see
/// each other (the last org admin stepping down, say) run one after the other. Returns
/// whether the organization exists.
pub async fn lock(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    id: OrganizationId,
) -> Result<bool, StoreError> {
    let statement = Query::update()
        .table(Organizations::Table)
        .value(Organizations::Id, Expr::col(Organizations::Id))
        .and_where(Expr::col(Organizations::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(Organizations::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}
