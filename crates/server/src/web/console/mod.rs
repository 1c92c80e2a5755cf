//! The agency console: pages for workspace members, in English, wearing the workspace's brand.
//! Pages read through the same services as the API; their forms call the API.

pub mod agents;
pub mod clients;
pub mod conversations;
pub mod organization;
pub mod privacy;
pub mod workspace;

use crate::state::AppState;
use crate::web::auth_page::{AuthField, AuthPage, SecondFactorStep};
use crate::web::i18n::Messages;
use crate::web::icons;
use crate::web::page::{BrandStyle, Chrome, NavItem, PageError, PageResult, Visitor, visitor};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use clientele_domain::{Action, Language, Principal, Resource, authorize};

/// Where a signed-out visitor of the console is sent.
pub const SIGN_IN: &str = "/console/sign-in";
/// The member's own account security: where a member who must set up a second factor goes.
pub const ACCOUNT: &str = "/console/account";

/// The signed-in member behind a console request; anyone else goes to sign in, and a member
/// who must still set up a second factor goes to do that.
pub(crate) async fn member(state: &AppState, headers: &HeaderMap) -> Result<Visitor, PageError> {
    let visitor = signed_in_member(state, headers).await?;
    if visitor.authenticated.needs_second_factor {
        return Err(PageError::SignIn(ACCOUNT.to_owned()));
    }
    Ok(visitor)
}

/// The signed-in member behind a console request, whether or not they must still set up a
/// second factor.
pub(crate) async fn signed_in_member(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Visitor, PageError> {
    match visitor(state, headers).await {
        Some(v) if matches!(v.actor().principal, Principal::Member { .. }) => Ok(v),
        _ => Err(PageError::SignIn(SIGN_IN.to_owned())),
    }
}

/// The console's frame for a page titled `title`, with `current` (a nav href) highlighted.
pub(crate) async fn chrome(
    state: &AppState,
    visitor: &Visitor,
    title: impl Into<String>,
    current: &str,
) -> Result<Chrome, PageError> {
    let actor = visitor.actor();
    let brand = crate::web::page::brand_style(state, actor.workspace_id).await?;
    let mut chrome = Chrome::new(
        Messages::new(Language::En),
        brand,
        visitor.csrf.clone(),
        title.into(),
    );
    chrome.user_name = actor.label.clone();
    chrome.user_detail = actor
        .agency_role()
        .map(|r| capitalize(r.as_str()))
        .unwrap_or_default();
    let workspace = Resource::Workspace(actor.workspace_id);
    let may = |action| authorize(actor, action, &workspace).is_ok();
    let mut item = |href: &str, label: &str, icon| {
        chrome.nav.push(NavItem {
            current: href == current,
            href: href.to_owned(),
            label: label.to_owned(),
            icon,
        });
    };
    item("/console", "Clients", icons::BUILDING);
    item(conversations::PATH, "Conversations", icons::CHAT);
    item("", "Workspace", "");
    if may(Action::ManageWorkspaceSettings) {
        item("/console/workspace/brand", "Branding", icons::PALETTE);
        item("/console/workspace/email", "Email", icons::MAIL);
        item(
            "/console/workspace/templates",
            "Email templates",
            icons::FILE,
        );
    }
    if may(Action::ListMembers) {
        item("/console/workspace/members", "Members", icons::USERS);
    }
    if may(Action::ListApiKeys) {
        item("/console/workspace/api-keys", "API keys", icons::KEY);
    }
    if may(Action::ReadOutbox) {
        item("/console/workspace/outbox", "Outbox", icons::INBOX);
    }
    if may(Action::ManageDataRetention) {
        item(privacy::PATH, "Privacy", icons::LOCK);
    }
    if may(Action::ReadActivityLog) {
        item("/console/activity", "Activity", icons::ACTIVITY);
    }
    item("", "You", "");
    item(ACCOUNT, "Account security", icons::SHIELD);
    Ok(chrome)
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The console's sign-in page (signed-in members go straight to their clients).
pub async fn sign_in(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if member(&state, &headers).await.is_ok() {
        return Ok(Redirect::to("/console").into_response());
    }
    let field = AuthField::new;
    let page = AuthPage {
        chrome: neutral_chrome("Sign in to your console"),
        lead: "Manage your clients, their agents and their users.".to_owned(),
        sent: String::new(),
        api: "POST /api/v1/sessions",
        then: "go:/console".to_owned(),
        success: "Welcome back".to_owned(),
        fields: vec![
            field("email", "Email", "email", "username", ""),
            field("password", "Password", "password", "current-password", ""),
        ],
        submit: "Sign in".to_owned(),
        links: vec![(
            "/console/forgot-password".to_owned(),
            "Forgot your password?".to_owned(),
        )],
        second_factor: Some(SecondFactorStep {
            lead:
                "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
                    .to_owned(),
            label: "Code".to_owned(),
            submit: "Verify".to_owned(),
        }),
    };
    Ok(page.into_response())
}

/// The console's "forgot password" page.
pub async fn forgot_password() -> PageResult {
    let page = AuthPage {
        chrome: neutral_chrome("Reset your password"),
        lead: "Enter your email and we will send you a link to choose a new password.".to_owned(),
        sent: "If an account uses that address, a link is on its way. It works for one hour."
            .to_owned(),
        api: "POST /api/v1/password-resets",
        then: "show:#sent".to_owned(),
        success: "Check your inbox".to_owned(),
        fields: vec![AuthField::new("email", "Email", "email", "username", "")],
        submit: "Send reset link".to_owned(),
        links: vec![(SIGN_IN.to_owned(), "Back to sign in".to_owned())],
        second_factor: None,
    };
    Ok(page.into_response())
}

/// Before sign-in the console cannot know whose it is, so it wears no workspace's brand.
fn neutral_chrome(title: &str) -> Chrome {
    let brand = BrandStyle {
        product_name: "Clientele".to_owned(),
        primary_color: clientele_app::workspace::brand::DEFAULT_PRIMARY.to_owned(),
        accent_color: clientele_app::workspace::brand::DEFAULT_ACCENT.to_owned(),
        logo_url: None,
        support_email: None,
    };
    Chrome::new(
        Messages::new(Language::En),
        brand,
        String::new(),
        title.to_owned(),
    )
}
