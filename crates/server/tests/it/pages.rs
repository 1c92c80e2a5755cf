//! Who may open which page: every console and dashboard page, as each kind of visitor, for
//! their own organization and another one. Pages call the same services as the API, so the
//! same policy answers; this proves the pages pass its answer on.

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

        let anonymous = Credentials::Anonymous;
        let owner = app.sign_in(&workspace.owner).await;
        let plain_member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&plain_member).await;
        let org_admin = app.sign_in_client(&org_admin).await;
        let client = app.sign_in_client(&client).await;

        let organization = |id: &dyn std::fmt::Display, tab: &str| format!("/console/organizations/{id}{tab}");
        let tabs = ["", "/teams", "/settings", "/access"];
        let workspace_pages = [
            "/console/workspace/brand", "/console/workspace/email", "/console/workspace/templates",
            "/console/workspace/members", "/console/workspace/api-keys", "/console/workspace/outbox",
            "/console/activity",
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
