//! The configuration document a runtime reads for its agent: who the agent is, the
//! organization it serves and its handoff settings, and whether the agent may run. Its ETag is
//! a hash of its content, so it changes exactly when the document does.

use crate::App;
use crate::error::AppError;
use crate::runtime::RuntimeAgent;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clientele_domain::{AgentId, AgentKind, Language, OrganizationId, WorkspaceId};
use clientele_store::Tx;
use clientele_store::clients::agents::{self, AgentRow};
use clientele_store::clients::organizations::{self, OrganizationRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Everything the runtime needs to run the agent, as far as Clientele knows it today.
#[derive(Clone, Debug, Serialize)]
pub struct AgentConfiguration {
    pub agent: ConfiguredAgent,
    /// The organization the agent serves; none while it waits in the agency's pool.
    pub organization: Option<ConfiguredOrganization>,
    /// Whether the agent may answer anyone now.
    pub may_run: bool,
    /// Why it may not, when it may not.
    pub stopped_because: Option<&'static str>,
}

/// The agent itself.
#[derive(Clone, Debug, Serialize)]
pub struct ConfiguredAgent {
    pub id: AgentId,
    pub name: String,
    pub kind: AgentKind,
    pub description: String,
    /// The agent's id in the runtime, when the agency set one.
    pub external_ref: Option<String>,
}

/// The organization an agent serves, and how its people take conversations over.
#[derive(Clone, Debug, Serialize)]
pub struct ConfiguredOrganization {
    pub id: OrganizationId,
    pub name: String,
    pub language: Language,
    pub handoff_enabled: bool,
    pub smart_handoff: bool,
    pub show_handoff_messages: bool,
}

/// The document and the tag that names its content.
#[derive(Clone, Debug)]
pub struct Configuration {
    pub document: AgentConfiguration,
    pub etag: String,
}

impl App {
    /// The configuration of the agent the runtime speaks for.
    pub async fn runtime_configuration(
        &self,
        runtime: &RuntimeAgent,
    ) -> Result<Configuration, AppError> {
        let workspace_id = runtime.workspace_id();
        let agent = agents::find(&self.db, workspace_id, runtime.agent_id())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let organization = match agent.organization_id() {
            Some(id) => organizations::find(&self.db, workspace_id, id).await?,
            None => None,
        };
        configuration_of(agent, organization)
    }
}

/// The agent's configuration as the transaction sees it, changes included; none when the
/// agent is gone.
pub(crate) async fn configuration_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
) -> Result<Option<Configuration>, AppError> {
    let Some(agent) = agents::find_in(tx, workspace_id, agent_id).await? else {
        return Ok(None);
    };
    let organization = match agent.organization_id() {
        Some(id) => organizations::find_in(tx, workspace_id, id).await?,
        None => None,
    };
    configuration_of(agent, organization).map(Some)
}

fn configuration_of(
    agent: AgentRow,
    organization: Option<OrganizationRow>,
) -> Result<Configuration, AppError> {
    let organization = organization.map(|row| {
        let settings = row.settings();
        ConfiguredOrganization {
            id: row.id,
            name: row.name,
            language: settings.language,
            handoff_enabled: settings.handoff.enabled,
            smart_handoff: settings.handoff.smart_handoff,
            show_handoff_messages: settings.handoff.show_handoff_messages,
        }
    });
    let stopped_because = organization
        .is_none()
        .then_some("the agent is not assigned to an organization");
    let document = AgentConfiguration {
        agent: ConfiguredAgent {
            id: agent.id,
            name: agent.name,
            kind: agent.kind,
            description: agent.description,
            external_ref: agent.external_ref,
        },
        organization,
        may_run: stopped_because.is_none(),
        stopped_because,
    };
    let etag = etag_of(&document)?;
    Ok(Configuration { document, etag })
}

fn etag_of(document: &AgentConfiguration) -> Result<String, AppError> {
    let bytes = serde_json::to_vec(document).map_err(AppError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(&Sha256::digest(&bytes)[..18]))
}
