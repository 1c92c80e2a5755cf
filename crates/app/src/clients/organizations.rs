//! Client organizations: creating, listing, editing and deleting them, and their settings.

use crate::error::{AppError, Validation};
use crate::runtime::webhooks::announce_configuration;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, cursor, workspace::images};
use clientele_domain::organization::fold_case;
use clientele_domain::{
    Action, Actor, OrganizationId, OrganizationName, OrganizationSettings, Permit, Resource,
    Timestamp, WorkspaceId, authorize,
};
use clientele_store::clients::organizations::{
    self, DetailsChange, NewOrganization, OrganizationCursor, OrganizationQuery, OrganizationRow,
};
use clientele_store::runtime::endpoints;
use clientele_store::{StoreError, Tx, clients::agents, clients::client_users, clients::teams};

/// An organization to create.
#[derive(Debug, Default)]
pub struct NewOrganizationInput {
    pub name: String,
    pub logo_image_id: Option<String>,
}

/// The details to change; `None` leaves a field as it is, `Some(None)` clears the logo.
#[derive(Debug, Default)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub logo_image_id: Option<Option<String>>,
}

/// Which page of organizations to list.
#[derive(Debug)]
pub struct OrganizationListRequest {
    pub search: Option<String>,
    pub sort: OrganizationSort,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// How a page of organizations is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrganizationSort {
    #[default]
    NameAscending,
    NameDescending,
    NewestFirst,
    OldestFirst,
}

impl From<OrganizationSort> for organizations::OrganizationSort {
    fn from(sort: OrganizationSort) -> Self {
        match sort {
            OrganizationSort::NameAscending => Self::NameAscending,
            OrganizationSort::NameDescending => Self::NameDescending,
            OrganizationSort::NewestFirst => Self::NewestFirst,
            OrganizationSort::OldestFirst => Self::OldestFirst,
        }
    }
}

