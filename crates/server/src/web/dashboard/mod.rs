//! The client dashboard: what a client user sees on their agency's domain, in the agency's
//! brand and their organization's language and layout. Only the sections the user holds (and
//! the organization has) appear; org admins also manage their own organization here.

use crate::api::identity::sessions::session_cookie_cleared;
use crate::extract::{Origin, constant_time_eq};
use crate::problem::Problem;
use crate::state::AppState;
use crate::web::auth_page::{AuthField, AuthPage, SecondFactorStep};
use crate::web::conversations;
use crate::web::i18n::Messages;
use crate::web::icons;
use crate::web::org::{self, SettingsView, TeamsView, UsersView};
use crate::web::page::{
    BrandStyle, Chrome, NavItem, PageError, PageResult, Visitor, brand_style, initial, visitor,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clientele_app::clients::dashboard::Dashboard;
use clientele_domain::{AgentKind, Language, Layout, Permission, Principal, WorkspaceId};
use serde::Deserialize;

/// Where a signed-out client user signs in.
pub const SIGN_IN: &str = "/sign-in";

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/page.html")]
struct DashboardPage {
    chrome: Chrome,
    preview: bool,
    horizontal: bool,
    org_name: String,
    org_initial: String,
    agents: Vec<(String, String)>,
    selected_agent: String,
    /// The page's own path, for the agent switcher.
    path: String,
    body: DashboardBody,
}

enum DashboardBody {
    Home(HomeView),
    Section(SectionView),
    Conversations(conversations::ListView),
    Transcript(conversations::TranscriptView),
    Users(UsersView),
    Teams(TeamsView),
    Settings(SettingsView),
    Security(SecurityView),
}

/// The user's own two-factor sign-in.
struct SecurityView {
    enabled: bool,
    recovery_codes_left: String,
    required: bool,
}

struct HomeView {
    section_count: usize,
    user_count: Option<i64>,
    agents: Vec<(String, String, bool)>,
}

struct SectionView {
    icon: &'static str,
    agent: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AgentQuery {
    agent: Option<String>,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

/// A section's path and icon.
fn section_link(section: Permission) -> (String, &'static str) {
    match section {
        Permission::Home => ("/".to_owned(), icons::HOME),
        Permission::Conversations => ("/sections/conversations".to_owned(), icons::CHAT),
        Permission::Analytics => ("/sections/analytics".to_owned(), icons::CHART),
        Permission::KnowledgeBase => ("/sections/knowledge_base".to_owned(), icons::BOOK),
        Permission::Channels => ("/sections/channels".to_owned(), icons::PLUG),
        Permission::Prompt => ("/sections/prompt".to_owned(), icons::SPARKLES),
        Permission::Settings => ("/sections/settings".to_owned(), icons::GEAR),
        Permission::CustomTabs => ("/sections/custom_tabs".to_owned(), icons::TABS),
        Permission::Billing => ("/sections/billing".to_owned(), icons::CARD),
        Permission::OrgAdmin => ("/users".to_owned(), icons::USERS),
    }
}

/// Where a client user who must set up a second factor is sent.
const ACCOUNT: &str = "/account";

/// The signed-in client user and their dashboard; members go to the console, others sign in,
/// and a user who must still set up a second factor goes to do that.
async fn client(state: &AppState, headers: &HeaderMap) -> Result<(Visitor, Dashboard), PageError> {
    let (visitor, dashboard) = signed_in_client(state, headers).await?;
    if visitor.authenticated.needs_second_factor {
        return Err(PageError::SignIn(ACCOUNT.to_owned()));
    }
    Ok((visitor, dashboard))
}

/// The signed-in client user, whether or not they must still set up a second factor.
async fn signed_in_client(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Visitor, Dashboard), PageError> {
    let Some(visitor) = visitor(state, headers).await else {
        return Err(PageError::SignIn(SIGN_IN.to_owned()));
    };
    if !matches!(visitor.actor().principal, Principal::ClientUser { .. }) {
        return Err(PageError::SignIn("/console".to_owned()));
    }
    let dashboard = state.app.dashboard(visitor.actor()).await?;
    Ok((visitor, dashboard))
}

fn is_org_admin(visitor: &Visitor) -> bool {
    matches!(visitor.actor().principal, Principal::ClientUser { permissions, .. } if permissions.contains(Permission::OrgAdmin))
}

struct Frame<'a> {
    title: String,
    current: &'a str,
    path: &'a str,
    agent: Option<String>,
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    dashboard: &Dashboard,
    frame: Frame<'_>,
    body: DashboardBody,
) -> PageResult {
    let organization = &dashboard.organization;
    let t = Messages::new(organization.settings.language);
    let brand = brand_style(state, visitor.actor().workspace_id).await?;
    let mut chrome = Chrome::new(t, brand, visitor.csrf.clone(), frame.title);
    chrome.user_name = dashboard.user.name.clone();
    let agents: Vec<(String, String)> = dashboard
        .agents
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    let selected_agent = frame
        .agent
        .filter(|id| agents.iter().any(|(a, _)| a == id))
        .or_else(|| agents.first().map(|(id, _)| id.clone()))
        .unwrap_or_default();
    let suffix = if selected_agent.is_empty() {
        String::new()
    } else {
        format!("?agent={selected_agent}")
    };
    let mut link = |href: String, label: &str, icon| {
        chrome.nav.push(NavItem {
            current: href == frame.current,
            href: if href.is_empty() {
                href
            } else {
                format!("{href}{suffix}")
            },
            label: label.to_owned(),
            icon,
        });
    };
    for section in &dashboard.sections {
        let (href, icon) = section_link(*section);
        link(href, org::permission_label(t, *section), icon);
    }
    if is_org_admin(visitor) {
        link(String::new(), t.get("nav.organization"), "");
        link("/users".to_owned(), t.get("nav.users"), icons::USERS);
        link("/teams".to_owned(), t.get("nav.teams"), icons::TEAM);
        link(
            "/org-info".to_owned(),
            t.get("nav.org_info"),
            icons::SLIDERS,
        );
    }
    if visitor.actor().impersonated_by.is_none() {
        link(ACCOUNT.to_owned(), t.get("nav.security"), icons::SHIELD);
    }
    let page = DashboardPage {
        preview: visitor.actor().impersonated_by.is_some(),
        horizontal: organization.settings.layout == Layout::Horizontal,
        org_name: organization.name.clone(),
        org_initial: initial(&organization.name),
        agents,
        selected_agent,
        path: frame.path.to_owned(),
        chrome,
        body,
    };
    Ok(page.into_response())
}

/// `GET /`: the client's home; members go to the console, visitors to sign in.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AgentQuery>,
) -> PageResult {
    let (visitor, dashboard) = match client(&state, &headers).await {
        Ok(found) => found,
        Err(PageError::SignIn(to)) if to == SIGN_IN => {
            let on_dashboard_domain = match host(&headers) {
                Some(host) => state.app.workspace_for_host(host).await?.is_some(),
                None => false,
            };
            let to = if on_dashboard_domain {
                SIGN_IN
            } else {
                crate::web::console::SIGN_IN
            };
            return Ok(Redirect::to(to).into_response());
        }
        Err(error) => return Err(error),
    };
    let t = Messages::new(dashboard.organization.settings.language);
    if !dashboard.sections.contains(&Permission::Home) {
        // Someone without the overview lands on their first section instead.
        if let Some(first) = dashboard.sections.first() {
            return Ok(Redirect::to(&section_link(*first).0).into_response());
        }
    }
    let user_count = is_org_admin(&visitor).then_some(dashboard.organization.user_count);
    let body = DashboardBody::Home(HomeView {
        section_count: dashboard.sections.len(),
        user_count,
        agents: dashboard
            .agents
            .iter()
            .map(|a| (a.id.to_string(), a.name.clone(), a.kind == AgentKind::Voice))
            .collect(),
    });
    let frame = Frame {
        title: t.get("perm.home").to_owned(),
        current: "/",
        path: "/",
        agent: query.agent,
    };
    render(&state, &visitor, &dashboard, frame, body).await
}

/// `GET /sections/{section}`: one section, for the selected agent.
pub async fn section(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<AgentQuery>,
    Query(params): Query<conversations::ListParams>,
) -> PageResult {
    let (visitor, dashboard) = client(&state, &headers).await?;
    let section: Permission = name.parse().map_err(|_| crate::web::page::not_found())?;
    if section == Permission::OrgAdmin || section == Permission::Home {
        return Err(crate::web::page::not_found());
    }
    if !dashboard.sections.contains(&section) {
        return Err(PageError::Failed(Problem::forbidden(
            "your account does not include this section",
        )));
    }
    let t = Messages::new(dashboard.organization.settings.language);
    let (path, icon) = section_link(section);
    if section == Permission::Conversations {
        return conversation_list(&state, &visitor, &dashboard, &path, params).await;
    }
    let agent = query
        .agent
        .as_deref()
        .and_then(|id| dashboard.agents.iter().find(|a| a.id.to_string() == id))
        .or(dashboard.agents.first())
        .map(|a| a.name.clone());
    let frame = Frame {
        title: org::permission_label(t, section).to_owned(),
        current: &path,
        path: &path,
        agent: query.agent,
    };
    let body = DashboardBody::Section(SectionView { icon, agent });
    render(&state, &visitor, &dashboard, frame, body).await
}

/// The Conversations section: the organization's conversations with the user's agents.
async fn conversation_list(
    state: &AppState,
    visitor: &Visitor,
    dashboard: &Dashboard,
    path: &str,
    params: conversations::ListParams,
) -> PageResult {
    let t = Messages::new(dashboard.organization.settings.language);
    let surface = conversations::Surface {
        base: path,
        transcripts: "/conversations",
        agents: dashboard
            .agents
            .iter()
            .map(|a| (a.id, a.name.clone()))
            .collect(),
        organizations: Vec::new(),
    };
    let view = conversations::list(&state.app, visitor.actor(), t, surface, params).await?;
    let frame = Frame {
        title: org::permission_label(t, Permission::Conversations).to_owned(),
        current: path,
        path,
        agent: None,
    };
    render(
        state,
        visitor,
        dashboard,
        frame,
        DashboardBody::Conversations(view),
    )
    .await
}

/// `GET /conversations/{id}`: one transcript.
pub async fn conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let (visitor, dashboard) = client(&state, &headers).await?;
    if !dashboard.sections.contains(&Permission::Conversations) {
        return Err(PageError::Failed(Problem::forbidden(
            "your account does not include this section",
        )));
    }
    let t = Messages::new(dashboard.organization.settings.language);
    let (path, _) = section_link(Permission::Conversations);
    let agent_name = |id| {
        dashboard
            .agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let view =
        conversations::transcript(&state.app, visitor.actor(), t, &id, &path, agent_name).await?;
    let frame = Frame {
        title: view.contact.clone(),
        current: &path,
        path: &path,
        agent: None,
    };
    render(
        &state,
        &visitor,
        &dashboard,
        frame,
        DashboardBody::Transcript(view),
    )
    .await
}

/// The org admin's pages: which one.
enum AdminPage {
    Users,
    Teams,
    Settings,
}

async fn admin_page(
    state: AppState,
    headers: HeaderMap,
    query: AgentQuery,
    which: AdminPage,
) -> PageResult {
    let (visitor, dashboard) = client(&state, &headers).await?;
    if !is_org_admin(&visitor) {
        return Err(PageError::Failed(Problem::forbidden(
            "only the organization's admins can do this",
        )));
    }
    let t = Messages::new(dashboard.organization.settings.language);
    let actor = visitor.actor();
    let organization = state
        .app
        .organization(actor, dashboard.organization.id)
        .await?;
    let (path, title, body) = match which {
        AdminPage::Users => {
            let view = org::users_view(
                &state,
                actor,
                t,
                &organization,
                query.q,
                query.cursor,
                "/users".to_owned(),
            )
            .await?;
            ("/users", t.get("nav.users"), DashboardBody::Users(view))
        }
        AdminPage::Teams => {
            let view = org::teams_view(&state, actor, &organization).await?;
            ("/teams", t.get("nav.teams"), DashboardBody::Teams(view))
        }
        AdminPage::Settings => {
            let view = org::settings_view(t, actor, &organization);
            (
                "/org-info",
                t.get("nav.org_info"),
                DashboardBody::Settings(view),
            )
        }
    };
    let frame = Frame {
        title: title.to_owned(),
        current: path,
        path,
        agent: query.agent,
    };
    render(&state, &visitor, &dashboard, frame, body).await
}

/// `GET /users`
pub async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AgentQuery>,
) -> PageResult {
    admin_page(state, headers, query, AdminPage::Users).await
}

