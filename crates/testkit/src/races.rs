//! Races: many requests at once on one link, one document version, one idempotency key, one
//! ownership or one account's password. Each scenario runs in a workspace of its own on a
//! running [`TestApp`] and reports what the requests were answered and what the data shows,
//! so the test suite can assert small runs and the bench harness large ones.

use crate::accounts::{Credentials, PASSWORD, Workspace};
use crate::app::TestApp;
use clientele_app::identity::tokens::Token;
use clientele_domain::{AccountTokenId, MemberRole, Timestamp};
use clientele_store::identity::account_tokens::{self, NewAccountToken, Purpose, Subject};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const NEW_PASSWORD: &str = "a long Passphrase 42!";

/// What a race came to.
#[derive(Debug)]
pub struct Outcome {
    /// How many requests got each status.
    pub statuses: BTreeMap<u16, usize>,
    /// What the data shows afterwards: the rows, entries or owners the race could multiply.
    pub made: usize,
    /// Whether every answer's body was the same.
    pub identical: bool,
    pub took: Duration,
}

impl Outcome {
    pub fn count(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or_default()
    }
}

/// Sends `n` requests at once; their statuses and JSON bodies, in the order they were sent.
async fn at_once<F, Fut>(n: usize, request: F) -> (Vec<(u16, Value)>, Duration)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let started = Instant::now();
    let mut running = JoinSet::new();
    for i in 0..n {
        let sent = request(i);
        running.spawn(async move {
            let response = sent.await.expect("the server answers");
            let status = response.status().as_u16();
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            (i, status, body)
        });
    }
    let mut answers = running.join_all().await;
    answers.sort_by_key(|(i, _, _)| *i);
    let answers = answers.into_iter().map(|(_, status, body)| (status, body));
    (answers.collect(), started.elapsed())
}

fn outcome(answers: &[(u16, Value)], made: usize, took: Duration) -> Outcome {
    let mut statuses = BTreeMap::new();
    for (status, _) in answers {
        *statuses.entry(*status).or_default() += 1;
    }
    let identical = answers.iter().all(|(_, body)| *body == answers[0].1);
    Outcome {
        statuses,
        made,
        identical,
        took,
    }
}

/// Stores a live link of `purpose` for `subject` and returns its token.
async fn issue(app: &TestApp, workspace: &Workspace, purpose: Purpose, subject: Subject) -> String {
    let token = Token::generate("").expect("a token");
    let now = Timestamp::now();
    let new = NewAccountToken {
        id: AccountTokenId::new(),
        token_hash: &token.hash(),
        purpose,
        workspace_id: workspace.id,
        subject: &subject,
        created_by: Some(workspace.owner.id),
        created_at: now,
        expires_at: Timestamp::try_from(now.unix_micros() + 3_600_000_000).expect("a time"),
    };
    let mut tx = app.db.begin().await.expect("a transaction");
    account_tokens::insert(&mut tx, &new)
        .await
        .expect("the link is stored");
    tx.commit().await.expect("the link is committed");
    token.reveal().to_owned()
}

