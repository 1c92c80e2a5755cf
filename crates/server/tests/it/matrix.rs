//! The authorization matrix: every operation of the OpenAPI document, called by every kind of
//! caller, on its own workspace and on a foreign one, answers the status the table states.
//!
//! Rules the table encodes: no credentials is 401; a foreign or missing id is 404 for every
//! caller (existence never leaks); inside one's own workspace a missing right is 403.
//! An operation added to the router without a row here fails the test.

use clientele_domain::{MemberRole, Permission};
use clientele_testkit::{Backend, Credentials, TestApp, Workspace, on_both_backends};
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Callers in the order of the table's columns. The owner comes last because a successful
/// ownership transfer demotes them.
const CALLERS: [&str; 9] = [
    "anonymous",
    "admin",
    "member",
    "admin key",
    "member key",
    "client user (home only)",
    "client user (every section but org admin)",
    "org admin",
    "owner",
];

/// operationId, expected statuses on the caller's own workspace, and on a foreign workspace
/// (`None` when the operation names no workspace resource, so there is nothing foreign).
#[rustfmt::skip]
const MATRIX: &[(&str, &str, Option<&str>)] = &[
    //                    anon admin member akey mkey client clientall orgadmin owner
    ("getHealth",         "200 200 200 200 200 200 200 200 200", None),
    ("getReadiness",      "200 200 200 200 200 200 200 200 200", None),
    ("signIn",            "201 201 201 201 201 201 201 201 201", None),
    ("signInClientUser",  "201 201 201 201 201 201 201 201 201", None),
    ("signOut",           "401 204 204 403 403 204 204 204 204", None),
    ("getMe",             "401 200 200 200 200 200 200 200 200", None),
    ("listMembers",       "401 200 200 200 200 403 403 403 200", None),
    ("addMember",         "401 201 403 201 403 403 403 403 201", None),
    ("changeMemberRole",  "401 200 403 200 403 403 403 403 200", Some("401 404 404 404 404 404 404 404 404")),
    ("removeMember",      "401 204 403 204 403 403 403 403 204", Some("401 404 404 404 404 404 404 404 404")),
    ("transferOwnership", "401 403 403 403 403 403 403 403 200", Some("401 404 404 404 404 404 404 404 404")),
    ("listApiKeys",       "401 200 403 200 403 403 403 403 200", None),
    ("createApiKey",      "401 201 403 403 403 403 403 403 201", None),
    ("revokeApiKey",      "401 204 403 403 403 403 403 403 204", Some("401 404 404 404 404 404 404 404 404")),
    ("listActivity",      "401 200 403 200 403 403 403 403 200", None),
];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", UNIQUE.fetch_add(1, Ordering::Relaxed))
}

struct Fixture {
    own: Workspace,
    foreign: Workspace,
    callers: Vec<Credentials>,
}

async fn fixture(app: &TestApp) -> Fixture {
    let own = app.workspace(&unique("own-")).await;
    let foreign = app.workspace(&unique("foreign-")).await;
    let admin = app.member(&own, "admin", MemberRole::Admin).await;
    let member = app.member(&own, "member", MemberRole::Member).await;
    let client = app.organization(&own, "Client").await;
    let sections: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|p| *p != Permission::OrgAdmin)
        .collect();
    let home_only = app
        .client_user(&own, client, "home", &[Permission::Home])
        .await;
    let every_section = app.client_user(&own, client, "all", &sections).await;
    let org_admin = app
        .client_user(&own, client, "orgadmin", &Permission::ALL)
        .await;
    let callers = vec![
        Credentials::Anonymous,
        app.sign_in(&admin).await,
        app.sign_in(&member).await,
        app.api_key(&own, MemberRole::Admin).await,
        app.api_key(&own, MemberRole::Member).await,
        app.sign_in_client(&home_only).await,
        app.sign_in_client(&every_section).await,
        app.sign_in_client(&org_admin).await,
        app.sign_in(&own.owner).await,
    ];
    Fixture {
        own,
        foreign,
        callers,
    }
}

