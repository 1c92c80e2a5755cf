//! Signing in and out, sessions, CSRF, API keys and brute-force throttling.

use clientele_domain::MemberRole;
use clientele_testkit::{Backend, Credentials, PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn sign_in_raw(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/sessions"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

/// The body without what differs per request.
async fn comparable(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap();
    body.as_object_mut().unwrap().remove("request_id");
    (status, body)
}

on_both_backends! {
    async fn signing_in_sets_a_session_cookie_that_scripts_cannot_read(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let response = sign_in_raw(&app, "  OWNER@acme.test ", PASSWORD).await;
        assert_eq!(response.status(), 201);
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("sid="));
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(!cookie.contains("Secure"), "plain HTTP cannot carry a Secure cookie");

        let session = app.sign_in(&workspace.owner).await;
        let me: Value = app.request(&session, Method::GET, "/api/v1/me").send().await.unwrap().json().await.unwrap();
        assert_eq!(me["kind"], "member");
        assert_eq!(me["role"], "owner");
        assert_eq!(me["workspace"]["slug"], "acme");
    }

    async fn an_unknown_email_and_a_wrong_password_are_indistinguishable(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.workspace("acme").await;
        let wrong_password = comparable(sign_in_raw(&app, "owner@acme.test", "not-the-password-1").await).await;
        let unknown_email = comparable(sign_in_raw(&app, "nobody@acme.test", "not-the-password-1").await).await;
        assert_eq!(wrong_password.0, 401);
        assert_eq!(wrong_password, unknown_email);
    }

    async fn repeated_wrong_passwords_are_throttled_even_with_the_right_one(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.workspace("acme").await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(sign_in_raw(&app, "owner@acme.test", "not-the-password-1").await.status().as_u16());
        }
        assert_eq!(&statuses[..5], &[401; 5]);
        assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
        let blocked = sign_in_raw(&app, "owner@acme.test", PASSWORD).await;
        assert_eq!(blocked.status(), 429);
        assert!(blocked.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
        for _ in 0..6 {
            sign_in_raw(&app, "ghost@acme.test", "not-the-password-1").await;
        }
        let ghost = comparable(sign_in_raw(&app, "ghost@acme.test", "not-the-password-1").await).await;
        assert_eq!(ghost.0, 429, "an unknown email is throttled like a known one");
    }

    async fn a_cookie_request_that_changes_something_needs_the_csrf_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let Credentials::Session { cookie, csrf_token } = app.sign_in(&workspace.owner).await else { unreachable!() };
        let body = json!({ "name": "CI", "role": "member" });
        let without = app.client().post(app.url("/api/v1/api-keys")).header("cookie", &cookie).json(&body).send().await.unwrap();
        assert_eq!(without.status(), 403);
        assert_eq!(without.json::<Value>().await.unwrap()["code"], "csrf_failed");
        let forged = app.client().post(app.url("/api/v1/api-keys")).header("cookie", &cookie).header("x-csrf-token", "guess").json(&body).send().await.unwrap();
        assert_eq!(forged.status(), 403);
        let with = app.client().post(app.url("/api/v1/api-keys")).header("cookie", &cookie).header("x-csrf-token", &csrf_token).json(&body).send().await.unwrap();
        assert_eq!(with.status(), 201);
        let keys: Value = app.client().get(app.url("/api/v1/api-keys")).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
        assert_eq!(keys["api_keys"].as_array().unwrap().len(), 1, "only the request with the token created a key");
    }

    async fn signing_out_ends_the_session(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let session = app.sign_in(&workspace.owner).await;
        let out = app.request(&session, Method::DELETE, "/api/v1/sessions/current").send().await.unwrap();
        assert_eq!(out.status(), 204);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(app.request(&session, Method::GET, "/api/v1/me").send().await.unwrap().status(), 401);
    }

    async fn an_api_key_works_until_it_is_revoked_and_is_shown_only_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created: Value = app
            .request(&owner, Method::POST, "/api/v1/api-keys")
            .json(&json!({ "name": "Zapier", "role": "admin" }))
            .send().await.unwrap().json().await.unwrap();
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("ck_"));
        let key = Credentials::ApiKey(token.clone());
        let me: Value = app.request(&key, Method::GET, "/api/v1/me").send().await.unwrap().json().await.unwrap();
        assert_eq!((me["kind"].as_str(), me["role"].as_str(), me["name"].as_str()), (Some("api_key"), Some("admin"), Some("Zapier")));

        let listed = app.request(&owner, Method::GET, "/api/v1/api-keys").send().await.unwrap().text().await.unwrap();
        assert!(!listed.contains(&token), "a listed key never shows its token");
        assert!(listed.contains("last_used_at\":\"20"), "use is recorded: {listed}");

        let id = created["api_key"]["id"].as_str().unwrap();
        let revoked = app.request(&owner, Method::DELETE, &format!("/api/v1/api-keys/{id}")).send().await.unwrap();
        assert_eq!(revoked.status(), 204);
        assert_eq!(app.request(&key, Method::GET, "/api/v1/me").send().await.unwrap().status(), 401);
    }

    async fn a_session_of_one_workspace_sees_nothing_of_another(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let own = app.workspace("acme").await;
        let other = app.workspace("globex").await;
        let session = app.sign_in(&own.owner).await;
        let members: Value = app.request(&session, Method::GET, "/api/v1/members").send().await.unwrap().json().await.unwrap();
        let emails: Vec<_> = members["members"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap().to_owned()).collect();
        assert_eq!(emails, vec![own.owner.email.clone()]);
        let foreign = app.request(&session, Method::DELETE, &format!("/api/v1/members/{}", other.owner.id)).send().await.unwrap();
        let missing = app.request(&session, Method::DELETE, &format!("/api/v1/members/{}", uuid::Uuid::now_v7())).send().await.unwrap();
        assert_eq!(comparable(foreign).await, comparable(missing).await, "a foreign id answers exactly like a missing one");
    }

    async fn removing_a_member_ends_their_sessions_at_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let leaver = app.member(&workspace, "leaver", MemberRole::Admin).await;
        let leaver_session = app.sign_in(&leaver).await;
        let owner = app.sign_in(&workspace.owner).await;
        assert_eq!(app.request(&leaver_session, Method::GET, "/api/v1/me").send().await.unwrap().status(), 200);
        let removed = app.request(&owner, Method::DELETE, &format!("/api/v1/members/{}", leaver.id)).send().await.unwrap();
        assert_eq!(removed.status(), 204);
        assert_eq!(app.request(&leaver_session, Method::GET, "/api/v1/me").send().await.unwrap().status(), 401);
    }

    async fn a_demoted_admin_loses_admin_rights_on_their_next_request(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "admin", MemberRole::Admin).await;
        let admin_session = app.sign_in(&admin).await;
        let owner = app.sign_in(&workspace.owner).await;
        assert_eq!(app.request(&admin_session, Method::GET, "/api/v1/activity").send().await.unwrap().status(), 200);
        let demoted = app.request(&owner, Method::PATCH, &format!("/api/v1/members/{}", admin.id)).json(&json!({ "role": "member" })).send().await.unwrap();
        assert_eq!(demoted.status(), 200);
        assert_eq!(app.request(&admin_session, Method::GET, "/api/v1/activity").send().await.unwrap().status(), 403);
    }
}

/// A hash made with weaker argon2 parameters than today's.
fn weak_hash(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    let params = argon2::Params::new(4096, 1, 1, None).unwrap();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes())
        .unwrap()
        .to_string()
}

on_both_backends! {
    async fn a_password_hashed_with_old_parameters_is_rehashed_at_sign_in(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let mut tx = app.db.begin().await.unwrap();
        clientele_store::identity::members::set_password_hash(&mut tx, workspace.id, workspace.owner.id, &weak_hash(PASSWORD)).await.unwrap();
        tx.commit().await.unwrap();

        assert_eq!(sign_in_raw(&app, &workspace.owner.email, PASSWORD).await.status(), 201);
        let stored = clientele_store::identity::members::find(&app.db, workspace.id, workspace.owner.id).await.unwrap().unwrap();
        assert!(stored.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", stored.password_hash);
        assert_eq!(sign_in_raw(&app, &workspace.owner.email, PASSWORD).await.status(), 201, "the new hash verifies");
    }
}
