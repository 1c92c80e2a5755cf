//! What a runtime reads for its agent: the configuration document, with an ETag so that
//! polling costs a 304 while nothing changed.

use crate::extract::RuntimeCaller;
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clientele_app::runtime::configuration::{AgentConfiguration, Configuration};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Everything the runtime needs to run the agent.
#[derive(Serialize, ToSchema)]
pub struct ConfigurationResponse {
    pub agent: ConfiguredAgentResponse,
    /// The organization the agent serves; null while it waits in the agency's pool.
    pub organization: Option<ConfiguredOrganizationResponse>,
    /// Whether the agent may answer anyone now.
    pub may_run: bool,
    /// Why it may not, when it may not.
    pub stopped_because: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfiguredAgentResponse {
    pub id: Uuid,
    pub name: String,
    /// `chat` or `voice`.
    pub kind: String,
    pub description: String,
    /// The agent's id in the runtime, when the agency set one.
    pub external_ref: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfiguredOrganizationResponse {
    pub id: Uuid,
    pub name: String,
    /// The language the organization's people and contacts use: `en`, `de`, `fr`, `es`, `pt`.
    pub language: String,
    /// Whether people of the organization can take conversations over.
    pub handoff_enabled: bool,
    /// Whether the agent decides when to hand over.
    pub smart_handoff: bool,
    /// Whether handoff messages show in the dashboard.
    pub show_handoff_messages: bool,
}

impl From<AgentConfiguration> for ConfigurationResponse {
    fn from(document: AgentConfiguration) -> Self {
        let agent = document.agent;
        Self {
            agent: ConfiguredAgentResponse {
                id: agent.id.as_uuid(),
                name: agent.name,
                kind: agent.kind.as_str().to_owned(),
                description: agent.description,
                external_ref: agent.external_ref,
            },
            organization: document
                .organization
                .map(|o| ConfiguredOrganizationResponse {
                    id: o.id.as_uuid(),
                    name: o.name,
                    language: o.language.as_str().to_owned(),
                    handoff_enabled: o.handoff_enabled,
                    smart_handoff: o.smart_handoff,
                    show_handoff_messages: o.show_handoff_messages,
                }),
            may_run: document.may_run,
            stopped_because: document.stopped_because.map(str::to_owned),
        }
    }
}

/// The agent's configuration (runtime key). Send the last `ETag` as `If-None-Match`: while
/// nothing changed the answer is 304 without a body.
#[utoipa::path(get, path = "/runtime/v1/configuration", tag = "runtime", operation_id = "getRuntimeConfiguration",
    security(("runtime_key" = [])),
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the copy the runtime has")),
    responses((status = 200, body = ConfigurationResponse, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the given ETag"),
        (status = 401, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    RuntimeCaller(runtime): RuntimeCaller,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Configuration { document, etag } = state.app.runtime_configuration(&runtime).await?;
    let etag = format!("\"{etag}\"");
    let tag = HeaderValue::from_str(&etag).map_err(|_| Problem::internal())?;
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == etag || candidate.trim() == "*");
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    let body = Json(ConfigurationResponse::from(document));
    Ok((StatusCode::OK, [(header::ETAG, tag)], body).into_response())
}
