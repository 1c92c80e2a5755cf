//! The pages of one organization that the agency and the organization's own admins share:
//! its users, its teams and its settings ("Org Info"). Each builds a view from the services;
//! the console and the dashboard put it in their own frame.

use crate::state::AppState;
use crate::web::i18n::Messages;
use crate::web::page::{PageError, initial};
use clientele_app::clients::client_users::{ClientUserListRequest, ClientUserView};
use clientele_app::clients::organizations::Organization;
use clientele_domain::{
    Action, Actor, AgentAccess, BillingState, ClientUserStatus, Language, Layout, OrganizationId,
    Permission, Principal, authorize, may_grant,
};
use serde_json::json;

const USERS_PER_PAGE: u64 = 50;

/// One checkbox of a permission list.
pub struct PermissionOption {
    pub value: &'static str,
    pub label: String,
    /// The organization's plan lacks it: shown, but it cannot be granted.
    pub unavailable: bool,
}

/// One user, as the users table shows them.
pub struct UserLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub initial: String,
    pub image_url: Option<String>,
    pub status: &'static str,
    pub status_label: String,
    pub status_class: &'static str,
    pub permissions: Vec<String>,
    pub agents: String,
    pub teams: Vec<String>,
    /// The edit form's values, as JSON.
    pub fill: String,
    /// The user signs in with a second factor (which the agency can reset).
    pub two_factor: bool,
}

/// The users tab.
pub struct UsersView {
    pub org_id: String,
    pub org_name: String,
    pub search: String,
    pub users: Vec<UserLine>,
    pub next_cursor: Option<String>,
    pub permissions: Vec<PermissionOption>,
    pub presets: Vec<(String, String)>,
    pub agents: Vec<(String, String)>,
    /// Signed-in members may open the dashboard as a user.
    pub can_preview: bool,
    /// The agency sets other people's passwords; an org admin sends a reset or an invitation.
    pub can_set_passwords: bool,
    /// Where this tab lives, for paging links.
    pub base: String,
}

/// The users tab of organization `id`.
pub async fn users_view(
    state: &AppState,
    actor: &Actor,
    t: Messages,
    organization: &Organization,
    search: String,
    cursor: Option<String>,
    base: String,
) -> Result<UsersView, PageError> {
    let id = organization.id;
    let request = ClientUserListRequest {
        search: Some(search.clone()).filter(|s| !s.trim().is_empty()),
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: Some(USERS_PER_PAGE),
        ..ClientUserListRequest::default()
    };
    let (page, agents) = tokio::try_join!(
        state.app.list_client_users(actor, id, request),
        organization_agents(state, actor, id),
    )?;
    let public_url = &state.app.config.public_url;
    let users = page
        .users
        .iter()
        .map(|view| {
            user_line(view, t, &agents, |image| {
                public_url.join(&format!("/images/{image}"))
            })
        })
        .collect();
    let sections = organization.settings.enabled_sections;
    // What the plan has and the viewer may grant: an org admin grants only what they hold.
    let grantable = |p: Permission| {
        (p == Permission::OrgAdmin || sections.contains(p))
            && may_grant(actor, [p].into_iter().collect()).is_ok()
    };
    let permissions = Permission::ALL
        .iter()
        .map(|p| PermissionOption {
            value: p.as_str(),
            label: permission_label(t, *p).to_owned(),
            unavailable: !grantable(*p),
        })
        .collect();
    let presets = state
        .app
        .permission_presets()
        .into_iter()
        .map(|(preset, flags)| {
            let allowed: Vec<&str> = flags
                .iter()
                .filter(|p| grantable(*p))
                .map(|p| p.as_str())
                .collect();
            (
                t.get(&format!("preset.{}", preset.as_str())).to_owned(),
                json!(allowed).to_string(),
            )
        })
        .collect();
    let can_preview = matches!(actor.principal, Principal::Member { .. })
        && actor.impersonated_by.is_none()
        && authorize(actor, Action::PreviewClientUser, &organization.resource()).is_ok();
    Ok(UsersView {
        org_id: id.to_string(),
        org_name: organization.name.clone(),
        search,
        users,
        next_cursor: page.next_cursor,
        permissions,
        presets,
        agents,
        can_preview,
        can_set_passwords: actor.agency_role().is_some(),
        base,
    })
}

async fn organization_agents(
    state: &AppState,
    actor: &Actor,
    id: OrganizationId,
) -> Result<Vec<(String, String)>, clientele_app::AppError> {
    let request = clientele_app::clients::agents::AgentListRequest {
        search: None,
        assigned: None,
        organization_id: None,
        cursor: None,
        limit: Some(200),
    };
    let page = state.app.organization_agents(actor, id, request).await?;
    Ok(page
        .agents
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect())
}

