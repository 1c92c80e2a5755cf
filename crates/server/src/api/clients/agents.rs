//! The agent pool and each agent's assignment to an organization.

use crate::api::workspace::images::url_of;
use crate::api::{nullable, rfc3339};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::clients::agents::Agent;
use clientele_app::clients::agents::{AgentInput, AgentListRequest, AgentPatch};
use clientele_domain::{AgentId, AgentKind, OrganizationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An AI agent of the workspace and, when assigned, its organization.
#[derive(Serialize, ToSchema)]
pub struct AgentResponse {
    pub id: Uuid,
    pub name: String,
    /// `chat` or `voice`.
    #[schema(value_type = String, example = "chat")]
    pub kind: AgentKind,
    pub description: String,
    pub avatar_image_id: Option<String>,
    pub avatar_url: Option<String>,
    /// The agent's id in the agency's agent runtime.
    pub external_ref: Option<String>,
    /// The organization the agent is assigned to; absent while it is in the pool.
    pub organization: Option<AssignedOrganization>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AssignedOrganization {
    pub id: Uuid,
    pub name: String,
}

impl From<Agent> for AgentResponse {
    fn from(row: Agent) -> Self {
        let organization = row
            .organization_id
            .zip(row.organization_name)
            .map(|(id, name)| AssignedOrganization {
                id: id.as_uuid(),
                name,
            });
        Self {
            id: row.id.as_uuid(),
            name: row.name,
            kind: row.kind,
            description: row.description,
            avatar_url: row.avatar_image_id.as_deref().map(url_of),
            avatar_image_id: row.avatar_image_id,
            external_ref: row.external_ref,
            organization,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgentListResponse {
    pub agents: Vec<AgentResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only agents whose name contains this text, ignoring case.
    pub q: Option<String>,
    /// `false`: only agents in the pool; `true`: only assigned agents.
    pub assigned: Option<bool>,
    /// Only the agents of this organization.
    pub organization_id: Option<Uuid>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Agents per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentRequest {
    /// 1 to 120 characters.
    pub name: String,
    /// `chat` or `voice`.
    #[schema(value_type = String, example = "chat")]
    pub kind: AgentKind,
    /// Up to 2,000 characters.
    pub description: Option<String>,
    /// An uploaded image's id.
    pub avatar_image_id: Option<String>,
    /// The agent's id in the agent runtime: unique in the workspace; letters, digits, `._-:@~`.
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertAgentRequest {
    pub name: String,
    #[schema(value_type = String, example = "voice")]
    pub kind: AgentKind,
    pub description: Option<String>,
    pub avatar_image_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub kind: Option<AgentKind>,
    pub description: Option<String>,
    /// An uploaded image's id, or `null` to remove the avatar.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub avatar_image_id: Option<Option<String>>,
    /// `null` removes the reference.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignAgentRequest {
    pub organization_id: Uuid,
    /// Move the agent if another organization has it; without it, that is a 409 conflict.
    #[serde(default, rename = "move")]
    pub allow_move: bool,
}

/// Lists the workspace's agents by name (agency accounts).
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", operation_id = "listAgents",
    security(("session" = []), ("api_key" = [])), params(ListQuery),
    responses((status = 200, body = AgentListResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<AgentListResponse>, Problem> {
    let request = AgentListRequest {
        search: query.q,
        assigned: query.assigned,
        organization_id: query.organization_id.map(OrganizationId::from),
        cursor: query.cursor,
        limit: query.limit,
    };
    let page = state.app.list_agents(&caller.actor, request).await?;
    Ok(Json(AgentListResponse {
        agents: page.agents.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Adds an agent to the pool (agency accounts).
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", operation_id = "createAgent",
    security(("session" = []), ("api_key" = [])), request_body = CreateAgentRequest,
    responses((status = 201, body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The external reference is taken", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CreateAgentRequest>,
) -> Result<(StatusCode, Json<AgentResponse>), Problem> {
    let input = AgentInput {
        name: request.name,
        kind: request.kind,
        description: request.description,
        avatar_image_id: request.avatar_image_id,
        external_ref: request.external_ref,
    };
    let agent = state
        .app
        .create_agent(&caller.actor, input, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(agent.into())))
}

/// Creates or replaces the agent with this external reference: 201 when created, 200 when
/// replaced (agency accounts). Its assignment is kept.
#[utoipa::path(put, path = "/api/v1/agents/by-external-ref/{external_ref}", tag = "agents", operation_id = "upsertAgent",
    security(("session" = []), ("api_key" = [])), request_body = UpsertAgentRequest,
    params(("external_ref" = String, Path, description = "The agent's id in the agent runtime")),
    responses((status = 200, description = "Replaced", body = AgentResponse),
        (status = 201, description = "Created", body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn upsert(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(external_ref): ApiPath<String>,
    ApiJson(request): ApiJson<UpsertAgentRequest>,
) -> Result<(StatusCode, Json<AgentResponse>), Problem> {
    let input = AgentInput {
        name: request.name,
        kind: request.kind,
        description: request.description,
        avatar_image_id: request.avatar_image_id,
        external_ref: None,
    };
    let (agent, created) = state
        .app
        .upsert_agent(&caller.actor, &external_ref, input, &origin)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(agent.into())))
}

/// Reads an agent (agency accounts).
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents", operation_id = "getAgent",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AgentResponse>, Problem> {
    let agent = state.app.agent(&caller.actor, AgentId::from(id)).await?;
    Ok(Json(agent.into()))
}

/// Changes an agent's fields (agency accounts).
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", operation_id = "updateAgent",
    security(("session" = []), ("api_key" = [])), request_body = UpdateAgentRequest,
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The external reference is taken", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateAgentRequest>,
) -> Result<Json<AgentResponse>, Problem> {
    let patch = AgentPatch {
        name: request.name,
        kind: request.kind,
        description: request.description,
        avatar_image_id: request.avatar_image_id,
        external_ref: request.external_ref,
    };
    let agent = state
        .app
        .update_agent(&caller.actor, AgentId::from(id), patch, &origin)
        .await?;
    Ok(Json(agent.into()))
}

/// Deletes an agent, wherever it is assigned (agency accounts).
#[utoipa::path(delete, path = "/api/v1/agents/{id}", tag = "agents", operation_id = "deleteAgent",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 204, description = "Deleted"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .delete_agent(&caller.actor, AgentId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns an agent to an organization; with `move`, takes it from the organization that has
/// it (agency accounts). An agent belongs to at most one organization.
#[utoipa::path(put, path = "/api/v1/agents/{id}/organization", tag = "agents", operation_id = "assignAgent",
    security(("session" = []), ("api_key" = [])), request_body = AssignAgentRequest,
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "Assigned to another organization and `move` not set", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "No such organization in this workspace", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn assign(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AssignAgentRequest>,
) -> Result<Json<AgentResponse>, Problem> {
    let agent = state
        .app
        .assign_agent(
            &caller.actor,
            AgentId::from(id),
            OrganizationId::from(request.organization_id),
            request.allow_move,
            &origin,
        )
        .await?;
    Ok(Json(agent.into()))
}

/// Returns an agent to the pool (agency accounts).
#[utoipa::path(delete, path = "/api/v1/agents/{id}/organization", tag = "agents", operation_id = "unassignAgent",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The agent")),
    responses((status = 200, body = AgentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn unassign(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AgentResponse>, Problem> {
    let agent = state
        .app
        .unassign_agent(&caller.actor, AgentId::from(id), &origin)
        .await?;
    Ok(Json(agent.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Only agents whose name contains this text, ignoring case.
    pub q: Option<String>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Agents per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Lists the agents assigned to an organization by name (agency accounts and the
/// organization's admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/agents", tag = "agents", operation_id = "listOrganizationAgents",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization"), PageQuery),
    responses((status = 200, body = AgentListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list_for_organization(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<AgentListResponse>, Problem> {
    let request = AgentListRequest {
        search: query.q,
        cursor: query.cursor,
        limit: query.limit,
        ..AgentListRequest::default()
    };
    let page = state
        .app
        .organization_agents(&caller.actor, OrganizationId::from(id), request)
        .await?;
    Ok(Json(AgentListResponse {
        agents: page.agents.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}
