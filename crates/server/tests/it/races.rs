//! Requests that race each other: many at once on one link, one document version, one
//! idempotency key or one ownership. Exactly one may win; the others get a clear refusal or
//! the winner's answer, and the data shows one change.

use clientele_app::tokens::Token;
use clientele_domain::{AccountTokenId, MemberRole, Timestamp};
use clientele_store::PoolSettings;
use clientele_store::account_tokens::{self, NewAccountToken, Purpose, Subject};
use clientele_testkit::{Backend, Options, TestApp, Workspace, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::task::JoinSet;

const NEW_PASSWORD: &str = "a long Passphrase 42!";

/// A server with a production-sized pool, so the database sees the requests side by side.
async fn concurrent(backend: Backend) -> TestApp {
    TestApp::spawn_with(
        backend,
        Options {
            pool: PoolSettings::default(),
            ..Options::default()
        },
    )
    .await
}

/// Runs `n` copies of a request at once; their statuses and JSON bodies.
async fn at_once<F, Fut>(n: usize, request: F) -> Vec<(StatusCode, Value)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let mut running = JoinSet::new();
    for i in 0..n {
        let sent = request(i);
        running.spawn(async move {
            let response = sent.await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        });
    }
    running.join_all().await
}

fn count(results: &[(StatusCode, Value)], status: u16) -> usize {
    results.iter().filter(|(s, _)| s.as_u16() == status).count()
}

/// Stores a live link of `purpose` for `subject` and returns its token.
async fn issue(app: &TestApp, workspace: &Workspace, purpose: Purpose, subject: Subject) -> String {
    let token = Token::generate("").unwrap();
    let now = Timestamp::now();
    let new = NewAccountToken {
        id: AccountTokenId::new(),
        token_hash: &token.hash(),
        purpose,
        workspace_id: workspace.id,
        subject: &subject,
        created_by: Some(workspace.owner.id),
        created_at: now,
        expires_at: Timestamp::try_from(now.unix_micros() + 3_600_000_000).unwrap(),
    };
    let mut tx = app.db.begin().await.unwrap();
    account_tokens::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    token.reveal().to_owned()
}