/// `GET /teams`
pub async fn teams(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AgentQuery>,
) -> PageResult {
    admin_page(state, headers, query, AdminPage::Teams).await
}

/// `GET /org-info`
pub async fn org_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AgentQuery>,
) -> PageResult {
    admin_page(state, headers, query, AdminPage::Settings).await
}

#[derive(Deserialize, Default)]
pub struct WorkspaceQuery {
    workspace: Option<String>,
}

/// Whose dashboard a signed-out visitor is on: the workspace of the domain, or the one the
/// link names (`?workspace=`), with its slug.
async fn signed_out_workspace(
    state: &AppState,
    headers: &HeaderMap,
    named: Option<&str>,
) -> Result<Option<(WorkspaceId, Option<String>)>, PageError> {
    if let Some(host) = host(headers)
        && let Some(id) = state.app.workspace_for_host(host).await?
    {
        return Ok(Some((id, None)));
    }
    let Some(slug) = named.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    Ok(state
        .app
        .workspace_by_slug(slug)
        .await?
        .map(|id| (id, Some(slug.to_owned()))))
}

async fn signed_out_chrome(
    state: &AppState,
    headers: &HeaderMap,
    workspace: Option<WorkspaceId>,
    title: &str,
) -> Result<Chrome, PageError> {
    let t = Messages::new(preferred_language(headers));
    let brand = match workspace {
        Some(id) => brand_style(state, id).await?,
        None => BrandStyle {
            product_name: t.get("auth.account").to_owned(),
            primary_color: clientele_app::workspace::brand::DEFAULT_PRIMARY.to_owned(),
            accent_color: clientele_app::workspace::brand::DEFAULT_ACCENT.to_owned(),
            logo_url: None,
            support_email: None,
        },
    };
    Ok(Chrome::new(
        t,
        brand,
        String::new(),
        t.get(title).to_owned(),
    ))
}