/// A client organization with its settings and how many users and agents it has.
#[derive(Clone, Debug)]
pub struct Organization {
    pub id: OrganizationId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub logo_image_id: Option<String>,
    pub settings: OrganizationSettings,
    /// Grows with every settings change; sent back as `If-Match` to change them again.
    pub settings_version: i64,
    /// Every user must sign in with a second factor.
    pub require_two_factor: bool,
    pub user_count: i64,
    pub agent_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            settings: row.settings(),
            id: row.id,
            workspace_id: row.workspace_id,
            name: row.name,
            logo_image_id: row.logo_image_id,
            settings_version: row.settings_version,
            require_two_factor: row.require_two_factor,
            user_count: row.user_count,
            agent_count: row.agent_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Organization {
    /// The policy's view of this organization.
    pub fn resource(&self) -> Resource {
        Resource::Organization {
            workspace_id: self.workspace_id,
            id: self.id,
        }
    }
}

/// One page of organizations, the cursor of the next page, and how many match in all.
#[derive(Debug)]
pub struct OrganizationPage {
    pub organizations: Vec<Organization>,
    pub next_cursor: Option<String>,
    pub total: i64,
}

impl App {
    /// A page of the workspace's organizations, optionally those whose name contains `search`.
    #[tracing::instrument(skip_all)]
    pub async fn list_organizations(
        &self,
        actor: &Actor,
        request: OrganizationListRequest,
    ) -> Result<OrganizationPage, AppError> {
        let permit = authorize(
            actor,
            Action::ListOrganizations,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let search = search_key(request.search.as_deref())?;
        let after = match request.cursor.as_deref() {
            Some(text) => {
                let (name_key, id) = cursor::decode(text)?;
                Some(OrganizationCursor { name_key, id })
            }
            None => None,
        };
        let limit = cursor::page_size(request.limit)?;
        let query = OrganizationQuery {
            search,
            sort: request.sort.into(),
            after,
            limit: limit + 1,
        };
        let workspace_id = permit.workspace_id();
        let (mut rows, total) = tokio::try_join!(
            organizations::list(&self.db, workspace_id, &query),
            organizations::count(&self.db, workspace_id, query.search.as_deref()),
        )?;
        let next_cursor = next_page(&mut rows, limit, |last| {
            cursor::encode(&last.name_key, last.id.as_uuid())
        });
        Ok(OrganizationPage {
            organizations: rows.into_iter().map(Organization::from).collect(),
            next_cursor,
            total,
        })
    }

    /// Creates an organization with the default settings.
    #[tracing::instrument(skip_all)]
    pub async fn create_organization(
        &self,
        actor: &Actor,
        input: NewOrganizationInput,
        context: &RequestContext,
    ) -> Result<Organization, AppError> {
        let permit = authorize(
            actor,
            Action::CreateOrganization,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let name = OrganizationName::parse(&input.name)
            .map_err(|error| AppError::invalid("name", error.to_string()))?;
        let id = OrganizationId::new();
        let mut tx = self.db.begin().await?;
        if let Some(logo) = &input.logo_image_id {
            images::require(&mut tx, "logo_image_id", logo).await?;
        }
        let settings = OrganizationSettings::default();
        let new = NewOrganization {
            id,
            workspace_id: permit.workspace_id(),
            name: name.as_str(),
            name_key: &name.key(),
            logo_image_id: input.logo_image_id.as_deref(),
            settings: &settings,
            created_at: Timestamp::now(),
        };
        organizations::insert(&mut tx, &new)
            .await
            .map_err(name_conflict)?;
        let entry = Entry {
            organization_id: Some(id),
            action: "organization.created",
            target_kind: "organization",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new()
                .set("name", name.as_str())
                .set("logo_image_id", &input.logo_image_id),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.read_organization(permit.workspace_id(), id).await
    }

    /// One organization with its settings and counts (the agency, and its own admins).
    pub async fn organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
    ) -> Result<Organization, AppError> {
        let organization = organizations::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        authorize(actor, Action::ReadOrganization, &resource_of(&organization))?;
        Ok(organization.into())
    }

    /// Renames an organization or changes its logo.
    #[tracing::instrument(skip_all)]
    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        patch: OrganizationPatch,
        context: &RequestContext,
    ) -> Result<Organization, AppError> {
        let mut tx = self.db.begin().await?;
        let current = organizations::find_in(&mut tx, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::UpdateOrganization, &resource_of(&current))?;
        let name = match &patch.name {
            Some(raw) => OrganizationName::parse(raw)
                .map_err(|error| AppError::invalid("name", error.to_string()))?,
            None => OrganizationName::parse(&current.name)
                .map_err(|error| AppError::internal(StoreError::Corrupt(error.to_string())))?,
        };
        let logo = patch
            .logo_image_id
            .filter(|logo| *logo != current.logo_image_id);
        if let Some(Some(logo)) = &logo {
            images::require(&mut tx, "logo_image_id", logo).await?;
        }
        let name_key = name.key();
        let change = DetailsChange {
            name: (name.as_str() != current.name).then_some((name.as_str(), name_key.as_str())),
            logo_image_id: logo.as_ref().map(Option::as_deref),
        };
        let mut changes = Changes::new().field("name", &current.name, name.as_str());
        if let Some(logo) = &logo {
            changes = changes.field("logo_image_id", &current.logo_image_id, logo);
        }
        if changes.is_empty() {
            return Ok(current.into());
        }
        let at = Timestamp::now();
        let updated =
            organizations::update_details(&mut tx, permit.workspace_id(), id, &change, at)
                .await
                .map_err(name_conflict)?;
        if !updated {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: Some(id),
            action: "organization.updated",
            target_kind: "organization",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes,
        };
        let connected = endpoints::of_organization_in(&mut tx, permit.workspace_id(), id).await?;
        announce_configuration(&mut tx, permit.workspace_id(), &connected).await?;
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.wake_outbox();
        self.read_organization(permit.workspace_id(), id).await
    }

    /// Replaces an organization's settings. `if_match` is the settings version the caller
    /// read; a stale one changes nothing. Only the agency changes the plan (sections, billing).
    #[tracing::instrument(skip_all)]
    pub async fn update_organization_settings(
        &self,
        actor: &Actor,
        id: OrganizationId,
        settings: OrganizationSettings,
        if_match: Option<i64>,
        context: &RequestContext,
    ) -> Result<Organization, AppError> {
        let mut tx = self.db.begin().await?;
        let current = organizations::find_in(&mut tx, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let resource = resource_of(&current);
        let permit = authorize(actor, Action::UpdateOrganization, &resource)?;
        let before = current.settings();
        if settings.differs_in_plan(&before) {
            authorize(actor, Action::SetOrganizationPlan, &resource).map_err(|_| {
                AppError::Forbidden("only the agency changes enabled_sections and billing")
            })?;
        }
        let mut check = Validation::default();
        for (field, message) in settings.contradictions() {
            check.fail(field, message);
        }
        check.finish()?;
        if if_match.is_some_and(|version| version != current.settings_version) {
            return Err(AppError::PreconditionFailed);
        }
        let mut changes = settings_changes(&before, &settings);
        if changes.is_empty() {
            return Ok(current.into());
        }
        let workspace_id = permit.workspace_id();
        let dropped = before.enabled_sections.without(settings.enabled_sections);
        if !dropped.is_empty() {
            // A section the plan drops is taken from every user now, not hidden until re-added.
            let users = client_users::restrict_to_plan(
                &mut tx,
                workspace_id,
                id,
                settings.enabled_sections,
            )
            .await?;
            changes = changes.set("users_losing_sections", users);
        }
        // Without If-Match the caller asked for no check; with it, the version must still hold.
        if !organizations::update_settings(&mut tx, workspace_id, id, &settings, if_match).await? {
            return Err(match if_match {
                Some(_) => AppError::PreconditionFailed,
                None => AppError::NotFound,
            });
        }
        let entry = Entry {
            organization_id: Some(id),
            action: "organization.settings_changed",
            target_kind: "organization",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes,
        };
        let connected = endpoints::of_organization_in(&mut tx, workspace_id, id).await?;
        announce_configuration(&mut tx, workspace_id, &connected).await?;
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.wake_outbox();
        self.read_organization(workspace_id, id).await
    }

    /// Deletes an organization when `confirm` is its exact name: its users and their sessions
    /// go, its agents return to the pool, and its activity entries stay.
    #[tracing::instrument(skip_all)]
    pub async fn delete_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        confirm: &str,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        let current = organizations::find_in(&mut tx, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::DeleteOrganization, &resource_of(&current))?;
        if confirm.trim() != current.name {
            return Err(AppError::invalid(
                "confirm",
                "must be the organization's name, exactly as shown",
            ));
        }
        let workspace_id = permit.workspace_id();
        teams::delete_for_organization(&mut tx, workspace_id, id).await?;
        let users = client_users::delete_for_organization(&mut tx, workspace_id, id).await?;
        let connected = endpoints::of_organization_in(&mut tx, workspace_id, id).await?;
        let agents = agents::unassign_all(&mut tx, workspace_id, id, Timestamp::now()).await?;
        announce_configuration(&mut tx, workspace_id, &connected).await?;
        if !organizations::delete(&mut tx, workspace_id, id).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: Some(id),
            action: "organization.deleted",
            target_kind: "organization",
            target_id: Some(id.as_uuid()),
            target_label: &current.name,
            changes: Changes::new()
                .field("name", &current.name, None::<String>)
                .set("users_removed", users)
                .set("agents_returned_to_pool", agents),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.wake_outbox();
        Ok(())
    }

    async fn read_organization(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        id: OrganizationId,
    ) -> Result<Organization, AppError> {
        organizations::find(&self.db, workspace_id, id)
            .await?
            .map(Organization::from)
            .ok_or(AppError::NotFound)
    }
}

/// Reads an organization of the permit's workspace inside `tx`; a missing one is a bad `field`.
pub(crate) async fn require(
    tx: &mut Tx,
    permit: &Permit,
    field: &str,
    id: OrganizationId,
) -> Result<OrganizationRow, AppError> {
    organizations::find_in(tx, permit.workspace_id(), id)
        .await?
        .ok_or_else(|| AppError::invalid(field, "no organization of this workspace has this id"))
}

/// The policy's view of a stored organization.
pub(crate) fn resource_of(organization: &OrganizationRow) -> Resource {
    Resource::Organization {
        workspace_id: organization.workspace_id,
        id: organization.id,
    }
}

/// The case-folded form of a search text; blank means no search.
pub(crate) fn search_key(search: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > OrganizationName::MAX_CHARS || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "q",
            "must be at most 120 characters without control characters",
        ));
    }
    Ok(Some(fold_case(text)))
}