on_both_backends! {
    async fn a_hundred_parallel_redemptions_of_one_invitation_create_one_account(backend: Backend) {
        let app = Arc::new(concurrent(backend).await);
        let workspace = app.workspace("acme").await;
        let invitee = Subject::Invitee { email: "nina@acme.test".into(), role: MemberRole::Member };
        let token = issue(&app, &workspace, Purpose::Invitation, invitee).await;
        let results = at_once(100, |_| {
            app.client().post(app.url("/api/v1/invitation/accept"))
                .json(&json!({ "token": token, "name": "Nina", "password": NEW_PASSWORD })).send()
        }).await;
        assert_eq!(count(&results, 201), 1, "{results:?}");
        assert_eq!(count(&results, 410), 99);
        let owner = app.sign_in(&workspace.owner).await;
        let members: Value = app.request(&owner, Method::GET, "/api/v1/members").send().await.unwrap().json().await.unwrap();
        let ninas = members["members"].as_array().unwrap().iter().filter(|m| m["email"] == "nina@acme.test").count();
        assert_eq!(ninas, 1);
    }

    async fn a_hundred_parallel_redemptions_of_one_reset_link_set_one_password(backend: Backend) {
        let app = Arc::new(concurrent(backend).await);
        let workspace = app.workspace("acme").await;
        let token = issue(&app, &workspace, Purpose::PasswordReset, Subject::Member(workspace.owner.id)).await;
        let results = at_once(100, |i| {
            app.client().post(app.url("/api/v1/password-reset/complete"))
                .json(&json!({ "token": token, "password": format!("{NEW_PASSWORD} {i}") })).send()
        }).await;
        assert_eq!(count(&results, 201), 1, "{results:?}");
        assert_eq!(count(&results, 410), 99);
        let still_works = app.client().post(app.url("/api/v1/sessions"))
            .json(&json!({ "email": workspace.owner.email, "password": clientele_testkit::PASSWORD })).send().await.unwrap();
        assert_eq!(still_works.status(), 401, "the old password was replaced");
    }

    async fn a_hundred_updates_with_one_etag_make_one_change(backend: Backend) {
        let app = Arc::new(concurrent(backend).await);
        let workspace = app.workspace("acme").await;
        let organization = app.organization(&workspace, "Northwind").await;
        let owner = app.sign_in(&workspace.owner).await;
        let path = format!("/api/v1/organizations/{organization}/settings");
        let read = app.request(&owner, Method::GET, &path).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        let settings: Value = read.json().await.unwrap();
        let languages = ["de", "es", "fr", "pt"];
        let results = at_once(100, |i| {
            let mut changed = settings.clone();
            changed["language"] = json!(languages[i % languages.len()]);
            app.request(&owner, Method::PUT, &path).header("if-match", &etag).json(&changed).send()
        }).await;
        assert_eq!(count(&results, 200), 1, "{:?}", results.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>());
        assert_eq!(count(&results, 412), 99);
        let activity: Value = app.request(&owner, Method::GET, "/api/v1/activity?action=organization.settings_changed").send().await.unwrap().json().await.unwrap();
        assert_eq!(activity["entries"].as_array().unwrap().len(), 1, "one change, one entry");
    }

    async fn fifty_parallel_creates_with_one_idempotency_key_make_one_row_and_one_answer(backend: Backend) {
        let app = Arc::new(concurrent(backend).await);
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let results = at_once(50, |_| {
            app.request(&owner, Method::POST, "/api/v1/organizations")
                .header("idempotency-key", "create-northwind-1")
                .json(&json!({ "name": "Northwind" })).send()
        }).await;
        assert_eq!(count(&results, 201), 50, "{:?}", results.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>());
        assert!(results.iter().all(|(_, body)| *body == results[0].1), "every answer is the first one");
        let listed: Value = app.request(&owner, Method::GET, "/api/v1/organizations").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["organizations"].as_array().unwrap().len(), 1);

        let replay = app.request(&owner, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "create-northwind-1")
            .json(&json!({ "name": "Northwind" })).send().await.unwrap();
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let reused = app.request(&owner, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "create-northwind-1")
            .json(&json!({ "name": "Initech" })).send().await.unwrap();
        assert_eq!(reused.status(), 422);
        let problem: Value = reused.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "Idempotency-Key", "{problem}");

        let other_caller = app.api_key(&workspace, MemberRole::Admin).await;
        let separate = app.request(&other_caller, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "create-northwind-1")
            .json(&json!({ "name": "Northwind" })).send().await.unwrap();
        assert_eq!(separate.status(), 409, "another caller's key is their own: the name is taken");
    }

    async fn parallel_ownership_transfers_leave_exactly_one_owner(backend: Backend) {
        let app = Arc::new(concurrent(backend).await);
        let workspace = app.workspace("acme").await;
        let mut admins = Vec::new();
        for i in 0..10 {
            admins.push(app.member(&workspace, &format!("admin{i}"), MemberRole::Admin).await.id);
        }
        let owner = app.sign_in(&workspace.owner).await;
        let results = at_once(admins.len(), |i| {
            app.request(&owner, Method::POST, "/api/v1/workspace/owner").json(&json!({ "member_id": admins[i] })).send()
        }).await;
        assert_eq!(count(&results, 200), 1, "{results:?}");
        assert_eq!(count(&results, 403), admins.len() - 1);
        let members: Value = app.request(&owner, Method::GET, "/api/v1/members").send().await.unwrap().json().await.unwrap();
        let owners = members["members"].as_array().unwrap().iter().filter(|m| m["role"] == "owner").count();
        assert_eq!(owners, 1);
    }
}
