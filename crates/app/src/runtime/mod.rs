//! The connection between an agent and the agent runtime that runs it: the agent's runtime
//! keys, the configuration document the runtime reads, and the webhooks sent back to it.

pub mod configuration;
pub mod events;
pub mod keys;
pub mod webhooks;

use clientele_domain::{AgentId, RuntimeKeyId, WorkspaceId};

/// The agent a runtime key speaks for: a runtime acts for this one agent and nothing else.
/// Only [`crate::App::authenticate_runtime_key`] makes one.
#[derive(Clone, Debug)]
pub struct RuntimeAgent {
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    key_id: RuntimeKeyId,
}

impl RuntimeAgent {
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    pub fn workspace_id(&self) -> WorkspaceId {
        self.workspace_id
    }

    pub fn key_id(&self) -> RuntimeKeyId {
        self.key_id
    }
}