/// The workspace field: hidden with the slug when known, asked for when not.
fn workspace_field(
    t: Messages,
    found: Option<&(WorkspaceId, Option<String>)>,
) -> Option<AuthField> {
    match found {
        Some((_, None)) => None,
        Some((_, Some(slug))) => Some(AuthField::new("workspace", "", "hidden", "off", slug)),
        None => Some(AuthField::new(
            "workspace",
            t.get("auth.workspace"),
            "text",
            "organization",
            "",
        )),
    }
}

/// What both signed-out forms start with: the frame, the workspace and email fields, and a
/// query that keeps naming the workspace on the links between them.
struct SignedOutForm {
    chrome: Chrome,
    fields: Vec<AuthField>,
    workspace_query: String,
}

async fn signed_out_form(
    state: &AppState,
    headers: &HeaderMap,
    query: &WorkspaceQuery,
    title: &str,
) -> Result<SignedOutForm, PageError> {
    let found = signed_out_workspace(state, headers, query.workspace.as_deref()).await?;
    let chrome = signed_out_chrome(state, headers, found.as_ref().map(|f| f.0), title).await?;
    let t = chrome.t;
    let mut fields: Vec<AuthField> = workspace_field(t, found.as_ref()).into_iter().collect();
    fields.push(AuthField::new(
        "email",
        t.get("auth.email"),
        "email",
        "username",
        "",
    ));
    let workspace_query = found
        .and_then(|f| f.1)
        .map(|slug| format!("?workspace={slug}"))
        .unwrap_or_default();
    Ok(SignedOutForm {
        chrome,
        fields,
        workspace_query,
    })
}