/// Trims a page fetched with one row too many and returns the next page's cursor, if any.
pub(crate) fn next_page<T>(
    rows: &mut Vec<T>,
    limit: u64,
    cursor_of: impl Fn(&T) -> String,
) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(cursor_of)
}

fn name_conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { constraint } if constraint == organizations::NAME_CONSTRAINT => {
            AppError::Conflict {
                field: "name",
                message: "an organization with this name already exists",
            }
        }
        other => other.into(),
    }
}

/// Every settings field that differs, named as in the settings document.
fn settings_changes(before: &OrganizationSettings, after: &OrganizationSettings) -> Changes {
    let sections = |s: &OrganizationSettings| {
        s.enabled_sections
            .iter()
            .map(|p| serde_json::to_value(p).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    Changes::new()
        .field("language", before.language, after.language)
        .field("layout", before.layout, after.layout)
        .field(
            "handoff.enabled",
            before.handoff.enabled,
            after.handoff.enabled,
        )
        .field(
            "handoff.smart_handoff",
            before.handoff.smart_handoff,
            after.handoff.smart_handoff,
        )
        .field(
            "handoff.show_handoff_messages",
            before.handoff.show_handoff_messages,
            after.handoff.show_handoff_messages,
        )
        .field(
            "canned_responses",
            before.canned_responses,
            after.canned_responses,
        )
        .field(
            "billing.client_billing_enabled",
            before.billing.client_billing_enabled,
            after.billing.client_billing_enabled,
        )
        .field("billing.state", before.billing.state, after.billing.state)
        .field("enabled_sections", sections(before), sections(after))
}
