//! Who may open which page: every console and dashboard page, as each kind of visitor, for
//! their own organization and another one. Pages call the same services as the API, so the
//! same policy answers; this proves the pages pass its answer on. The routes come from
//! `web::pages()`, the list the router is built from: a page without a row here fails.

use clientele_domain::{MemberRole, Permission};
use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

/// The status of `GET path` as `who`, and where a redirect points.
async fn open(app: &TestApp, who: &Credentials, path: &str) -> (StatusCode, String) {
    let response = app.request(who, Method::GET, path).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status != StatusCode::INTERNAL_SERVER_ERROR,
        "{path}: {body}"
    );
    (status, location)
}

const OK: (StatusCode, &str) = (StatusCode::OK, "");
const TO_CONSOLE_SIGN_IN: (StatusCode, &str) = (StatusCode::SEE_OTHER, "/console/sign-in");
const TO_SIGN_IN: (StatusCode, &str) = (StatusCode::SEE_OTHER, "/sign-in");
const TO_CONSOLE: (StatusCode, &str) = (StatusCode::SEE_OTHER, "/console");
const FORBIDDEN: (StatusCode, &str) = (StatusCode::FORBIDDEN, "");
const NOT_FOUND: (StatusCode, &str) = (StatusCode::NOT_FOUND, "");
const INVALID: (StatusCode, &str) = (StatusCode::UNPROCESSABLE_ENTITY, "");

/// Pages whose access is proven elsewhere, and where.
const ELSEWHERE: [(&str, &str); 7] = [
    (
        "/assets/app.css",
        "security::every_route_answers_with_the_security_headers",
    ),
    (
        "/assets/app.js",
        "security::every_route_answers_with_the_security_headers",
    ),
    ("/setup", "setup.rs"),
    ("/invitation", "account_links.rs and browser.rs"),
    ("/reset-password", "account_links.rs"),
    ("/preview", "account_links.rs"),
    (
        "/preview/end",
        "browser::log_in_as_shows_the_preview_banner_and_records_the_member_as_the_real_actor",
    ),
];

/// Whether `path` (its query aside) is an address of `route`, whose `{…}` segments match any.
fn matches(route: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (route, path): (Vec<_>, Vec<_>) = (route.split('/').collect(), path.split('/').collect());
    route.len() == path.len()
        && route
            .iter()
            .zip(&path)
            .all(|(r, p)| r.starts_with('{') || r == p)
}

