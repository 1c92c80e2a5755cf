//! Two-factor sign-in: an authenticator app (TOTP) or a recovery code after the password, for
//! agency members and client users; required by a workspace or an organization; throttled.

use clientele_domain::Permission;
use clientele_testkit::{Backend, Credentials, PASSWORD, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Secret};

/// The code an authenticator app with `secret` shows `steps` 30-second steps from now.
pub(crate) fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::try_from_base32(secret).unwrap();
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes)
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    totp.generate((now + steps * 30) as u64).to_string()
}

async fn send(
    app: &TestApp,
    who: &Credentials,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.request(who, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Turns on an authenticator app for `who`; its secret and recovery codes.
async fn enroll(app: &TestApp, who: &Credentials) -> (String, Vec<String>) {
    let (status, enrollment) = send(app, who, Method::POST, "/api/v1/me/two-factor", None).await;
    assert_eq!(status, 201, "{enrollment}");
    assert!(
        enrollment["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let secret = enrollment["secret"].as_str().unwrap().to_owned();
    let (status, body) = send(
        app,
        who,
        Method::POST,
        "/api/v1/me/two-factor/confirm",
        Some(json!({ "code": "123" })),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["errors"][0]["field"].as_str()),
        (422, Some("code")),
        "{body}"
    );
    let (status, confirmed) = send(
        app,
        who,
        Method::POST,
        "/api/v1/me/two-factor/confirm",
        Some(json!({ "code": code(&secret, 0) })),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let codes = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// Signs in with the password: the challenge a 202 carries (no cookie is set).
async fn password_step(app: &TestApp, email: &str) -> String {
    let response = app
        .client()
        .post(app.url("/api/v1/sessions"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session before the second factor"
    );
    let body: Value = response.json().await.unwrap();
    body["second_factor"]["challenge"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn second_step(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/sessions/second-factor"))
        .json(&json!({ "challenge": challenge, "code": code }))
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn with_an_authenticator_app_a_sign_in_needs_its_code_once_or_a_recovery_code_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (secret, recovery) = enroll(&app, &owner).await;
        assert_eq!(recovery.len(), 10);
        let (_, status) = send(&app, &owner, Method::GET, "/api/v1/me/two-factor", None).await;
        assert_eq!((status["enabled"].as_bool(), status["recovery_codes_left"].as_i64()), (Some(true), Some(10)));

        let challenge = password_step(&app, &workspace.owner.email).await;
        assert_eq!(second_step(&app, &challenge, "000000").await.status(), 401);
        // The confirming code used this step; the next step's code is the app's next one.
        let next = code(&secret, 1);
        let signed_in = second_step(&app, &challenge, &next).await;
        assert_eq!(signed_in.status(), 201);
        let body: Value = signed_in.json().await.unwrap();
        assert_eq!(body["member"]["email"], workspace.owner.email);
        assert_eq!(second_step(&app, &challenge, &next).await.status(), 410, "a challenge works once");

        let again = password_step(&app, &workspace.owner.email).await;
        assert_eq!(second_step(&app, &again, &next).await.status(), 401, "a code works once");
        let typed = recovery[0].to_uppercase().replace('-', " ");
        assert_eq!(second_step(&app, &again, &typed).await.status(), 201, "a recovery code, however typed");
        let third = password_step(&app, &workspace.owner.email).await;
        assert_eq!(second_step(&app, &third, &recovery[0]).await.status(), 401, "a recovery code works once");

        let log: Value = send(&app, &owner, Method::GET, "/api/v1/activity?action=member.two_factor_enabled", None).await.1;
        assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    }

    async fn a_password_reset_link_does_not_skip_the_second_factor(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (secret, _) = enroll(&app, &owner).await;
        let email = workspace.owner.email.clone();
        let (status, _) = send(&app, &Credentials::Anonymous, Method::POST, "/api/v1/password-resets", Some(json!({ "email": email }))).await;
        assert_eq!(status, 202);
        let id = app.queued(workspace.id, 1).await[0];
        let token = &app.received_token(workspace.id, id).await;

        let new_password = "a brand new Passphrase 7";
        let completed = app.client().post(app.url("/api/v1/password-reset/complete"))
            .json(&json!({ "token": token, "password": new_password })).send().await.unwrap();
        assert_eq!(completed.status(), 202, "the password is set, but no session without the code");
        assert!(completed.headers().get("set-cookie").is_none());
        let challenge: Value = completed.json().await.unwrap();
        let signed_in = second_step(&app, challenge["second_factor"]["challenge"].as_str().unwrap(), &code(&secret, 1)).await;
        assert_eq!(signed_in.status(), 201);
    }

    async fn wrong_codes_are_throttled_like_wrong_passwords(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (secret, _) = enroll(&app, &owner).await;
        let challenge = password_step(&app, &workspace.owner.email).await;
        let mut statuses = Vec::new();
        for guess in 0..8 {
            statuses.push(second_step(&app, &challenge, &format!("{guess:06}")).await.status().as_u16());
        }
        assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
        assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
        assert_eq!(second_step(&app, &challenge, &code(&secret, 1)).await.status(), 429, "even the right code waits");
    }

    async fn a_workspace_that_requires_a_second_factor_holds_its_members_to_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (status, _) = send(&app, &owner, Method::PUT, "/api/v1/workspace/security", Some(json!({ "require_two_factor": true }))).await;
        assert_eq!(status, 200);
        let (status, body) = send(&app, &owner, Method::GET, "/api/v1/organizations", None).await;
        assert_eq!((status.as_u16(), body["code"].as_str()), (403, Some("second_factor_required")), "{body}");
        assert_eq!(send(&app, &owner, Method::GET, "/api/v1/me", None).await.0, 200);
        let page = app.request(&owner, Method::GET, "/console").send().await.unwrap();
        assert_eq!((page.status().as_u16(), page.headers()["location"].to_str().unwrap()), (303, "/console/account"), "pages send them to set it up");
        let account = app.request(&owner, Method::GET, "/console/account").send().await.unwrap();
        assert_eq!(account.status(), 200);
        assert!(account.text().await.unwrap().contains("Your workspace requires two-factor sign-in"));
        let (secret, _) = enroll(&app, &owner).await;
        assert_eq!(send(&app, &owner, Method::GET, "/api/v1/organizations", None).await.0, 200, "set up, the session works");
        assert_eq!(app.request(&owner, Method::GET, "/console").send().await.unwrap().status(), 200);
        let (status, _) = send(&app, &owner, Method::POST, "/api/v1/me/two-factor/disable", Some(json!({ "code": code(&secret, 1) }))).await;
        assert_eq!(status, 403, "it cannot be turned off while required");
    }

    async fn an_organization_that_requires_a_second_factor_holds_only_its_own_users_to_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let strict = app.organization(&workspace, "Strict").await;
        let relaxed = app.organization(&workspace, "Relaxed").await;
        let owner = app.sign_in(&workspace.owner).await;
        let path = format!("/api/v1/organizations/{strict}/security");
        assert_eq!(send(&app, &owner, Method::PUT, &path, Some(json!({ "require_two_factor": true }))).await.0, 200);
        let held = app.client_user(&workspace, strict, "hana", &[Permission::OrgAdmin, Permission::Home]).await;
        let free = app.client_user(&workspace, relaxed, "rui", &[Permission::OrgAdmin, Permission::Home]).await;
        let held = app.sign_in_client(&held).await;
        let free = app.sign_in_client(&free).await;
        let (status, body) = send(&app, &held, Method::GET, &format!("/api/v1/organizations/{strict}/users"), None).await;
        assert_eq!((status.as_u16(), body["code"].as_str()), (403, Some("second_factor_required")), "{body}");
        assert_eq!(send(&app, &free, Method::GET, &format!("/api/v1/organizations/{relaxed}/users"), None).await.0, 200);
        assert_eq!(send(&app, &owner, Method::GET, "/api/v1/organizations", None).await.0, 200, "members are the workspace's to require");

        let dashboard = app.request(&held, Method::GET, "/").send().await.unwrap();
        assert_eq!(dashboard.headers()["location"], "/account", "the dashboard sends them to set it up");
        let account = app.request(&held, Method::GET, "/account").send().await.unwrap();
        assert_eq!(account.status(), 200);
        let (secret, _) = enroll(&app, &held).await;
        assert_eq!(send(&app, &held, Method::GET, &format!("/api/v1/organizations/{strict}/users"), None).await.0, 200);
        let response = app.client().post(app.url("/api/v1/dashboard/sessions"))
            .json(&json!({ "workspace": "acme", "email": "hana@client.acme.test", "password": PASSWORD })).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let challenge: Value = response.json().await.unwrap();
        let signed_in = second_step(&app, challenge["second_factor"]["challenge"].as_str().unwrap(), &code(&secret, 1)).await;
        assert_eq!(signed_in.status(), 201);
        assert_eq!(signed_in.json::<Value>().await.unwrap()["user"]["email"], "hana@client.acme.test");
    }
}

on_both_backends! {
    async fn new_recovery_codes_replace_the_old_ones(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (_, old) = enroll(&app, &owner).await;
        let path = "/api/v1/me/two-factor/recovery-codes";
        let (status, body) = send(&app, &owner, Method::POST, path, Some(json!({ "code": "000000" }))).await;
        assert_eq!(status, 422, "a code proves it is the person: {body}");
        let (status, fresh) = send(&app, &owner, Method::POST, path, Some(json!({ "code": old[0] }))).await;
        assert_eq!(status, 200, "{fresh}");
        let fresh: Vec<String> = fresh["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        assert_eq!(fresh.len(), 10);

        let challenge = password_step(&app, &workspace.owner.email).await;
        assert_eq!(second_step(&app, &challenge, &old[1]).await.status(), 401, "the old codes stop working");
        assert_eq!(second_step(&app, &challenge, &fresh[0]).await.status(), 201, "the new ones work");
        let (_, log) = send(&app, &owner, Method::GET, "/api/v1/activity?action=member.recovery_codes_regenerated", None).await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    }

    async fn the_agency_resets_a_lost_second_factor_and_the_person_is_told(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let admin = app.member(&workspace, "adam", clientele_domain::MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let mia = app.member(&workspace, "mia", clientele_domain::MemberRole::Member).await;
        let mia_session = app.sign_in(&mia).await;
        enroll(&app, &mia_session).await;
        enroll(&app, &owner).await;

        let (status, problem) = send(&app, &admin, Method::DELETE, &format!("/api/v1/members/{}/two-factor", workspace.owner.id), None).await;
        assert_eq!(status, 403, "nobody resets the owner's: {problem}");
        let admin_key = app.api_key(&workspace, clientele_domain::MemberRole::Admin).await;
        let (status, _) = send(&app, &admin_key, Method::DELETE, &format!("/api/v1/members/{}/two-factor", mia.id), None).await;
        assert_eq!(status, 403, "a key does not");
        let (status, body) = send(&app, &admin, Method::DELETE, &format!("/api/v1/members/{}/two-factor", mia.id), None).await;
        assert_eq!(status, 204, "{body}");
        let (status, _) = send(&app, &mia_session, Method::GET, "/api/v1/me", None).await;
        assert_eq!(status, 401, "their sessions ended");
        let signed_in = app.client().post(app.url("/api/v1/sessions"))
            .json(&json!({ "email": mia.email, "password": PASSWORD })).send().await.unwrap();
        assert_eq!(signed_in.status(), 201, "the password alone signs in again");
        let (status, _) = send(&app, &admin, Method::DELETE, &format!("/api/v1/members/{}/two-factor", mia.id), None).await;
        assert_eq!(status, 409, "nothing left to reset");

        let (_, log) = send(&app, &owner, Method::GET, "/api/v1/activity?action=member.two_factor_reset", None).await;
        assert_eq!(log["entries"][0]["target"]["id"], json!(mia.id), "{log}");
        assert_eq!(log["entries"][0]["actor"]["kind"], "member", "{log}");
        let (_, outbox) = send(&app, &owner, Method::GET, "/api/v1/outbox", None).await;
        assert_eq!(outbox["messages"][0]["kind"], "account_changed");
        assert_eq!(outbox["messages"][0]["recipient"], mia.email.as_str());

        let organization = app.organization(&workspace, "Northwind").await;
        let lead = app.client_user(&workspace, organization, "lead", &Permission::ALL).await;
        let carl = app.client_user(&workspace, organization, "carl", &[Permission::Home]).await;
        let carl_session = app.sign_in_client(&carl).await;
        enroll(&app, &carl_session).await;
        let lead_session = app.sign_in_client(&lead).await;
        let reset_carl = format!("/api/v1/client-users/{}/two-factor", carl.id);
        let (status, _) = send(&app, &lead_session, Method::DELETE, &reset_carl, None).await;
        assert_eq!(status, 403, "the agency resets, not an org admin");
        let (status, body) = send(&app, &owner, Method::DELETE, &reset_carl, None).await;
        assert_eq!(status, 204, "{body}");
        let (_, outbox) = send(&app, &owner, Method::GET, "/api/v1/outbox", None).await;
        assert_eq!(outbox["messages"][0]["recipient"], carl.email.as_str());
        let (_, log) = send(&app, &owner, Method::GET, "/api/v1/activity?action=client_user.two_factor_reset", None).await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    }
}