fn user_line(
    view: &ClientUserView,
    t: Messages,
    agents: &[(String, String)],
    image_url: impl Fn(&str) -> String,
) -> UserLine {
    let user = &view.user;
    let flags = user.permissions;
    let (status, status_class) = match (user.status, view.invitation.as_ref()) {
        (ClientUserStatus::Disabled, _) => ("disabled", "danger"),
        (ClientUserStatus::Active, _) => ("active", "ok"),
        (ClientUserStatus::Invited, Some(i)) if i.status == "expired" => ("expired", "warn"),
        (ClientUserStatus::Invited, Some(_)) => ("invited", "brand"),
        (ClientUserStatus::Invited, None) => ("not_invited", ""),
    };
    let chosen: Vec<String> = view.agent_ids.iter().map(ToString::to_string).collect();
    let agents_label = match user.agent_access {
        AgentAccess::All => t.get("users.all_agents").to_owned(),
        AgentAccess::Selected => {
            let names: Vec<&str> = agents
                .iter()
                .filter(|(id, _)| chosen.contains(id))
                .map(|(_, name)| name.as_str())
                .collect();
            if names.is_empty() {
                t.get("users.no_agents").to_owned()
            } else {
                names.join(", ")
            }
        }
    };
    let fill = json!({
        "name": user.name,
        "email": user.email,
        "permissions": flags.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "agent_access": user.agent_access.as_str(),
        "agent_ids": chosen,
        "image_id": user.image_id.clone().unwrap_or_default(),
        "password": "",
    });
    UserLine {
        id: user.id.to_string(),
        name: user.name.clone(),
        email: user.email.clone(),
        initial: initial(&user.name),
        image_url: user.image_id.as_deref().map(image_url),
        status,
        status_label: t.get(&format!("status.{status}")).to_owned(),
        status_class,
        permissions: flags
            .iter()
            .map(|p| permission_label(t, p).to_owned())
            .collect(),
        agents: agents_label,
        teams: view.teams.iter().map(|m| m.team_name.clone()).collect(),
        fill: fill.to_string(),
        two_factor: view.two_factor,
    }
}

/// A permission's name in the page's language.
pub fn permission_label(t: Messages, permission: Permission) -> &'static str {
    t.get(permission_key(permission))
}

fn permission_key(permission: Permission) -> &'static str {
    match permission {
        Permission::OrgAdmin => "perm.org_admin",
        Permission::Home => "perm.home",
        Permission::Conversations => "perm.conversations",
        Permission::Analytics => "perm.analytics",
        Permission::KnowledgeBase => "perm.knowledge_base",
        Permission::Channels => "perm.channels",
        Permission::Prompt => "perm.prompt",
        Permission::Settings => "perm.settings",
        Permission::CustomTabs => "perm.custom_tabs",
        Permission::Billing => "perm.billing",
    }
}

/// One team with its members, and who could still join it.
pub struct TeamCard {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: Vec<(String, String)>,
    pub candidates: Vec<(String, String)>,
}

/// The teams tab.
pub struct TeamsView {
    pub org_id: String,
    pub teams: Vec<TeamCard>,
}

/// The teams tab of an organization: each team and its members.
pub async fn teams_view(
    state: &AppState,
    actor: &Actor,
    organization: &Organization,
) -> Result<TeamsView, PageError> {
    let id = organization.id;
    let rows = state.app.list_teams(actor, id).await?;
    let request = ClientUserListRequest {
        limit: Some(200),
        ..ClientUserListRequest::default()
    };
    let everyone: Vec<(String, String)> = state
        .app
        .list_client_users(actor, id, request)
        .await?
        .users
        .into_iter()
        .map(|v| (v.user.id.to_string(), v.user.name))
        .collect();
    let mut teams = Vec::with_capacity(rows.len());
    for row in rows {
        let team = state.app.team(actor, row.id).await?;
        let members: Vec<(String, String)> = team
            .members
            .iter()
            .map(|m| (m.client_user_id.to_string(), m.user_name.clone()))
            .collect();
        let candidates = everyone
            .iter()
            .filter(|(id, _)| !members.iter().any(|(m, _)| m == id))
            .cloned()
            .collect();
        teams.push(TeamCard {
            id: row.id.to_string(),
            name: row.name,
            description: row.description,
            members,
            candidates,
        });
    }
    Ok(TeamsView {
        org_id: id.to_string(),
        teams,
    })
}

/// One choice of a select or segmented control.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// The Org Info tab: the settings document as a form.
pub struct SettingsView {
    pub org_id: String,
    pub org_name: String,
    pub languages: Vec<Choice>,
    pub layouts: Vec<Choice>,
    pub handoff_enabled: bool,
    pub smart_handoff: bool,
    pub show_handoff_messages: bool,
    pub canned_responses: bool,
    pub client_billing_enabled: bool,
    pub billing_states: Vec<Choice>,
    pub sections: Vec<(PermissionOption, bool)>,
    /// Whether the viewer may change the plan (enabled sections and billing) and the security
    /// rule: the agency only.
    pub can_set_plan: bool,
    pub version: i64,
    /// Every user of the organization must sign in with a second factor.
    pub require_two_factor: bool,
}

/// The Org Info tab of an organization.
pub fn settings_view(t: Messages, actor: &Actor, organization: &Organization) -> SettingsView {
    let settings = organization.settings;
    let languages = Language::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str(),
            label: t.get(&format!("language.{}", l.as_str())).to_owned(),
            selected: *l == settings.language,
        })
        .collect();
    let layouts = Layout::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str(),
            label: t.get(&format!("layout.{}", l.as_str())).to_owned(),
            selected: *l == settings.layout,
        })
        .collect();
    let billing_states = BillingState::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: t.get(&format!("billing_state.{}", s.as_str())).to_owned(),
            selected: *s == settings.billing.state,
        })
        .collect();
    let sections = Permission::SECTIONS
        .iter()
        .map(|p| {
            let option = PermissionOption {
                value: p.as_str(),
                label: permission_label(t, *p).to_owned(),
                unavailable: false,
            };
            (option, settings.enabled_sections.contains(*p))
        })
        .collect();
    let resource = organization.resource();
    SettingsView {
        org_id: organization.id.to_string(),
        org_name: organization.name.clone(),
        languages,
        layouts,
        handoff_enabled: settings.handoff.enabled,
        smart_handoff: settings.handoff.smart_handoff,
        show_handoff_messages: settings.handoff.show_handoff_messages,
        canned_responses: settings.canned_responses,
        client_billing_enabled: settings.billing.client_billing_enabled,
        billing_states,
        sections,
        can_set_plan: authorize(actor, Action::SetOrganizationPlan, &resource).is_ok(),
        require_two_factor: organization.require_two_factor,
        version: organization.settings_version,
    }
}
