//! The access review of an organization: who can open what, and where least privilege is
//! slipping.

use crate::clients::organizations::Organization;
use crate::error::AppError;
use crate::{App, clients::client_users::ClientUserView};
use clientele_domain::{
    Action, Actor, AgentAccess, ClientUserStatus, OrganizationId, Permission, Timestamp,
};
use clientele_store::clients::agents::{self, AgentQuery};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

/// Org admins beyond this many are flagged: more admins, more ways in.
pub const EXPECTED_ORG_ADMINS: usize = 2;
/// A user who has not signed in this long after being added is flagged.
pub const SIGN_IN_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A least-privilege problem of one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFlag {
    /// An org admin beyond the first two (by when they were added).
    ExcessOrgAdmin,
    /// Added more than 30 days ago and never signed in.
    NeverSignedIn,
}

impl AccessFlag {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ExcessOrgAdmin => "excess_org_admin",
            Self::NeverSignedIn => "never_signed_in",
        }
    }
}

/// One user's line of the review.
#[derive(Debug)]
pub struct AccessLine {
    pub user: ClientUserView,
    /// The names of the agents the user may use.
    pub agents: Vec<(clientele_domain::AgentId, String)>,
    pub flags: Vec<AccessFlag>,
}

/// The review of one organization, users by name.
#[derive(Debug)]
pub struct AccessReport {
    pub organization: Organization,
    pub generated_at: Timestamp,
    pub lines: Vec<AccessLine>,
}

impl App {
    /// Every user of an organization with status, permissions, agents, teams, last sign-in,
    /// and flags for least-privilege problems.
    pub async fn access_report(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
    ) -> Result<AccessReport, AppError> {
        let (organization, permit) = self
            .organization_permit(actor, organization_id, Action::ReadAccessReport)
            .await?;
        let workspace_id = permit.workspace_id();
        let query = AgentQuery {
            search: None,
            assigned: Some(true),
            organization_id: Some(organization_id),
            after: None,
            limit: u64::MAX >> 1,
        };
        let (users, agents) = tokio::try_join!(
            clientele_store::clients::client_users::all_of_organization(
                &self.db,
                workspace_id,
                organization_id
            ),
            agents::list(&self.db, workspace_id, &query),
        )?;
        let agents: Vec<_> = agents.into_iter().map(|a| (a.id, a.name)).collect();
        let views = self.views(workspace_id, users).await?;
        let now = Timestamp::now();
        let excess = excess_org_admins(&views);
        let lines = views
            .into_iter()
            .map(|view| {
                let mut flags = Vec::new();
                if excess.contains(&view.user.id) {
                    flags.push(AccessFlag::ExcessOrgAdmin);
                }
                if never_signed_in(&view, now) {
                    flags.push(AccessFlag::NeverSignedIn);
                }
                let usable = match view.user.agent_access {
                    AgentAccess::All => agents.clone(),
                    AgentAccess::Selected => agents
                        .iter()
                        .filter(|(id, _)| view.agent_ids.contains(id))
                        .cloned()
                        .collect(),
                };
                AccessLine {
                    user: view,
                    agents: usable,
                    flags,
                }
            })
            .collect();
        Ok(AccessReport {
            organization: organization.into(),
            generated_at: now,
            lines,
        })
    }
}

/// The org admins after the first two to be added, among those not disabled.
fn excess_org_admins(views: &[ClientUserView]) -> Vec<clientele_domain::ClientUserId> {
    let mut admins: Vec<_> = views
        .iter()
        .map(|v| &v.user)
        .filter(|u| {
            u.permissions.contains(Permission::OrgAdmin) && u.status != ClientUserStatus::Disabled
        })
        .map(|u| (u.created_at, u.id))
        .collect();
    admins.sort();
    admins
        .into_iter()
        .skip(EXPECTED_ORG_ADMINS)
        .map(|(_, id)| id)
        .collect()
}

fn never_signed_in(view: &ClientUserView, now: Timestamp) -> bool {
    let grace = i64::try_from(SIGN_IN_GRACE.as_micros()).unwrap_or(i64::MAX);
    view.user.status != ClientUserStatus::Disabled
        && view.user.last_sign_in_at.is_none()
        && now.unix_micros() - view.user.created_at.unix_micros() > grace
}

/// Renders the report as CSV, one line per user. Cells that a spreadsheet would run as a
/// formula are prefixed with `'`.
pub fn to_csv(report: &AccessReport) -> Result<String, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "name",
        "email",
        "status",
        "permissions",
        "agent_access",
        "agents",
        "teams",
        "last_sign_in_at",
        "flags",
    ];
    writer.write_record(header).map_err(AppError::internal)?;
    for line in &report.lines {
        let user = &line.user.user;
        let join = |items: Vec<String>| items.join("; ");
        let record = [
            user.name.clone(),
            user.email.clone(),
            user.status.as_str().to_owned(),
            join(
                user.permissions
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect(),
            ),
            user.agent_access.as_str().to_owned(),
            join(line.agents.iter().map(|(_, name)| name.clone()).collect()),
            join(
                line.user
                    .teams
                    .iter()
                    .map(|t| format!("{} ({})", t.team_name, t.role.as_str()))
                    .collect(),
            ),
            user.last_sign_in_at
                .and_then(|t| t.as_offset_date_time().format(&Rfc3339).ok())
                .unwrap_or_default(),
            join(line.flags.iter().map(|f| f.as_str().to_owned()).collect()),
        ];
        writer
            .write_record(record.iter().map(|cell| defuse(cell)))
            .map_err(AppError::internal)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal(e.into_error()))?;
    String::from_utf8(bytes).map_err(AppError::internal)
}

/// Keeps a cell from being read as a formula by spreadsheet programs.
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}
