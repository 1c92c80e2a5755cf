//! Clients and agents for tests: agents in a workspace's pool, teams, and image files.

use crate::Credentials;
use crate::accounts::Workspace;
use crate::app::TestApp;
use clientele_app::RequestContext;
use clientele_app::clients::agents::AgentInput;
use clientele_app::clients::teams::TeamInput;
use clientele_domain::{AgentId, AgentKind, OrganizationId, TeamId};

impl TestApp {
    /// Adds a chat agent called `name` to `workspace`'s pool.
    pub async fn agent(&self, workspace: &Workspace, name: &str) -> AgentId {
        let input = AgentInput {
            name: name.to_owned(),
            kind: AgentKind::Chat,
            description: None,
            avatar_image_id: None,
            external_ref: None,
        };
        self.app
            .create_agent(&workspace.owner.actor(), input, &RequestContext::default())
            .await
            .expect("an agent")
            .id
    }

    /// Issues `agent` of `workspace` a runtime key, as the owner: the runtime's credentials
    /// and the key.
    pub async fn runtime_key(
        &self,
        workspace: &Workspace,
        agent: AgentId,
    ) -> (Credentials, clientele_app::runtime::keys::RuntimeKey) {
        let issued = self
            .app
            .issue_runtime_key(
                &workspace.owner.actor(),
                agent,
                None,
                &RequestContext::default(),
            )
            .await
            .expect("a runtime key");
        let token = issued.token.reveal().to_owned();
        (Credentials::RuntimeKey(token), issued.key)
    }

    /// A team of `organization`, made by the workspace's owner.
    pub async fn team(
        &self,
        workspace: &Workspace,
        organization: OrganizationId,
        name: &str,
    ) -> TeamId {
        let input = TeamInput {
            name: Some(name.to_owned()),
            description: None,
        };
        self.app
            .create_team(
                &workspace.owner.actor(),
                organization,
                input,
                &RequestContext::default(),
            )
            .await
            .expect("a team")
            .team
            .id
    }
}

/// The start of a PNG file of `width` x `height` pixels: enough for anything that reads its
/// format and size, and distinct for every size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}
