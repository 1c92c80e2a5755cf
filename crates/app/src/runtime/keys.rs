//! Runtime keys: issuing an agent's key (shown once, stored as a hash), rotating it with an
//! overlap during which the previous key still works, revoking it, and authenticating a
//! runtime by it.

use crate::error::AppError;
use crate::identity::tokens::Token;
use crate::runtime::RuntimeAgent;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{
    Action, Actor, AgentId, Permit, Resource, RuntimeKeyId, Timestamp, authorize,
};
use clientele_store::clients::agents::{self, AgentRow};
use clientele_store::runtime::keys::{self, NewRuntimeKey, RuntimeKeyRow};
use std::time::Duration;

/// What every runtime key starts with, so it is told apart from other credentials at a glance.
pub const RUNTIME_KEY_PREFIX: &str = "rk_";
/// How long a rotated-out key keeps working when the rotation names no overlap.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest overlap a rotation may ask for.
pub const MOST_OVERLAP: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How often a key's last use is written down, at most.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// A runtime key that works now (its token is never kept).
#[derive(Clone, Debug)]
pub struct RuntimeKey {
    pub id: RuntimeKeyId,
    pub agent_id: AgentId,
    /// The token's first characters, so people can tell keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    /// Set while the key is being rotated out: it stops working then.
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

impl From<RuntimeKeyRow> for RuntimeKey {
    fn from(row: RuntimeKeyRow) -> Self {
        let at = |micros: Option<i64>| micros.and_then(|m| Timestamp::try_from(m).ok());
        Self {
            id: row.id,
            agent_id: row.agent_id,
            prefix: row.prefix,
            created_at: row.created_at,
            expires_at: at(row.expires_at),
            last_used_at: at(row.last_used_at),
        }
    }
}

/// A key just issued: the token is shown this once.
#[derive(Debug)]
pub struct IssuedRuntimeKey {
    pub key: RuntimeKey,
    pub token: Token,
    /// When the key it replaced stops working, if it replaced one.
    pub previous_expires_at: Option<Timestamp>,
}

impl App {
    /// The agent's keys that work now, newest first (owner and admins).
    pub async fn runtime_keys(
        &self,
        actor: &Actor,
        agent_id: AgentId,
    ) -> Result<Vec<RuntimeKey>, AppError> {
        let (_, permit) = self.runtime_permit(actor, agent_id).await?;
        let rows =
            keys::working_for_agent(&self.db, permit.workspace_id(), agent_id, Timestamp::now())
                .await?;
        Ok(rows.into_iter().map(RuntimeKey::from).collect())
    }

    /// Issues the agent a new runtime key. A key it already has keeps working for `overlap`
    /// (a day unless said otherwise), so the runtime can switch without a gap.
    #[tracing::instrument(skip_all)]
    pub async fn issue_runtime_key(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        overlap: Option<Duration>,
        context: &RequestContext,
    ) -> Result<IssuedRuntimeKey, AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let overlap = overlap.unwrap_or(DEFAULT_OVERLAP);
        if overlap > MOST_OVERLAP {
            return Err(AppError::invalid(
                "overlap_seconds",
                "must be at most 604800 (7 days)",
            ));
        }
        let workspace_id = permit.workspace_id();
        let now = Timestamp::now();
        let until = now.after(overlap);
        let token = Token::generate(RUNTIME_KEY_PREFIX)?;
        let prefix = token.reveal()[..RUNTIME_KEY_PREFIX.len() + 6].to_owned();
        let id = RuntimeKeyId::new();
        let mut tx = self.db.begin().await?;
        let rotated = keys::retire(&mut tx, workspace_id, agent_id, until, now).await? > 0;
        self.connect(&mut tx, &agent).await?;
        let new = NewRuntimeKey {
            id,
            workspace_id,
            agent_id,
            token_hash: &token.hash(),
            prefix: &prefix,
            created_at: now,
        };
        keys::insert(&mut tx, &new).await?;
        let changes = Changes::new().set("prefix", &prefix);
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: if rotated {
                "agent.runtime_key_rotated"
            } else {
                "agent.runtime_key_created"
            },
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: if rotated {
                changes.set("previous_key_expires_at", until.unix_micros())
            } else {
                changes
            },
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(IssuedRuntimeKey {
            key: RuntimeKey {
                id,
                agent_id,
                prefix,
                created_at: now,
                expires_at: None,
                last_used_at: None,
            },
            token,
            previous_expires_at: rotated.then_some(until),
        })
    }

    /// Revokes every key of the agent at once: its runtime is cut off until a new key is issued.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_runtime_keys(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let mut tx = self.db.begin().await?;
        let revoked =
            keys::revoke_all(&mut tx, permit.workspace_id(), agent_id, Timestamp::now()).await?;
        if revoked == 0 {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: "agent.runtime_keys_revoked",
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: Changes::new().set("keys_revoked", revoked),
        };
        activity::commit(tx, &permit, actor, context, entry).await
    }

    /// The agent a runtime key speaks for, if the key works now.
    pub async fn authenticate_runtime_key(&self, token: &Token) -> Result<RuntimeAgent, AppError> {
        if !token.reveal().starts_with(RUNTIME_KEY_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let now = Timestamp::now();
        let key = keys::find_working_by_token_hash(&self.db, &token.hash(), now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let stale = key.last_used_at.is_none_or(|used| {
            now.unix_micros() - used >= i64::try_from(TOUCH_INTERVAL.as_micros()).unwrap_or(0)
        });
        if stale {
            let mut tx = self.db.begin().await?;
            keys::touch(&mut tx, key.id, now).await?;
            tx.commit().await?;
        }
        Ok(RuntimeAgent {
            workspace_id: key.workspace_id,
            agent_id: key.agent_id,
            key_id: key.id,
        })
    }

    /// The agent, found in the actor's workspace, and the permit to manage its connection.
    pub(crate) async fn runtime_permit(
        &self,
        actor: &Actor,
        agent_id: AgentId,
    ) -> Result<(AgentRow, Permit), AppError> {
        let agent = agents::find(&self.db, actor.workspace_id, agent_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let resource = Resource::Agent {
            workspace_id: agent.workspace_id,
            id: agent.id,
        };
        let permit = authorize(actor, Action::ManageRuntimeConnection, &resource)?;
        Ok((agent, permit))
    }
}