on_both_backends! {
    async fn every_page_answers_each_visitor_as_the_policy_says(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let foreign = app.workspace("globex").await;
        let own = app.organization(&workspace, "Northwind").await;
        let other = app.organization(&workspace, "Initech").await;
        let elsewhere = app.organization(&foreign, "Umbrella").await;
        let org_admin = app.client_user(&workspace, own, "olga", &[Permission::OrgAdmin, Permission::Home]).await;
        let client = app.client_user(&workspace, own, "carl", &[Permission::Home, Permission::Analytics]).await;
        let reader = app.client_user(&workspace, own, "rita", &[Permission::Home, Permission::Conversations]).await;
        let (_, own_chat) = app.conversation(&workspace, own, "own-chat", &["Hello"]).await;
        let (_, other_chat) = app.conversation(&workspace, other, "other-chat", &["Hello"]).await;
        let (_, foreign_chat) = app.conversation(&foreign, elsewhere, "foreign-chat", &["Hello"]).await;

        let anonymous = Credentials::Anonymous;
        let owner = app.sign_in(&workspace.owner).await;
        let plain_member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&plain_member).await;
        let org_admin = app.sign_in_client(&org_admin).await;
        let client = app.sign_in_client(&client).await;
        let reader = app.sign_in_client(&reader).await;

        let organization = |id: &dyn std::fmt::Display, tab: &str| format!("/console/organizations/{id}{tab}");
        let tabs = ["", "/teams", "/settings", "/access"];
        let workspace_pages = [
            "/console/workspace/brand", "/console/workspace/email", "/console/workspace/templates",
            "/console/workspace/members", "/console/workspace/api-keys", "/console/workspace/outbox",
            "/console/activity", "/console/workspace/privacy",
        ];
        let dashboard_admin = ["/users", "/teams", "/org-info"];

        let mut table: Vec<(&str, &Credentials, String, (StatusCode, &str))> = vec![
            ("anonymous", &anonymous, "/console".into(), TO_CONSOLE_SIGN_IN),
            ("client", &client, "/console".into(), TO_CONSOLE_SIGN_IN),
            ("owner", &owner, "/console".into(), OK),
            ("member", &member, "/console".into(), OK),
            ("anonymous", &anonymous, "/console/sign-in".into(), OK),
            ("owner", &owner, "/console/sign-in".into(), TO_CONSOLE),
            ("anonymous", &anonymous, "/console/forgot-password".into(), OK),
            ("anonymous", &anonymous, "/sign-in?workspace=acme".into(), OK),
            ("anonymous", &anonymous, "/forgot-password?workspace=acme".into(), OK),
            ("anonymous", &anonymous, "/".into(), TO_CONSOLE_SIGN_IN),
            ("owner", &owner, "/".into(), TO_CONSOLE),
            ("client", &client, "/".into(), OK),
            ("org_admin", &org_admin, "/".into(), OK),
            ("client", &client, "/sections/analytics".into(), OK),
            ("client", &client, "/sections/conversations".into(), FORBIDDEN),
            ("client", &client, "/sections/nonsense".into(), NOT_FOUND),
            ("anonymous", &anonymous, "/sections/analytics".into(), TO_SIGN_IN),
            ("owner", &owner, "/sections/analytics".into(), TO_CONSOLE),
            ("owner", &owner, "/console/organizations/not-an-id".into(), NOT_FOUND),
            // Bad input is a page naming the problem, never a 500.
            ("owner", &owner, "/console?cursor=garbage".into(), INVALID),
            ("owner", &owner, "/console/activity?from=2026-13-99".into(), INVALID),
            ("owner", &owner, "/console/workspace/outbox?status=bogus".into(), INVALID),
        ];
        for tab in tabs.iter().chain(&["/activity"]) {
            table.push(("owner", &owner, organization(&own, tab), OK));
            table.push(("owner", &owner, organization(&elsewhere, tab), NOT_FOUND));
            table.push(("anonymous", &anonymous, organization(&own, tab), TO_CONSOLE_SIGN_IN));
            table.push(("org_admin", &org_admin, organization(&own, tab), TO_CONSOLE_SIGN_IN));
            table.push(("org_admin", &org_admin, organization(&other, tab), TO_CONSOLE_SIGN_IN));
        }
        for tab in tabs {
            table.push(("member", &member, organization(&own, tab), OK));
        }
        // Only owners and admins read the log, also an organization's.
        table.push(("member", &member, organization(&own, "/activity"), FORBIDDEN));
        for page in workspace_pages {
            table.push(("owner", &owner, page.into(), OK));
            // Every account sees who its colleagues are; only owners and admins manage them.
            let for_member = if page.ends_with("/members") { OK } else { FORBIDDEN };
            table.push(("member", &member, page.into(), for_member));
            table.push(("anonymous", &anonymous, page.into(), TO_CONSOLE_SIGN_IN));
            table.push(("client", &client, page.into(), TO_CONSOLE_SIGN_IN));
        }
        for page in dashboard_admin {
            table.push(("org_admin", &org_admin, page.into(), OK));
            table.push(("client", &client, page.into(), FORBIDDEN));
            table.push(("anonymous", &anonymous, page.into(), TO_SIGN_IN));
            table.push(("owner", &owner, page.into(), TO_CONSOLE));
        }

        for (name, who, expected) in [("owner", &owner, OK), ("member", &member, OK), ("anonymous", &anonymous, TO_CONSOLE_SIGN_IN), ("client", &client, TO_CONSOLE_SIGN_IN)] {
            table.push((name, who, "/console/account".into(), expected));
        }
        for (name, who, expected) in [("client", &client, OK), ("org_admin", &org_admin, OK), ("anonymous", &anonymous, TO_SIGN_IN), ("owner", &owner, TO_CONSOLE)] {
            table.push((name, who, "/account".into(), expected));
        }
        // Conversations: the agency reads all of its own; client users those of their
        // organization, if they hold the section.
        let console_chat = |id: &dyn std::fmt::Display| format!("/console/conversations/{id}");
        let dashboard_chat = |id: &dyn std::fmt::Display| format!("/conversations/{id}");
        table.extend([
            ("owner", &owner, "/console/conversations".into(), OK),
            ("member", &member, "/console/conversations".into(), OK),
            ("anonymous", &anonymous, "/console/conversations".into(), TO_CONSOLE_SIGN_IN),
            ("reader", &reader, "/console/conversations".into(), TO_CONSOLE_SIGN_IN),
            ("owner", &owner, console_chat(&own_chat), OK),
            ("member", &member, console_chat(&other_chat), OK),
            ("owner", &owner, console_chat(&foreign_chat), NOT_FOUND),
            ("owner", &owner, console_chat(&"not-an-id"), NOT_FOUND),
            ("anonymous", &anonymous, console_chat(&own_chat), TO_CONSOLE_SIGN_IN),
            ("reader", &reader, "/sections/conversations".into(), OK),
            ("reader", &reader, dashboard_chat(&own_chat), OK),
            ("reader", &reader, dashboard_chat(&other_chat), NOT_FOUND),
            ("reader", &reader, dashboard_chat(&foreign_chat), NOT_FOUND),
            ("client", &client, dashboard_chat(&own_chat), FORBIDDEN),
            ("org_admin", &org_admin, dashboard_chat(&own_chat), FORBIDDEN),
            ("owner", &owner, dashboard_chat(&own_chat), TO_CONSOLE),
            ("anonymous", &anonymous, dashboard_chat(&own_chat), TO_SIGN_IN),
        ]);
        // An agent's page: every agency account; its runtime keys only for owners and admins.
        let own_agent = app.agent(&workspace, "Front Desk").await;
        let foreign_agent = app.agent(&foreign, "Night Line").await;
        let agent_page = |id: &dyn std::fmt::Display| format!("/console/agents/{id}");
        table.extend([
            ("owner", &owner, agent_page(&own_agent), OK),
            ("member", &member, agent_page(&own_agent), OK),
            ("owner", &owner, agent_page(&foreign_agent), NOT_FOUND),
            ("owner", &owner, agent_page(&"not-an-id"), NOT_FOUND),
            ("anonymous", &anonymous, agent_page(&own_agent), TO_CONSOLE_SIGN_IN),
            ("client", &client, agent_page(&own_agent), TO_CONSOLE_SIGN_IN),
        ]);
        let unknown_message = "/console/workspace/outbox/0190a8b4-0000-7000-8000-000000000000";
        table.push(("owner", &owner, unknown_message.into(), NOT_FOUND));
        table.push(("anonymous", &anonymous, unknown_message.into(), TO_CONSOLE_SIGN_IN));

        let uncovered: Vec<_> = clientele_server::web::pages()
            .into_iter()
            .map(|(route, _)| route)
            .filter(|route| !ELSEWHERE.iter().any(|(page, _)| page == route))
            .filter(|route| !table.iter().any(|(_, _, path, _)| matches(route, path)))
            .collect();
        assert!(uncovered.is_empty(), "pages without a row in this table: {uncovered:?}");

        let mut wrong = Vec::new();
        for (name, who, path, (status, location)) in &table {
            let (got, got_location) = open(&app, who, path).await;
            if got != *status || !got_location.starts_with(location) {
                wrong.push(format!("{path} as {name}: {got} {got_location}, expected {status} {location}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