/// `GET /sign-in`: the branded sign-in page of the client dashboard.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<WorkspaceQuery>,
) -> PageResult {
    let SignedOutForm {
        chrome,
        mut fields,
        workspace_query,
    } = signed_out_form(&state, &headers, &query, "auth.sign_in_title").await?;
    let t = chrome.t;
    fields.push(AuthField::new(
        "password",
        t.get("auth.password"),
        "password",
        "current-password",
        "",
    ));
    let page = AuthPage {
        lead: t.get("auth.sign_in_lead").to_owned(),
        sent: String::new(),
        api: "POST /api/v1/dashboard/sessions",
        then: "go:/".to_owned(),
        success: t.get("auth.welcome").to_owned(),
        fields,
        submit: t.get("auth.sign_in").to_owned(),
        links: vec![(
            format!("/forgot-password{workspace_query}"),
            t.get("auth.forgot").to_owned(),
        )],
        second_factor: Some(SecondFactorStep {
            lead: t.get("auth.code_lead").to_owned(),
            label: t.get("auth.code_label").to_owned(),
            submit: t.get("auth.code_submit").to_owned(),
        }),
        chrome,
    };
    Ok(page.into_response())
}

/// `GET /account`: the user's two-factor sign-in; a user held to one is sent here until set up.
pub async fn security(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AgentQuery>,
) -> PageResult {
    let (visitor, dashboard) = signed_in_client(&state, &headers).await?;
    let status = state.app.two_factor_status(visitor.actor()).await?;
    let t = Messages::new(dashboard.organization.settings.language);
    let body = DashboardBody::Security(SecurityView {
        enabled: status.enabled,
        recovery_codes_left: status.recovery_codes_left.to_string(),
        required: status.required,
    });
    let frame = Frame {
        title: t.get("security.title").to_owned(),
        current: ACCOUNT,
        path: ACCOUNT,
        agent: query.agent,
    };
    render(&state, &visitor, &dashboard, frame, body).await
}