async fn get(app: &TestApp, caller: &Credentials, path: &str) -> Value {
    app.request(caller, Method::GET, path)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

/// `n` redemptions of one member invitation; `made` is how many members have its address.
pub async fn redeem_one_invitation(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let email = format!("nina@{slug}.test");
    let invitee = Subject::Invitee {
        email: email.clone(),
        role: MemberRole::Member,
    };
    let token = issue(app, &workspace, Purpose::Invitation, invitee).await;
    let body = json!({ "token": token, "name": "Nina", "password": NEW_PASSWORD });
    let (answers, took) = at_once(n, |_| {
        app.client()
            .post(app.url("/api/v1/invitation/accept"))
            .json(&body)
            .send()
    })
    .await;
    let owner = app.sign_in(&workspace.owner).await;
    let members = get(app, &owner, "/api/v1/members").await;
    let made = members["members"].as_array().map_or(0, |all| {
        all.iter().filter(|m| m["email"] == email.as_str()).count()
    });
    outcome(&answers, made, took)
}

/// `n` redemptions of one password reset link, each with its own password; `made` is 1 when
/// the old password no longer works and exactly one new one does.
pub async fn redeem_one_reset_link(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let owner = Subject::Member(workspace.owner.id);
    let token = issue(app, &workspace, Purpose::PasswordReset, owner).await;
    let (answers, took) = at_once(n, |i| {
        app.client()
            .post(app.url("/api/v1/password-reset/complete"))
            .json(&json!({ "token": token, "password": format!("{NEW_PASSWORD} {i}") }))
            .send()
    })
    .await;
    let signs_in = |password: String| {
        let body = json!({ "email": workspace.owner.email, "password": password });
        let request = app.client().post(app.url("/api/v1/sessions")).json(&body);
        async move { request.send().await.map(|r| r.status().as_u16()) }
    };
    let old_fails = signs_in(PASSWORD.to_owned()).await.ok() == Some(401);
    let winner = answers.iter().position(|(status, _)| *status == 201);
    let mut made = 0;
    if let Some(winner) = winner.filter(|_| old_fails) {
        made = usize::from(signs_in(format!("{NEW_PASSWORD} {winner}")).await.ok() == Some(201));
    }
    outcome(&answers, made, took)
}

/// `n` updates of one organization's settings with the same `If-Match`; `made` is how many
/// `organization.settings_changed` entries the log holds.
pub async fn update_with_one_etag(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let organization = app.organization(&workspace, "Northwind").await;
    let owner = app.sign_in(&workspace.owner).await;
    let path = format!("/api/v1/organizations/{organization}/settings");
    let read = app
        .request(&owner, Method::GET, &path)
        .send()
        .await
        .expect("the settings");
    let etag = read.headers()["etag"].to_str().expect("an ETag").to_owned();
    let settings: Value = read.json().await.expect("the document");
    let languages = ["de", "es", "fr", "pt"];
    let (answers, took) = at_once(n, |i| {
        let mut changed = settings.clone();
        changed["language"] = json!(languages[i % languages.len()]);
        app.request(&owner, Method::PUT, &path)
            .header("if-match", &etag)
            .json(&changed)
            .send()
    })
    .await;
    let log = get(
        app,
        &owner,
        "/api/v1/activity?action=organization.settings_changed",
    )
    .await;
    let made = log["entries"].as_array().map_or(0, Vec::len);
    outcome(&answers, made, took)
}

/// `n` creates of one organization with one `Idempotency-Key`; `made` is how many
/// organizations the workspace has.
pub async fn create_with_one_key(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let owner = app.sign_in(&workspace.owner).await;
    let (answers, took) = at_once(n, |_| {
        app.request(&owner, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "create-northwind-1")
            .json(&json!({ "name": "Northwind" }))
            .send()
    })
    .await;
    let listed = get(app, &owner, "/api/v1/organizations").await;
    let made = listed["organizations"].as_array().map_or(0, Vec::len);
    outcome(&answers, made, took)
}

/// The owner transfers ownership to `n` admins at once; `made` is how many owners remain.
pub async fn transfer_ownership_at_once(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let mut admins = Vec::with_capacity(n);
    for i in 0..n {
        let admin = app
            .member(&workspace, &format!("admin{i}"), MemberRole::Admin)
            .await;
        admins.push(admin.id);
    }
    let owner = app.sign_in(&workspace.owner).await;
    let (answers, took) = at_once(n, |i| {
        app.request(&owner, Method::POST, "/api/v1/workspace/owner")
            .json(&json!({ "member_id": admins[i] }))
            .send()
    })
    .await;
    let members = get(app, &owner, "/api/v1/members").await;
    let made = members["members"]
        .as_array()
        .map_or(0, |all| all.iter().filter(|m| m["role"] == "owner").count());
    outcome(&answers, made, took)
}

/// `n` wrong passwords for one account at once. Only an admitted attempt reaches the password
/// hash, and a wrong one answers 401: `made` is that count.
pub async fn guess_passwords_at_once(app: &Arc<TestApp>, slug: &str, n: usize) -> Outcome {
    let workspace = app.workspace(slug).await;
    let (answers, took) = at_once(n, |i| {
        app.client()
            .post(app.url("/api/v1/sessions"))
            .json(&json!({ "email": workspace.owner.email, "password": format!("wrong-password-{i}") }))
            .send()
    })
    .await;
    let verified = answers.iter().filter(|(status, _)| *status == 401).count();
    outcome(&answers, verified, took)
}
