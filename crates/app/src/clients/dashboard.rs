//! What a client user's dashboard shows them: their organization, the sections they may open
//! and the agents they may use.

use crate::App;
use crate::clients::agents::Agent;
use crate::clients::client_users::ClientUser;
use crate::clients::organizations::Organization;
use crate::error::AppError;
use clientele_domain::{Action, Actor, AgentAccess, Permission, Principal, Resource, authorize};
use clientele_store::clients::agents::{self, AgentQuery};
use clientele_store::clients::client_users;
use clientele_store::clients::organizations;

/// A client user's view of their own organization.
#[derive(Debug)]
pub struct Dashboard {
    pub organization: Organization,
    pub user: ClientUser,
    /// The sections to show, in navigation order: those the user holds that the plan has, and
    /// billing only while the agency lets the organization bill itself.
    pub sections: Vec<Permission>,
    /// The agents the user may use.
    pub agents: Vec<Agent>,
}

/// The most agents an organization's switcher lists.
const MOST_AGENTS: u64 = 200;

impl App {
    /// The signed-in client user's dashboard; agency accounts have none (403).
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        let permit = authorize(
            actor,
            Action::ReadOwnAccount,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let Principal::ClientUser {
            id,
            organization_id,
            permissions,
        } = actor.principal
        else {
            return Err(AppError::Forbidden("only client users have a dashboard"));
        };
        let workspace_id = permit.workspace_id();
        let query = AgentQuery {
            search: None,
            assigned: None,
            organization_id: Some(organization_id),
            after: None,
            limit: MOST_AGENTS,
        };
        let (organization, user, agents) = tokio::try_join!(
            organizations::find(&self.db, workspace_id, organization_id),
            client_users::find(&self.db, workspace_id, id),
            agents::list(&self.db, workspace_id, &query),
        )?;
        let (Some(organization), Some(user)) = (organization, user) else {
            return Err(AppError::NotFound);
        };
        let agents = match user.agent_access {
            AgentAccess::All => agents,
            AgentAccess::Selected => {
                let grants =
                    client_users::agent_grants(&self.db, workspace_id, None, Some(&[id])).await?;
                agents
                    .into_iter()
                    .filter(|a| grants.iter().any(|g| g.agent_id == a.id))
                    .collect()
            }
        };
        let billing = organization.client_billing_enabled;
        let sections = permissions
            .iter()
            .filter(|p| *p != Permission::OrgAdmin && (*p != Permission::Billing || billing))
            .collect();
        Ok(Dashboard {
            organization: organization.into(),
            user: user.into(),
            sections,
            agents: agents.into_iter().map(Agent::from).collect(),
        })
    }
}
