//! Clients and agents for tests: agents in a workspace's pool, teams, and image files.

use crate::Credentials;
use crate::accounts::Workspace;
use crate::app::TestApp;
use clientele_app::RequestContext;
use clientele_app::clients::agents::AgentInput;
use clientele_app::clients::teams::TeamInput;
use clientele_domain::{AgentId, AgentKind, ConversationId, OrganizationId, TeamId};

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

    /// A conversation `external_id` of a new agent serving `organization`, reported by the
    /// agent's runtime with `messages` (contact and agent taking turns, a second apart).
    pub async fn conversation(
        &self,
        workspace: &Workspace,
        organization: OrganizationId,
        external_id: &str,
        messages: &[&str],
    ) -> (AgentId, ConversationId) {
        let agent = self
            .agent(workspace, &format!("Agent for {external_id}"))
            .await;
        self.app
            .assign_agent(
                &workspace.owner.actor(),
                agent,
                organization,
                false,
                &RequestContext::default(),
            )
            .await
            .expect("the agent serves the organization");
        let (runtime, _) = self.runtime_key(workspace, agent).await;
        let start = serde_json::json!({
            "id": format!("{external_id}-start"), "type": "conversation.started",
            "conversation_id": external_id, "channel": "web",
            "contact": { "name": "Dana Scott", "email": "dana@example.test" },
            "occurred_at": "2026-03-01T10:00:00Z",
        });
        let turns = messages.iter().enumerate().map(|(i, text)| {
            serde_json::json!({
                "id": format!("{external_id}-{i}"), "type": "message", "conversation_id": external_id,
                "role": if i % 2 == 0 { "contact" } else { "agent" }, "text": text,
                "occurred_at": format!("2026-03-01T10:00:{:02}Z", i + 1),
            })
        });
        let batch: Vec<serde_json::Value> = std::iter::once(start).chain(turns).collect();
        let answer = self
            .request(&runtime, reqwest::Method::POST, "/runtime/v1/events")
            .json(&serde_json::json!({ "events": batch }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(answer.status(), 200, "the runtime's events land");
        let stored = clientele_store::conversations::find_by_external_id(
            &self.db,
            workspace.id,
            agent,
            external_id,
        )
        .await
        .expect("the database answers")
        .expect("the conversation is stored");
        (agent, stored.id)
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
