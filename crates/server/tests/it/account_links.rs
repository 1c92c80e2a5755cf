//! Single-use account links: invitations of client users and of future members, password
//! resets for both, and "Log in as" previews. Links are built from the configured URLs, never
//! from the request, work once, and say why when they cannot be used.

use clientele_app::identity::tokens::Token;
use clientele_domain::{
    AccountTokenId, ClientUserId, MemberRole, OrganizationId, OutboxId, Permission, Timestamp,
    WorkspaceId,
};
use clientele_store::identity::account_tokens::{self, NewAccountToken, Purpose, Subject};
use clientele_testkit::{Backend, Credentials, PASSWORD, SmtpSink, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// A password the policy accepts, for links that set one.
const NEW_PASSWORD: &str = "a long Passphrase 42!";
const DAY: i64 = 24 * 60 * 60;

/// Sends a request; the status and the JSON body (`null` when there is none).
async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends a request that may sign in; the status, the JSON body and the session it set.
async fn signing_in(request: RequestBuilder) -> (StatusCode, Value, Option<Credentials>) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let session = session_token(&response).map(|token| session_with(&token));
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        session,
    )
}

/// The session token a response's `sid` cookie carries, if it sets one.
fn session_token(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.trim().strip_prefix("sid="))
        .find(|token| !token.is_empty())
        .map(str::to_owned)
}

/// The credentials of a session token: its cookie and the CSRF token bound to it.
fn session_with(token: &str) -> Credentials {
    Credentials::Session {
        cookie: format!("sid={token}"),
        csrf_token: Token::from_client(token).csrf_token(),
    }
}

fn anonymous(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    app.request(&Credentials::Anonymous, method, path)
}