/// `GET /forgot-password`: asks for a reset link in the agency's brand.
pub async fn forgot_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<WorkspaceQuery>,
) -> PageResult {
    let SignedOutForm {
        chrome,
        fields,
        workspace_query,
    } = signed_out_form(&state, &headers, &query, "auth.forgot_title").await?;
    let t = chrome.t;
    let page = AuthPage {
        lead: t.get("auth.forgot_lead").to_owned(),
        sent: t.get("auth.forgot_sent").to_owned(),
        api: "POST /api/v1/dashboard/password-resets",
        then: "show:#sent".to_owned(),
        success: t.get("auth.forgot_sent_short").to_owned(),
        fields,
        submit: t.get("auth.forgot_submit").to_owned(),
        links: vec![(
            format!("{SIGN_IN}{workspace_query}"),
            t.get("auth.back_to_sign_in").to_owned(),
        )],
        second_factor: None,
        chrome,
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct EndPreviewForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /preview/end`: ends a preview (the banner's button) and returns to the console.
pub async fn end_preview(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    Form(form): Form<EndPreviewForm>,
) -> Result<Response, Problem> {
    let Some(visitor) = visitor(&state, &headers).await else {
        return Err(Problem::unauthenticated());
    };
    if !constant_time_eq(form.csrf_token.as_bytes(), visitor.csrf.as_bytes()) {
        return Err(Problem::csrf_failed());
    }
    let actor = visitor.actor();
    if actor.impersonated_by.is_none() {
        return Err(Problem::not_found());
    }
    let workspace_id = actor.workspace_id;
    state.app.sign_out(&visitor.authenticated, &origin).await?;
    let console = state
        .app
        .brand_of(workspace_id)
        .await?
        .console_url(&state.app.config.public_url);
    Ok((
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, session_cookie_cleared(&headers))],
        Redirect::to(&console.join("/console")),
    )
        .into_response())
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// The first of the browser's preferred languages that the dashboard speaks.
fn preferred_language(headers: &HeaderMap) -> Language {
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accepted
        .split(',')
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| tag.trim().get(..2))
        .find_map(|code| code.to_ascii_lowercase().parse().ok())
        .unwrap_or(Language::En)
}
