//! Client organizations and their settings ("Org Info").

use crate::api::workspace::images::url_of;
use crate::api::{nullable, rfc3339};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clientele_app::clients::organizations::{
    NewOrganizationInput, OrganizationListRequest, OrganizationPatch,
};
use clientele_app::clients::organizations::{Organization, OrganizationSort};
use clientele_domain::{
    Billing, BillingState, Handoff, Language, Layout, OrganizationId, OrganizationSettings,
    Permission,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A client organization with its settings and how many users and agents it has.
#[derive(Serialize, ToSchema)]
pub struct OrganizationResponse {
    pub id: Uuid,
    pub name: String,
    pub logo_image_id: Option<String>,
    /// Where the logo is served, when there is one.
    pub logo_url: Option<String>,
    pub user_count: i64,
    pub agent_count: i64,
    pub settings: SettingsDocument,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Organization> for OrganizationResponse {
    fn from(row: Organization) -> Self {
        Self {
            settings: SettingsDocument::from(row.settings),
            id: row.id.as_uuid(),
            logo_url: row.logo_image_id.as_deref().map(url_of),
            logo_image_id: row.logo_image_id,
            name: row.name,
            user_count: row.user_count,
            agent_count: row.agent_count,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

/// The settings document ("Org Info"), read and replaced as a whole.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsDocument {
    /// The dashboard's interface language: `en`, `es`, `de`, `fr` or `pt`.
    #[schema(value_type = String, example = "en")]
    pub language: Language,
    /// `vertical` or `horizontal` navigation.
    #[schema(value_type = String, example = "vertical")]
    pub layout: Layout,
    pub handoff: HandoffDocument,
    /// Saved replies for client teams.
    pub canned_responses: bool,
    /// Set by the agency only.
    pub billing: BillingDocument,
    /// The dashboard sections this organization has at all (its plan), set by the agency only:
    /// `home`, `conversations`, `analytics`, `knowledge_base`, `channels`, `prompt`,
    /// `settings`, `custom_tabs`, `billing`.
    #[schema(value_type = Vec<String>)]
    pub enabled_sections: Vec<Permission>,
}

/// Human handoff; smart handoff and handoff messages need handoff enabled.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffDocument {
    pub enabled: bool,
    pub smart_handoff: bool,
    pub show_handoff_messages: bool,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingDocument {
    /// The organization's agents draw on its own credit balance and stop at zero.
    pub client_billing_enabled: bool,
    /// `none`, `trialing`, `active`, `past_due` or `canceled`.
    #[schema(value_type = String, example = "none")]
    pub state: BillingState,
}

impl From<OrganizationSettings> for SettingsDocument {
    fn from(settings: OrganizationSettings) -> Self {
        Self {
            language: settings.language,
            layout: settings.layout,
            handoff: HandoffDocument {
                enabled: settings.handoff.enabled,
                smart_handoff: settings.handoff.smart_handoff,
                show_handoff_messages: settings.handoff.show_handoff_messages,
            },
            canned_responses: settings.canned_responses,
            billing: BillingDocument {
                client_billing_enabled: settings.billing.client_billing_enabled,
                state: settings.billing.state,
            },
            enabled_sections: settings.enabled_sections.iter().collect(),
        }
    }
}

impl From<SettingsDocument> for OrganizationSettings {
    fn from(document: SettingsDocument) -> Self {
        Self {
            language: document.language,
            layout: document.layout,
            handoff: Handoff {
                enabled: document.handoff.enabled,
                smart_handoff: document.handoff.smart_handoff,
                show_handoff_messages: document.handoff.show_handoff_messages,
            },
            canned_responses: document.canned_responses,
            billing: Billing {
                client_billing_enabled: document.billing.client_billing_enabled,
                state: document.billing.state,
            },
            enabled_sections: document.enabled_sections.into_iter().collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationListResponse {
    pub organizations: Vec<OrganizationResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many organizations match, over all pages.
    pub total: i64,
}

/// How to order the list.
#[derive(Clone, Copy, Deserialize, ToSchema)]
pub enum SortParam {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDescending,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only organizations whose name contains this text, ignoring case.
    pub q: Option<String>,
    /// `name` (default), `-name`, `created_at` or `-created_at`.
    #[param(value_type = Option<String>)]
    pub sort: Option<SortParam>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Organizations per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationRequest {
    /// 1 to 120 characters, unique in the workspace regardless of case.
    pub name: String,
    /// An uploaded image's id.
    pub logo_image_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    pub name: Option<String>,
    /// An uploaded image's id, or `null` to remove the logo.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub logo_image_id: Option<Option<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// The organization's name, exactly: deleting cannot be undone.
    pub confirm: Option<String>,
}

/// Lists the workspace's organizations (agency accounts).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", operation_id = "listOrganizations",
    security(("session" = []), ("api_key" = [])), params(ListQuery),
    responses((status = 200, body = OrganizationListResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<OrganizationListResponse>, Problem> {
    let sort = match query.sort.unwrap_or(SortParam::Name) {
        SortParam::Name => OrganizationSort::NameAscending,
        SortParam::NameDescending => OrganizationSort::NameDescending,
        SortParam::CreatedAt => OrganizationSort::OldestFirst,
        SortParam::CreatedAtDescending => OrganizationSort::NewestFirst,
    };
    let request = OrganizationListRequest {
        search: query.q,
        sort,
        cursor: query.cursor,
        limit: query.limit,
    };
    let page = state.app.list_organizations(&caller.actor, request).await?;
    Ok(Json(OrganizationListResponse {
        organizations: page.organizations.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Creates an organization with default settings (agency accounts).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", operation_id = "createOrganization",
    security(("session" = []), ("api_key" = [])), request_body = CreateOrganizationRequest,
    responses((status = 201, body = OrganizationResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CreateOrganizationRequest>,
) -> Result<(StatusCode, Json<OrganizationResponse>), Problem> {
    let input = NewOrganizationInput {
        name: request.name,
        logo_image_id: request.logo_image_id,
    };
    let organization = state
        .app
        .create_organization(&caller.actor, input, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(organization.into())))
}

/// Reads an organization with its settings (agency accounts and the organization's admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", operation_id = "getOrganization",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = OrganizationResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<OrganizationResponse>, Problem> {
    let organization = state
        .app
        .organization(&caller.actor, OrganizationId::from(id))
        .await?;
    Ok(Json(organization.into()))
}

/// Renames an organization or changes its logo (agency accounts and the organization's admins).
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "organizations", operation_id = "updateOrganization",
    security(("session" = []), ("api_key" = [])), request_body = UpdateOrganizationRequest,
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = OrganizationResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateOrganizationRequest>,
) -> Result<Json<OrganizationResponse>, Problem> {
    let patch = OrganizationPatch {
        name: request.name,
        logo_image_id: request.logo_image_id,
    };
    let organization = state
        .app
        .update_organization(&caller.actor, OrganizationId::from(id), patch, &origin)
        .await?;
    Ok(Json(organization.into()))
}

/// Deletes an organization: its users and their sessions go, its agents return to the pool,
/// its activity entries stay (agency accounts).
#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "organizations", operation_id = "deleteOrganization",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization"), DeleteQuery),
    responses((status = 204, description = "Deleted"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "`confirm` is not the organization's name", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .delete_organization(
            &caller.actor,
            OrganizationId::from(id),
            query.confirm.as_deref().unwrap_or_default(),
            &origin,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads an organization's settings; the `ETag` header is what `If-Match` takes when updating.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/settings", tag = "organizations", operation_id = "getOrganizationSettings",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = SettingsDocument, headers(("etag" = String, description = "The settings' version"))),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, Problem> {
    let organization = state
        .app
        .organization(&caller.actor, OrganizationId::from(id))
        .await?;
    Ok(settings_response(&organization))
}

/// Replaces an organization's settings at once. With `If-Match`, a stale version is refused
/// (412) and nothing changes. Organization admins cannot change `enabled_sections` or `billing`.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/settings", tag = "organizations", operation_id = "updateOrganizationSettings",
    security(("session" = []), ("api_key" = [])), request_body = SettingsDocument,
    params(("id" = Uuid, Path, description = "The organization"),
        ("if-match" = Option<String>, Header, description = "The ETag the settings were read with")),
    responses((status = 200, body = SettingsDocument, headers(("etag" = String, description = "The settings' new version"))),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 412, description = "The settings changed since they were read", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "A contradiction, e.g. smart handoff without handoff", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn update_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(document): ApiJson<SettingsDocument>,
) -> Result<Response, Problem> {
    let if_match = match headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => match value.to_str().ok().map(str::trim) {
            Some("*") => None,
            // An ETag we never issued matches no version.
            text => Some(text.and_then(version_of).unwrap_or(-1)),
        },
    };
    let organization = state
        .app
        .update_organization_settings(
            &caller.actor,
            OrganizationId::from(id),
            document.into(),
            if_match,
            &origin,
        )
        .await?;
    Ok(settings_response(&organization))
}

fn settings_response(organization: &Organization) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", organization.settings_version))
        .unwrap_or(HeaderValue::from_static("\"0\""));
    let mut response = Json(SettingsDocument::from(organization.settings)).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// The settings version a strong ETag names: `"7"`. If-Match compares strongly, so a weak
/// `W/"7"` names none.
fn version_of(etag: &str) -> Option<i64> {
    etag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}