/// The activity entries matching `query`, newest first.
async fn entries(app: &TestApp, caller: &Credentials, query: &str) -> Vec<Value> {
    let (status, page) = send(app.request(
        caller,
        Method::GET,
        &format!("/api/v1/activity?limit=200&{query}"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().unwrap().clone()
}

/// The fields a problem names, in order.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Asserts a 410 whose detail says `why`.
fn assert_unusable(status: StatusCode, problem: &Value, why: &str) {
    assert_eq!(status, 410, "{problem}");
    assert!(
        problem["type"]
            .as_str()
            .unwrap_or_default()
            .ends_with("link_unusable"),
        "{problem}"
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(why), "the detail says {why:?}: {problem}");
}

/// Seconds from now until an RFC 3339 time.
fn seconds_until(rfc3339: &str) -> i64 {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap();
    (at - time::OffsetDateTime::now_utc()).whole_seconds()
}

/// Points the workspace's email at the local SMTP server on `port`, as its owner.
async fn use_smtp(app: &TestApp, owner: &Credentials, port: u16) {
    let (status, body) = send(
        app.request(owner, Method::PUT, "/api/v1/workspace/email-settings")
            .json(&json!({
                "sender_name": "Acme AI",
                "sender_address": "hello@acme-ai.test",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_tls": "none",
            })),
    )
    .await;
    assert_eq!(status, 200, "saving the email settings: {body}");
}

/// A brand called `product_name` served at `dashboard_domains`.
fn brand(product_name: &str, dashboard_domains: &[&str]) -> Value {
    json!({
        "product_name": product_name,
        "primary_color": "#4f46e5",
        "accent_color": "#0ea5e9",
        "dashboard_domains": dashboard_domains,
    })
}

async fn set_brand(app: &TestApp, owner: &Credentials, brand: &Value) {
    let (status, body) = send(
        app.request(owner, Method::PUT, "/api/v1/workspace/brand")
            .json(brand),
    )
    .await;
    assert_eq!(status, 200, "saving the brand {brand}: {body}");
}

/// Adds a user without a password (so `invited`) to `organization`.
async fn invited_user(
    app: &TestApp,
    owner: &Credentials,
    organization: OrganizationId,
    name: &str,
    email: &str,
) -> Value {
    let (status, user) = send(
        app.request(
            owner,
            Method::POST,
            &format!("/api/v1/organizations/{organization}/users"),
        )
        .json(&json!({ "name": name, "email": email })),
    )
    .await;
    assert_eq!(status, 201, "creating {email}: {user}");
    assert_eq!(user["status"], "invited");
    user
}

fn user_path(user: &Value) -> String {
    format!("/api/v1/client-users/{}", user["id"].as_str().unwrap())
}

fn invitation_path(user: &Value) -> String {
    format!("{}/invitation", user_path(user))
}

/// Sends (or resends) a user's invitation; anything but 201 fails the test.
async fn invite(app: &TestApp, caller: &Credentials, user: &Value) -> Value {
    let (status, invitation) =
        send(app.request(caller, Method::POST, &invitation_path(user))).await;
    assert_eq!(status, 201, "inviting {}: {invitation}", user["email"]);
    invitation
}

/// Invites a future member; anything but 201 fails the test.
async fn invite_member(app: &TestApp, owner: &Credentials, email: &str, role: &str) -> Value {
    let (status, invitation) = send(
        app.request(owner, Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": email, "role": role })),
    )
    .await;
    assert_eq!(status, 201, "inviting {email}: {invitation}");
    invitation
}

/// The first link in `text` that contains `needle`.
fn link_in(text: &str, needle: &str) -> String {
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(needle))
        .unwrap_or_else(|| panic!("no link with {needle} in:\n{text}"))
        .to_owned()
}

/// The token a link carries.
fn token_of(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, rest)| rest.split(['&', '"', '<', '\'']).next().unwrap_or_default())
        .filter(|token| !token.is_empty())
        .unwrap_or_else(|| panic!("no token in {link}"))
        .to_owned()
}

/// The link with `needle` in an email, as its recipient reads it.
async fn emailed_link(
    app: &TestApp,
    workspace_id: WorkspaceId,
    outbox_id: &Value,
    needle: &str,
) -> String {
    let id: Uuid = outbox_id.as_str().unwrap().parse().unwrap();
    let email = app.received(workspace_id, OutboxId::from(id)).await;
    link_in(&email.text, needle)
}

async fn invitation_details(app: &TestApp, token: &str) -> (StatusCode, Value) {
    send(anonymous(
        app,
        Method::GET,
        &format!("/api/v1/invitation?token={token}"),
    ))
    .await
}

async fn accept(app: &TestApp, body: Value) -> (StatusCode, Value, Option<Credentials>) {
    signing_in(anonymous(app, Method::POST, "/api/v1/invitation/accept").json(&body)).await
}

async fn user_status(app: &TestApp, owner: &Credentials, user: &Value) -> Value {
    let (status, read) = send(app.request(owner, Method::GET, &user_path(user))).await;
    assert_eq!(status, 200, "{read}");
    read["status"].clone()
}

async fn me(app: &TestApp, session: &Credentials) -> (StatusCode, Value) {
    send(app.request(session, Method::GET, "/api/v1/me")).await
}

/// A dashboard sign-in on `host` (which names the workspace).
async fn dashboard_sign_in_on(
    app: &TestApp,
    host: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    anonymous(app, Method::POST, "/api/v1/dashboard/sessions")
        .header("host", host)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

async fn agency_sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    anonymous(app, Method::POST, "/api/v1/sessions")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

on_both_backends! {
    async fn an_invited_client_user_chooses_a_password_and_is_signed_in(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        set_brand(&app, &owner, &brand("Acme AI", &["dash.acme-ai.test"])).await;
        app.verify_domain(&owner, "dash.acme-ai.test").await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let invitation = invite(&app, &owner, &user).await;
        assert_eq!(invitation["email"], "ada@client.test");
        assert_eq!(invitation["replaced_previous"], false);
        assert!(invitation["id"].is_string() && invitation["outbox_id"].is_string(), "{invitation}");
        let lifetime = seconds_until(invitation["expires_at"].as_str().unwrap());
        assert!((7 * DAY - 120..=7 * DAY + 5).contains(&lifetime), "valid for 7 days: {invitation}");

        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.to, ["ada@client.test"]);
        assert_eq!(mail.subject(), "You're invited to Acme AI");
        assert!(mail.text().contains("Ada Lovelace"), "{}", mail.text());
        let link = mail.link_containing("/invitation?token=");
        assert!(link.starts_with("https://dash.acme-ai.test/invitation?token="), "links go to the dashboard domain: {link}");
        let token = token_of(&link);

        for _ in 0..2 {
            let (status, details) = invitation_details(&app, &token).await;
            assert_eq!(status, 200, "looking does not use the link up: {details}");
            assert_eq!(details, json!({ "email": "ada@client.test", "needs_password": true, "needs_name": false, "language": "en" }));
        }
        let page = app.get(&format!("/invitation?token={token}")).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Acme AI") && html.contains("ada@client.test"), "a page in the brand: {html}");

        let (status, body, session) = accept(&app, json!({ "token": token, "password": NEW_PASSWORD })).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["account_kind"], "client_user");
        assert_eq!(body["account_id"], user["id"]);
        assert_eq!(body["workspace_id"], json!(workspace.id));
        assert!(body["csrf_token"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
        assert!(body["expires_at"].is_string(), "{body}");
        let session = session.expect("accepting signs in with a session cookie");
        let (status, who) = me(&app, &session).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["kind"], "client_user");
        assert_eq!(who["id"], user["id"]);
        assert!(who["impersonated_by"].is_null());

        let (_, read) = send(app.request(&owner, Method::GET, &user_path(&user))).await;
        assert_eq!(read["status"], "active", "{read}");
        assert!(read["last_sign_in_at"].is_string(), "{read}");

        let (status, problem, again) = accept(&app, json!({ "token": token, "password": "another Long passphrase 81" })).await;
        assert_unusable(status, &problem, "already used");
        assert!(again.is_none(), "no session from a used link");
        let (status, problem) = invitation_details(&app, &token).await;
        assert_unusable(status, &problem, "already used");
        assert_eq!(app.get(&format!("/invitation?token={token}")).await.status(), 410);

        assert_eq!(dashboard_sign_in_on(&app, "dash.acme-ai.test", "ada@client.test", NEW_PASSWORD).await, 201, "the new password signs in on the dashboard domain");
        assert_eq!(dashboard_sign_in_on(&app, "dash.acme-ai.test", "ada@client.test", "another Long passphrase 81").await, 401, "the refused second acceptance set nothing");

        let log = entries(&app, &owner, &format!("target={}", user["id"].as_str().unwrap())).await;
        let invited = log.iter().find(|e| e["action"] == "client_user.invited").expect("the invitation is logged");
        assert_eq!(invited["actor"]["id"], json!(workspace.owner.id));
        let accepted = log.iter().find(|e| e["action"] == "client_user.invitation_accepted").expect("the acceptance is logged");
        assert_eq!(accepted["actor"]["kind"], "client_user");
        assert_eq!(accepted["actor"]["id"], user["id"]);
        assert_eq!(accepted["changes"]["status"], json!({ "before": "invited", "after": "active" }));
    }

    async fn a_resent_invitation_voids_the_previous_link(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let first = invite(&app, &owner, &user).await;
        let first_mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        let second = invite(&app, &owner, &user).await;
        assert_eq!(second["replaced_previous"], true, "{second}");
        assert_ne!(first["id"], second["id"]);
        assert_ne!(first["outbox_id"], second["outbox_id"], "a new email");
        let second_mail = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
        assert_eq!(second_mail.to, ["ada@client.test"]);
        let first_token = token_of(&first_mail.link_containing("/invitation?token="));
        let second_token = token_of(&second_mail.link_containing("/invitation?token="));
        assert_ne!(first_token, second_token);

        let (status, problem) = invitation_details(&app, &first_token).await;
        assert_unusable(status, &problem, "replaced");
        let (status, problem, session) = accept(&app, json!({ "token": first_token, "password": NEW_PASSWORD })).await;
        assert_unusable(status, &problem, "replaced");
        assert!(session.is_none());
        assert_eq!(user_status(&app, &owner, &user).await, "invited", "nothing changed");

        let (status, body, session) = accept(&app, json!({ "token": second_token, "password": NEW_PASSWORD })).await;
        assert_eq!(status, 201, "the latest link works: {body}");
        assert_eq!(me(&app, &session.unwrap()).await.0, 200);

        let log = entries(&app, &owner, &format!("target={}", user["id"].as_str().unwrap())).await;
        let invitations: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).filter(|a| a.starts_with("client_user.invit")).collect();
        assert_eq!(invitations, ["client_user.invitation_accepted", "client_user.invitation_resent", "client_user.invited"]);
    }

    async fn a_forged_expired_or_disabled_users_link_cannot_be_used(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let (status, problem) = invitation_details(&app, "forged-token-that-was-never-issued").await;
        assert_unusable(status, &problem, "not valid");
        let (status, problem, session) = accept(&app, json!({ "token": "forged-token-that-was-never-issued", "password": NEW_PASSWORD })).await;
        assert_unusable(status, &problem, "not valid");
        assert!(session.is_none());
        let (status, _) = send(anonymous(&app, Method::GET, "/api/v1/invitation")).await;
        assert_eq!(status, 400, "the token is required");

        // A link issued eight days ago, valid for seven.
        let expired = Token::generate("").unwrap();
        let now = Timestamp::now().unix_micros();
        let id: ClientUserId = serde_json::from_value(user["id"].clone()).unwrap();
        let subject = Subject::ClientUser(id);
        let new = NewAccountToken {
            id: AccountTokenId::new(),
            token_hash: &expired.hash(),
            purpose: Purpose::Invitation,
            workspace_id: workspace.id,
            subject: &subject,
            created_by: Some(workspace.owner.id),
            created_at: Timestamp::try_from(now - 8 * DAY * 1_000_000).unwrap(),
            expires_at: Timestamp::try_from(now - DAY * 1_000_000).unwrap(),
        };
        let mut tx = app.db.begin().await.unwrap();
        account_tokens::insert(&mut tx, &new).await.unwrap();
        tx.commit().await.unwrap();
        let (status, problem) = invitation_details(&app, expired.reveal()).await;
        assert_unusable(status, &problem, "expired");
        let (status, problem, _) = accept(&app, json!({ "token": expired.reveal(), "password": NEW_PASSWORD })).await;
        assert_unusable(status, &problem, "expired");
        assert_eq!(user_status(&app, &owner, &user).await, "invited", "nothing changed");
        let page = app.get(&format!("/invitation?token={}", expired.reveal())).await;
        assert_eq!(page.status(), 410);
        assert!(!page.text().await.unwrap().contains("Agency acme"), "an unusable link speaks for no workspace");

        // A user disabled after being invited.
        let invitation = invite(&app, &owner, &user).await;
        let token = token_of(&emailed_link(&app, workspace.id, &invitation["outbox_id"], "/invitation?token=").await);
        assert_eq!(invitation_details(&app, &token).await.0, 200);
        let (status, body) = send(app.request(&owner, Method::POST, &format!("{}/disable", user_path(&user)))).await;
        assert_eq!(status, 200, "{body}");
        let (status, problem) = invitation_details(&app, &token).await;
        assert_eq!(status, 410, "{problem}");
        let (status, problem, session) = accept(&app, json!({ "token": token, "password": NEW_PASSWORD })).await;
        assert_eq!(status, 410, "{problem}");
        assert!(session.is_none());
        assert_eq!(user_status(&app, &owner, &user).await, "disabled");
        let (status, problem) = send(app.request(&owner, Method::POST, &invitation_path(&user))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
    }

    async fn a_refused_password_leaves_the_invitation_usable(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;
        let invitation = invite(&app, &owner, &user).await;
        let token = token_of(&emailed_link(&app, workspace.id, &invitation["outbox_id"], "/invitation?token=").await);

        let (status, problem, session) = accept(&app, json!({ "token": token, "password": "short" })).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["password"]);
        assert!(session.is_none());
        let (status, problem, _) = accept(&app, json!({ "token": token, "password": "password123" })).await;
        assert_eq!(status, 422, "a common password: {problem}");
        assert_eq!(fields(&problem), ["password"]);
        let (status, problem, _) = accept(&app, json!({ "token": token })).await;
        assert_eq!(status, 422, "a password is needed: {problem}");
        assert_eq!(fields(&problem), ["password"]);

        assert_eq!(invitation_details(&app, &token).await.0, 200, "the link still works");
        assert_eq!(user_status(&app, &owner, &user).await, "invited", "nothing changed");
        let (status, body, session) = accept(&app, json!({ "token": token, "password": NEW_PASSWORD })).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(me(&app, &session.unwrap()).await.0, 200);
        assert_eq!(user_status(&app, &owner, &user).await, "active");
    }

    async fn an_org_admin_invites_users_of_their_own_organization_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let neighbour = app.organization(&workspace, "Neighbour").await;
        let admin = app.client_user(&workspace, organization, "lead", &[Permission::OrgAdmin, Permission::Home]).await;
        let plain = app.client_user(&workspace, organization, "plain", &[Permission::Home]).await;
        let ours = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;
        let theirs = invited_user(&app, &owner, neighbour, "Bo Stone", "bo@neighbour.test").await;
        let admin_session = app.sign_in_client(&admin).await;
        let plain_session = app.sign_in_client(&plain).await;

        let invitation = invite(&app, &admin_session, &ours).await;
        assert_eq!(invitation["email"], "ada@client.test");
        let token = token_of(&emailed_link(&app, workspace.id, &invitation["outbox_id"], "/invitation?token=").await);
        assert_eq!(invitation_details(&app, &token).await.0, 200);

        let (status, problem) = send(app.request(&admin_session, Method::POST, &invitation_path(&theirs))).await;
        assert_eq!(status, 404, "another organization's user does not exist for them: {problem}");
        let (status, problem) = send(app.request(&plain_session, Method::POST, &invitation_path(&ours))).await;
        assert_eq!(status, 403, "{problem}");

        let log = entries(&app, &owner, "action=client_user.invited").await;
        assert_eq!(log.len(), 1, "only the invitation that was sent is logged");
        assert_eq!(log[0]["actor"]["kind"], "client_user");
        assert_eq!(log[0]["actor"]["id"], json!(admin.id));
        assert_eq!(log[0]["target"]["id"], ours["id"]);
        let (_, outbox) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        assert_eq!(outbox["messages"].as_array().unwrap().len(), 1, "{outbox}");
    }

    async fn an_invited_member_joins_the_workspace_and_signs_in(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let mia = app.member(&workspace, "mia", MemberRole::Member).await;
        let mia_session = app.sign_in(&mia).await;

        let (status, problem) = send(app.request(&mia_session, Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": "new@agency.test", "role": "admin" }))).await;
        assert_eq!(status, 403, "members do not invite: {problem}");
        let invitation = invite_member(&app, &owner, "new@agency.test", "admin").await;
        assert_eq!(invitation["email"], "new@agency.test");
        assert_eq!(invitation["replaced_previous"], false);
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": mia.email, "role": "member" }))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "email", "{problem}");
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": "boss@agency.test", "role": "owner" }))).await;
        assert_eq!(status, 403, "nobody is invited as owner: {problem}");

        for caller in [&owner, &mia_session] {
            let (status, list) = send(app.request(caller, Method::GET, "/api/v1/member-invitations")).await;
            assert_eq!(status, 200, "{list}");
            let open = list["invitations"].as_array().unwrap();
            assert_eq!(open.len(), 1, "{list}");
            assert_eq!(open[0]["id"], invitation["id"]);
            assert_eq!(open[0]["email"], "new@agency.test");
            assert_eq!(open[0]["role"], "admin");
            assert!((7 * DAY - 120..=7 * DAY + 5).contains(&seconds_until(open[0]["expires_at"].as_str().unwrap())), "{list}");
        }

        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.to, ["new@agency.test"]);
        assert_eq!(mail.subject(), "You're invited to Agency acme");
        let link = mail.link_containing("/invitation?token=");
        assert!(link.starts_with(&app.url("/invitation?token=")), "agency links go to the console: {link}");
        let token = token_of(&link);
        let (status, details) = invitation_details(&app, &token).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details, json!({ "email": "new@agency.test", "needs_password": true, "needs_name": true, "language": "en" }));

        let (status, problem, _) = accept(&app, json!({ "token": token, "password": NEW_PASSWORD })).await;
        assert_eq!(status, 422, "a member gives their name: {problem}");
        assert!(fields(&problem).contains(&"name"), "{problem}");
        let (status, body, session) = accept(&app, json!({ "token": token, "name": "New Admin", "password": NEW_PASSWORD })).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["account_kind"], "member");
        assert_eq!(body["workspace_id"], json!(workspace.id));
        let (status, who) = me(&app, &session.expect("a session cookie")).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["kind"], "member");
        assert_eq!(who["id"], body["account_id"]);
        assert_eq!(who["name"], "New Admin");
        assert_eq!(who["role"], "admin");
        assert_eq!(agency_sign_in(&app, "new@agency.test", NEW_PASSWORD).await, 201);

        let (_, list) = send(app.request(&owner, Method::GET, "/api/v1/member-invitations")).await;
        assert_eq!(list["invitations"], json!([]), "an accepted invitation is no longer open");
        let (status, problem, _) = accept(&app, json!({ "token": token, "name": "Someone Else", "password": NEW_PASSWORD })).await;
        assert_unusable(status, &problem, "already used");
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": "new@agency.test", "role": "member" }))).await;
        assert_eq!(status, 409, "they have an account now: {problem}");

        assert_eq!(entries(&app, &owner, "action=member.invited").await.len(), 1);
        let joined = entries(&app, &owner, "action=member.joined").await;
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0]["actor"]["id"], body["account_id"]);
        assert_eq!(joined[0]["changes"]["role"]["after"], "admin");
    }

    async fn a_withdrawn_or_replaced_member_invitation_stops_working(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let mia = app.member(&workspace, "mia", MemberRole::Member).await;
        let mia_session = app.sign_in(&mia).await;
        let mut console = brand("Acme AI", &["dash.acme-ai.test"]);
        console["console_url"] = json!("https://console.acme-ai.test");
        set_brand(&app, &owner, &console).await;
        app.verify_domain(&owner, "dash.acme-ai.test").await;

        let first = invite_member(&app, &owner, "second@agency.test", "member").await;
        let first_link = emailed_link(&app, workspace.id, &first["outbox_id"], "/invitation?token=").await;
        assert!(first_link.starts_with("https://console.acme-ai.test/invitation?token="), "the brand's console URL: {first_link}");
        let second = invite_member(&app, &owner, "second@agency.test", "member").await;
        assert_eq!(second["replaced_previous"], true, "{second}");
        let (status, problem) = invitation_details(&app, &token_of(&first_link)).await;
        assert_unusable(status, &problem, "replaced");
        let token = token_of(&emailed_link(&app, workspace.id, &second["outbox_id"], "/invitation?token=").await);
        assert_eq!(invitation_details(&app, &token).await.0, 200);
        let (_, list) = send(app.request(&owner, Method::GET, "/api/v1/member-invitations")).await;
        assert_eq!(list["invitations"].as_array().unwrap().len(), 1, "one open invitation per address: {list}");

        let path = format!("/api/v1/member-invitations/{}", second["id"].as_str().unwrap());
        let (status, _) = send(app.request(&mia_session, Method::DELETE, &path)).await;
        assert_eq!(status, 403);
        let (status, _) = send(app.request(&owner, Method::DELETE, &path)).await;
        assert_eq!(status, 204);
        let (status, _) = send(app.request(&owner, Method::DELETE, &path)).await;
        assert_eq!(status, 404, "nothing left to withdraw");

        let (status, problem) = invitation_details(&app, &token).await;
        assert_unusable(status, &problem, "withdrawn");
        let (status, problem, session) = accept(&app, json!({ "token": token, "name": "Second", "password": NEW_PASSWORD })).await;
        assert_unusable(status, &problem, "withdrawn");
        assert!(session.is_none());
        assert_eq!(agency_sign_in(&app, "second@agency.test", NEW_PASSWORD).await, 401, "no account was made");
        let (_, list) = send(app.request(&owner, Method::GET, "/api/v1/member-invitations")).await;
        assert_eq!(list["invitations"], json!([]));
        let log = entries(&app, &owner, "action=member.invitation_revoked").await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["target"]["label"], "second@agency.test");
    }

    async fn an_agency_password_reset_ends_every_other_session_and_answers_alike_for_unknown_addresses(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let bob = app.member(&workspace, "bob", MemberRole::Member).await;
        let old_session = app.sign_in(&bob).await;

        let (status, unknown) = send(anonymous(&app, Method::POST, "/api/v1/password-resets").json(&json!({ "email": "nobody@acme.test" }))).await;
        assert_eq!(status, 202, "{unknown}");
        let (status, known) = send(anonymous(&app, Method::POST, "/api/v1/password-resets").json(&json!({ "email": bob.email }))).await;
        assert_eq!(status, 202, "{known}");
        assert_eq!(known, unknown, "the answer does not tell whether the address has an account");

        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.to, [bob.email.as_str()]);
        assert_eq!(mail.subject(), "Reset your Agency acme password");
        let link = mail.link_containing("/reset-password?token=");
        assert!(link.starts_with(&app.url("/reset-password?token=")), "{link}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 1, "nothing is sent to an address without an account");
        let (_, outbox) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        let recipients: Vec<&str> = outbox["messages"].as_array().unwrap().iter().map(|m| m["recipient"].as_str().unwrap()).collect();
        assert_eq!(recipients, [bob.email.as_str()]);

        let token = token_of(&link);
        let (status, details) = send(anonymous(&app, Method::GET, &format!("/api/v1/password-reset?token={token}"))).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details, json!({ "email": bob.email, "account_kind": "member", "language": "en" }));

        let complete = "/api/v1/password-reset/complete";
        let (status, problem, session) = signing_in(anonymous(&app, Method::POST, complete).json(&json!({ "token": token, "password": "short" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["password"]);
        assert!(session.is_none());
        assert_eq!(me(&app, &old_session).await.0, 200, "a refused password changes nothing");

        let new_password = "new long Passphrase 77";
        let (status, body, session) = signing_in(anonymous(&app, Method::POST, complete).json(&json!({ "token": token, "password": new_password }))).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["account_kind"], "member");
        assert_eq!(body["account_id"], json!(bob.id));
        let (status, who) = me(&app, &session.expect("a session cookie")).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["id"], json!(bob.id));
        assert_eq!(me(&app, &old_session).await.0, 401, "every other session ended");
        assert_eq!(me(&app, &owner).await.0, 200, "other accounts' sessions go on");

        assert_eq!(agency_sign_in(&app, &bob.email, PASSWORD).await, 401, "the old password no longer works");
        assert_eq!(agency_sign_in(&app, &bob.email, new_password).await, 201);
        let (status, problem, _) = signing_in(anonymous(&app, Method::POST, complete).json(&json!({ "token": token, "password": "yet another Long passphrase 5" }))).await;
        assert_unusable(status, &problem, "already used");
        assert_eq!(agency_sign_in(&app, &bob.email, new_password).await, 201, "the refused reuse set nothing");

        let log = entries(&app, &owner, "action=member.password_reset").await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["actor"]["id"], json!(bob.id));
        assert_eq!(log[0]["changes"]["sessions_ended"]["after"], 1, "{}", log[0]);
    }

    async fn an_agency_reset_link_ignores_a_forged_host(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let bob = app.member(&workspace, "bob", MemberRole::Member).await;
        let forged = |app: &TestApp| {
            anonymous(app, Method::POST, "/api/v1/password-resets")
                .header("host", "evil.example")
                .header("x-forwarded-host", "evil.example")
                .header("x-forwarded-proto", "https")
                .json(&json!({ "email": bob.email }))
        };

        let (status, body) = send(forged(&app)).await;
        assert_eq!(status, 202, "{body}");
        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        let link = mail.link_containing("/reset-password?token=");
        assert!(link.starts_with(&app.url("/reset-password?token=")), "the deployment's own URL: {link}");
        assert!(!mail.data.contains("evil.example"), "{}", mail.data);

        let mut console = brand("Acme AI", &[]);
        console["console_url"] = json!("https://console.acme-ai.test");
        set_brand(&app, &owner, &console).await;
        let (status, body) = send(forged(&app)).await;
        assert_eq!(status, 202, "{body}");
        let mail = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
        let link = mail.link_containing("/reset-password?token=");
        assert!(link.starts_with("https://console.acme-ai.test/reset-password?token="), "the brand's console URL: {link}");
        assert!(!mail.data.contains("evil.example"), "{}", mail.data);
    }

    async fn reset_requests_for_one_address_are_throttled(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let bob = app.member(&workspace, "bob", MemberRole::Member).await;

        let mut statuses = Vec::new();
        let mut retry_after = None;
        for _ in 0..5 {
            let response = anonymous(&app, Method::POST, "/api/v1/password-resets").json(&json!({ "email": bob.email })).send().await.unwrap();
            let status = response.status().as_u16();
            if status == 429 && retry_after.is_none() {
                retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            }
            statuses.push(status);
        }
        assert_eq!(statuses[..3].to_vec(), vec![202, 202, 202], "{statuses:?}");
        let blocked = statuses.iter().position(|s| *s == 429).unwrap_or_else(|| panic!("never throttled: {statuses:?}"));
        assert!(statuses[blocked..].iter().all(|s| *s == 429), "once blocked, it stays blocked: {statuses:?}");
        let retry_after: u64 = retry_after.expect("a Retry-After header").parse().unwrap();
        assert!(retry_after > 0);

        let (status, body) = send(anonymous(&app, Method::POST, "/api/v1/password-resets").json(&json!({ "email": workspace.owner.email }))).await;
        assert_eq!(status, 202, "another address is not blocked: {body}");
        let accepted = statuses.iter().filter(|s| **s == 202).count();
        app.queued(workspace.id, accepted + 1).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (_, outbox) = send(app.request(&owner, Method::GET, "/api/v1/outbox?limit=200")).await;
        let to_bob = outbox["messages"].as_array().unwrap().iter().filter(|m| m["recipient"] == bob.email.as_str()).count();
        assert_eq!(to_bob, accepted, "a blocked request sends nothing");
    }

    async fn a_client_reset_link_on_the_dashboard_domain_cannot_be_poisoned_by_the_host(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        set_brand(&app, &owner, &brand("Acme AI", &["dash.acme-ai.test"])).await;
        app.verify_domain(&owner, "dash.acme-ai.test").await;
        let organization = app.organization(&workspace, "Northwind").await;
        let ada = app.client_user(&workspace, organization, "ada", &[Permission::Home]).await;
        let old_session = app.sign_in_client(&ada).await;
        let resets = "/api/v1/dashboard/password-resets";

        let (status, body) = send(anonymous(&app, Method::POST, resets)
            .header("host", "dash.acme-ai.test")
            .json(&json!({ "email": ada.email }))).await;
        assert_eq!(status, 202, "the dashboard domain names the workspace: {body}");
        let first = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(first.to, [ada.email.as_str()]);
        assert_eq!(first.subject(), "Reset your Acme AI password");
        let first_link = first.link_containing("/reset-password?token=");
        assert!(first_link.starts_with("https://dash.acme-ai.test/reset-password?token="), "{first_link}");

        let (status, body) = send(anonymous(&app, Method::POST, resets)
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .json(&json!({ "workspace": workspace.slug, "email": ada.email }))).await;
        assert_eq!(status, 202, "{body}");
        let second = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
        let link = second.link_containing("/reset-password?token=");
        assert!(link.starts_with("https://dash.acme-ai.test/"), "the link keeps the configured domain: {link}");
        assert!(!second.data.contains("evil.example"), "{}", second.data);

        let (status, problem) = send(anonymous(&app, Method::POST, resets)
            .header("host", "evil.example")
            .json(&json!({ "email": ada.email }))).await;
        assert_eq!(status, 422, "elsewhere the workspace must be named: {problem}");
        assert_eq!(fields(&problem), ["workspace"]);

        let (status, problem) = send(anonymous(&app, Method::GET, &format!("/api/v1/password-reset?token={}", token_of(&first_link)))).await;
        assert_unusable(status, &problem, "replaced");
        let token = token_of(&link);
        let (status, details) = send(anonymous(&app, Method::GET, &format!("/api/v1/password-reset?token={token}"))).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details, json!({ "email": ada.email, "account_kind": "client_user", "language": "en" }));

        let (status, body, session) = signing_in(anonymous(&app, Method::POST, "/api/v1/password-reset/complete")
            .header("host", "dash.acme-ai.test")
            .json(&json!({ "token": token, "password": NEW_PASSWORD }))).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["account_kind"], "client_user");
        assert_eq!(body["account_id"], json!(ada.id));
        assert_eq!(me(&app, &session.expect("a session cookie")).await.0, 200);
        assert_eq!(me(&app, &old_session).await.0, 401, "every other session ended");

        assert_eq!(dashboard_sign_in_on(&app, "dash.acme-ai.test", &ada.email, NEW_PASSWORD).await, 201);
        assert_eq!(dashboard_sign_in_on(&app, "dash.acme-ai.test", &ada.email, PASSWORD).await, 401, "the old password no longer works");
        assert_eq!(sink.messages().len(), 2, "the refused request sent nothing");
    }

    async fn log_in_as_opens_the_dashboard_once_and_logs_who_really_acted(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let ana = app.client_user(&workspace, organization, "ana", &[Permission::OrgAdmin, Permission::Home]).await;
        let bo = app.client_user(&workspace, organization, "bo", &[Permission::Home]).await;

        let (status, preview) = send(app.request(&owner, Method::POST, &format!("/api/v1/client-users/{}/preview", ana.id))).await;
        assert_eq!(status, 201, "{preview}");
        let url = preview["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with(&app.url("/preview?token=")), "{url}");
        let lifetime = seconds_until(preview["expires_at"].as_str().unwrap());
        assert!(lifetime > 0 && lifetime <= 3600, "{preview}");
        let started = entries(&app, &owner, "action=client_user.preview_started").await;
        assert_eq!(started.len(), 1);
        assert_eq!(started[0]["actor"]["id"], json!(workspace.owner.id));
        assert_eq!(started[0]["target"]["id"], json!(ana.id));

        let opened = app.client().get(url.as_str()).send().await.unwrap();
        assert_eq!(opened.status(), 303);
        assert_eq!(opened.headers()["location"].to_str().unwrap(), "/");
        let token = session_token(&opened).expect("a preview session cookie");
        let preview_session = session_with(&token);
        let again = app.client().get(url.as_str()).send().await.unwrap();
        assert_eq!(again.status(), 410, "the link works once");
        assert!(session_token(&again).is_none());

        let (status, who) = me(&app, &preview_session).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["kind"], "client_user");
        assert_eq!(who["id"], json!(ana.id));
        assert_eq!(who["impersonated_by"], json!(workspace.owner.id));

        let ana_path = format!("/api/v1/client-users/{}", ana.id);
        let (status, problem) = send(app.request(&preview_session, Method::PATCH, &ana_path).json(&json!({ "email": "taken-over@evil.test" }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&preview_session, Method::PATCH, &ana_path).json(&json!({ "password": "another Long passphrase 81" }))).await;
        assert_eq!(status, 403, "{problem}");
        let (_, read) = send(app.request(&owner, Method::GET, &ana_path)).await;
        assert_eq!(read["email"], ana.email.as_str(), "nothing changed");
        app.sign_in_client(&ana).await; // the password is unchanged too

        let bo_path = format!("/api/v1/client-users/{}", bo.id);
        let (status, renamed) = send(app.request(&preview_session, Method::PATCH, &bo_path).json(&json!({ "name": "Bo Renamed" }))).await;
        assert_eq!(status, 200, "{renamed}");
        let updated = entries(&app, &owner, &format!("action=client_user.updated&target={}", bo.id)).await;
        assert_eq!(updated.len(), 1);
        assert_eq!(updated[0]["actor"]["kind"], "client_user");
        assert_eq!(updated[0]["actor"]["id"], json!(ana.id));
        assert_eq!(updated[0]["real_actor_id"], json!(workspace.owner.id), "the member really acting is recorded");

        let (status, _) = send(app.request(&preview_session, Method::POST, &format!("/api/v1/client-users/{}/preview", bo.id))).await;
        assert_eq!(status, 403, "a preview cannot open another");

        let (status, problem) = send(app.request(&preview_session, Method::DELETE, "/api/v1/sessions/current")).await;
        assert_eq!(status, 204, "{problem}");
        assert_eq!(me(&app, &preview_session).await.0, 401, "the preview ended");
        assert_eq!(me(&app, &owner).await.0, 200, "the member's own session goes on");
        let ended = entries(&app, &owner, "action=client_user.preview_ended").await;
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0]["actor"]["id"], json!(ana.id));
        assert_eq!(ended[0]["real_actor_id"], json!(workspace.owner.id));
    }

    async fn only_signed_in_members_may_log_in_as_a_client_user(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let ana = app.client_user(&workspace, organization, "ana", &[Permission::OrgAdmin, Permission::Home]).await;
        let bo = app.client_user(&workspace, organization, "bo", &[Permission::Home]).await;
        let preview_of = |id: ClientUserId| format!("/api/v1/client-users/{id}/preview");

        let key = app.api_key(&workspace, MemberRole::Admin).await;
        let (status, problem) = send(app.request(&key, Method::POST, &preview_of(bo.id))).await;
        assert_eq!(status, 403, "an API key is nobody to preview as: {problem}");
        let ana_session = app.sign_in_client(&ana).await;
        let (status, problem) = send(app.request(&ana_session, Method::POST, &preview_of(bo.id))).await;
        assert!(status == 403 || status == 404, "a client user cannot: {status} {problem}");
        let mia = app.member(&workspace, "mia", MemberRole::Member).await;
        let mia_session = app.sign_in(&mia).await;
        let (status, preview) = send(app.request(&mia_session, Method::POST, &preview_of(bo.id))).await;
        assert_eq!(status, 201, "any signed-in member may: {preview}");

        let (status, _) = send(app.request(&owner, Method::POST, &format!("/api/v1/client-users/{}/disable", bo.id))).await;
        assert_eq!(status, 200);
        let (status, problem) = send(app.request(&owner, Method::POST, &preview_of(bo.id))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
        let (status, _) = send(app.request(&owner, Method::POST, &preview_of(ClientUserId::new()))).await;
        assert_eq!(status, 404);

        let opened = app.client().get(preview["url"].as_str().unwrap()).send().await.unwrap();
        let token = session_token(&opened);
        let refused = match &token {
            Some(token) => me(&app, &session_with(token)).await.0 == 401,
            None => true,
        };
        assert!(refused, "a disabled user cannot be previewed, even by an earlier link ({})", opened.status());
        assert_eq!(entries(&app, &owner, "action=client_user.preview_started").await.len(), 1);
    }

    async fn a_preview_link_opens_on_the_dashboard_domain_even_before_the_user_accepted(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        set_brand(&app, &owner, &brand("Acme AI", &["dash.acme-ai.test"])).await;
        app.verify_domain(&owner, "dash.acme-ai.test").await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let (status, preview) = send(app.request(&owner, Method::POST, &format!("{}/preview", user_path(&user)))).await;
        assert_eq!(status, 201, "{preview}");
        let url = preview["url"].as_str().unwrap();
        let path = url.strip_prefix("https://dash.acme-ai.test").unwrap_or_else(|| panic!("the dashboard domain: {url}"));
        assert!(path.starts_with("/preview?token="), "{url}");

        let opened = app.client().get(app.url(path)).header("host", "dash.acme-ai.test").send().await.unwrap();
        assert_eq!(opened.status(), 303);
        let session = session_with(&session_token(&opened).expect("a preview session cookie"));
        let (status, who) = me(&app, &session).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["id"], user["id"]);
        assert_eq!(who["impersonated_by"], json!(workspace.owner.id));
        assert_eq!(user_status(&app, &owner, &user).await, "invited", "previewing accepts nothing");
    }
}
