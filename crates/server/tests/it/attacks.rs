//! Attacks from inside a tenant, written as the attacker would try them: each stops at the
//! step that was closed.

use clientele_domain::MemberRole;
use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

on_both_backends! {
    async fn an_admin_cannot_read_the_owners_reset_link_from_the_outbox(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        // The admin writes a template that puts the link everywhere, transformed.
        let (status, saved) = send(app.request(&admin, Method::PUT, "/api/v1/workspace/email-templates/password_reset/en").json(&json!({
            "subject": "Reset {{ link }}",
            "html": "<p>{{ link }} {{ link|upper }} {{ link|title }}</p>",
            "text": "{{ link }} {{ link|lower }}",
        }))).await;
        assert_eq!(status, 200, "{saved}");

        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": workspace.owner.email }))).await;
        assert_eq!(status, 202);
        for reader in [&admin, &admin_key] {
            let (status, list) = send(app.request(reader, Method::GET, "/api/v1/outbox")).await;
            assert_eq!(status, 200, "{list}");
            let id = list["messages"][0]["id"].as_str().unwrap().to_owned();
            let (status, message) = send(app.request(reader, Method::GET, &format!("/api/v1/outbox/{id}"))).await;
            assert_eq!(status, 200, "{message}");
            let everything = format!("{list}{message}").to_lowercase();
            assert!(!everything.contains("token="), "no form of the link is readable: {everything}");
            let token = app.received_token(workspace.id, id.parse::<uuid::Uuid>().unwrap().into()).await;
            assert!(!everything.contains(&token.to_lowercase()), "the token is nowhere in what the admin reads");
        }
        let (_, log) = send(app.request(&Credentials::Anonymous, Method::GET, "/api/v1/activity")).await;
        assert_eq!(log["status"], 401);
        let owner = app.sign_in(&workspace.owner).await;
        let (_, log) = send(app.request(&owner, Method::GET, "/api/v1/activity?action=outbox.message_read")).await;
        let readers: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["actor"]["kind"].as_str().unwrap()).collect();
        assert_eq!(readers, ["api_key", "member"], "each reading is logged with its reader: {log}");
    }

    async fn only_the_owner_points_console_links_elsewhere(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        let owner = app.sign_in(&workspace.owner).await;
        let brand = |console_url: &str| json!({
            "product_name": "Acme AI", "primary_color": "#4f46e5", "accent_color": "#0ea5e9",
            "console_url": console_url, "dashboard_domains": [],
        });
        for attacker in [&admin, &admin_key] {
            let (status, problem) = send(app.request(attacker, Method::PUT, "/api/v1/workspace/brand").json(&brand("https://evil.test"))).await;
            assert_eq!(status, 403, "{problem}");
        }
        let (status, saved) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand").json(&brand("https://console.acme.test"))).await;
        assert_eq!(status, 200, "{saved}");
        // The rest of the brand stays theirs to change.
        let mut renamed = brand("https://console.acme.test");
        renamed["product_name"] = json!("Acme Agents");
        let (status, saved) = send(app.request(&admin, Method::PUT, "/api/v1/workspace/brand").json(&renamed)).await;
        assert_eq!(status, 200, "{saved}");

        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": workspace.owner.email }))).await;
        assert_eq!(status, 202);
        let (_, list) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        let id: uuid::Uuid = list["messages"][0]["id"].as_str().unwrap().parse().unwrap();
        let email = app.received(workspace.id, id.into()).await;
        assert!(email.text.contains("https://console.acme.test/reset-password?token="), "{}", email.text);
    }

    async fn an_api_key_cannot_make_a_person_to_sign_in_as(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        let mia = app.member(&workspace, "mia", MemberRole::Member).await;
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/members").json(&json!({
            "name": "Mallory", "email": "mallory@evil.test", "role": "admin", "password": "correct horse battery staple 9",
        }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/member-invitations").json(&json!({
            "email": "mallory@evil.test", "role": "admin",
        }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::PATCH, &format!("/api/v1/members/{}", mia.id)).json(&json!({ "role": "admin" }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/api-keys").json(&json!({ "name": "more", "role": "admin" }))).await;
        assert_eq!(status, 403, "{problem}");
        // A signed-in admin still can.
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let (status, created) = send(app.request(&admin, Method::POST, "/api/v1/members").json(&json!({
            "name": "Nora", "email": "nora@acme.test", "role": "member", "password": "correct horse battery staple 9",
        }))).await;
        assert_eq!(status, 201, "{created}");
    }
}