/// Calls `operation` as `caller`, on a fresh target in `target` where it needs one.
async fn call(app: &TestApp, operation: &str, caller: &Credentials, target: &Workspace) -> u16 {
    let (method, path, body) = match operation {
        "getHealth" => (Method::GET, "/healthz".to_owned(), None),
        "getReadiness" => (Method::GET, "/readyz".to_owned(), None),
        "signIn" => {
            let someone = app
                .member(target, &unique("signer"), MemberRole::Member)
                .await;
            let body = json!({ "email": someone.email, "password": clientele_testkit::PASSWORD });
            (Method::POST, "/api/v1/sessions".to_owned(), Some(body))
        }
        "signInClientUser" => {
            let organization = app.organization(target, "Signers").await;
            let someone = app
                .client_user(target, organization, &unique("client"), &[Permission::Home])
                .await;
            let body = json!({ "workspace": someone.workspace_slug, "email": someone.email, "password": clientele_testkit::PASSWORD });
            (
                Method::POST,
                "/api/v1/dashboard/sessions".to_owned(),
                Some(body),
            )
        }
        "signOut" => (Method::DELETE, "/api/v1/sessions/current".to_owned(), None),
        "getMe" => (Method::GET, "/api/v1/me".to_owned(), None),
        "listMembers" => (Method::GET, "/api/v1/members".to_owned(), None),
        "addMember" => {
            let email = format!("{}@example.test", unique("new"));
            let body = json!({ "name": "New Person", "email": email, "role": "member", "password": clientele_testkit::PASSWORD });
            (Method::POST, "/api/v1/members".to_owned(), Some(body))
        }
        "changeMemberRole" => {
            let someone = app
                .member(target, &unique("target"), MemberRole::Member)
                .await;
            (
                Method::PATCH,
                format!("/api/v1/members/{}", someone.id),
                Some(json!({ "role": "admin" })),
            )
        }
        "removeMember" => {
            let someone = app
                .member(target, &unique("target"), MemberRole::Member)
                .await;
            (
                Method::DELETE,
                format!("/api/v1/members/{}", someone.id),
                None,
            )
        }
        "transferOwnership" => {
            let someone = app.member(target, &unique("heir"), MemberRole::Admin).await;
            (
                Method::POST,
                "/api/v1/workspace/owner".to_owned(),
                Some(json!({ "member_id": someone.id })),
            )
        }
        "listApiKeys" => (Method::GET, "/api/v1/api-keys".to_owned(), None),
        "createApiKey" => (
            Method::POST,
            "/api/v1/api-keys".to_owned(),
            Some(json!({ "name": "CI", "role": "member" })),
        ),
        "revokeApiKey" => {
            let (key, _) = app
                .app
                .create_api_key(
                    &target.owner.actor(),
                    "doomed",
                    MemberRole::Member,
                    &Default::default(),
                )
                .await
                .unwrap();
            (Method::DELETE, format!("/api/v1/api-keys/{}", key.id), None)
        }
        "listActivity" => (Method::GET, "/api/v1/activity".to_owned(), None),
        other => panic!("operation {other} has no way to be called in the matrix test; add it"),
    };
    let mut request = app.request(caller, method, &path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status().as_u16()
}

fn documented_operations() -> Vec<String> {
    let document = serde_json::to_value(clientele_server::openapi()).unwrap();
    let mut operations = Vec::new();
    for (_, item) in document["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            operations.push(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    operations
}

#[test]
fn every_documented_operation_has_a_row_in_the_matrix() {
    for operation in documented_operations() {
        assert!(
            MATRIX.iter().any(|(name, _, _)| *name == operation),
            "operation {operation} is not in the authorization matrix"
        );
    }
    assert_eq!(
        MATRIX.len(),
        documented_operations().len(),
        "the matrix has rows for operations that no longer exist"
    );
}

on_both_backends! {
    async fn every_operation_answers_every_caller_as_the_matrix_says(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut failures = Vec::new();
        for (operation, own, foreign) in MATRIX {
            let fixture = fixture(&app).await;
            let scopes = [(own, &fixture.own, "own")].into_iter().chain(foreign.as_ref().map(|f| (f, &fixture.foreign, "foreign")));
            for (expected, target, scope) in scopes {
                for ((caller, credentials), want) in CALLERS.iter().zip(&fixture.callers).zip(expected.split(' ')) {
                    let got = call(&app, operation, credentials, target).await;
                    if got.to_string() != want {
                        failures.push(format!("{operation} as {caller} on {scope} workspace: got {got}, want {want}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
