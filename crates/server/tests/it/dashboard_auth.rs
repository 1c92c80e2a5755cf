//! Client users signing in to their agency's dashboard.

use clientele_domain::{AgentAccess, ClientUserId, Email, Permission, Timestamp};
use clientele_store::clients::client_users::{self, NewClientUser};
use clientele_testkit::{Backend, PASSWORD, TestApp, Workspace, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn sign_in(app: &TestApp, workspace: &str, email: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/dashboard/sessions"))
        .json(&json!({ "workspace": workspace, "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn user_with_status(
    app: &TestApp,
    workspace: &Workspace,
    email: &str,
    status: &str,
    password: Option<&str>,
) {
    let organization = app.organization(workspace, "Client").await;
    let hash = match password {
        Some(p) => Some(app.app.passwords.hash(p.to_owned()).await.unwrap()),
        None => None,
    };
    let email = Email::parse(email).unwrap();
    let new = NewClientUser {
        id: ClientUserId::new(),
        workspace_id: workspace.id,
        organization_id: organization,
        email: &email,
        name: "Someone",
        name_key: "someone",
        password_hash: hash.as_deref(),
        permissions: [Permission::Home].into_iter().collect(),
        status: status.parse().unwrap(),
        image_id: None,
        agent_access: AgentAccess::All,
        created_at: Timestamp::now(),
    };
    let mut tx = app.db.begin().await.unwrap();
    client_users::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
}

async fn without_request_id(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap();
    body.as_object_mut().unwrap().remove("request_id");
    (status, body)
}

on_both_backends! {
    async fn a_client_user_signs_in_to_their_workspace_and_sees_their_sections(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let organization = app.organization(&workspace, "Globex").await;
        let user = app.client_user(&workspace, organization, "bea", &[Permission::Home, Permission::Analytics]).await;
        let response = sign_in(&app, "acme", &user.email.to_uppercase(), PASSWORD).await;
        assert_eq!(response.status(), 201);
        assert!(response.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));

        let session = app.sign_in_client(&user).await;
        let me: Value = app.request(&session, Method::GET, "/api/v1/me").send().await.unwrap().json().await.unwrap();
        assert_eq!(me["kind"], "client_user");
        assert_eq!(me["organization_id"], organization.to_string());
        assert_eq!(me["permissions"], json!(["home", "analytics"]));
        assert_eq!(me["role"], Value::Null);
        let out = app.request(&session, Method::DELETE, "/api/v1/sessions/current").send().await.unwrap();
        assert_eq!(out.status(), 204);
        assert_eq!(app.request(&session, Method::GET, "/api/v1/me").send().await.unwrap().status(), 401);
    }

    async fn one_email_can_be_a_client_user_of_two_agencies(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (acme, globex) = (app.workspace("acme").await, app.workspace("globex").await);
        for workspace in [&acme, &globex] {
            user_with_status(&app, workspace, "sam@client.test", "active", Some(PASSWORD)).await;
        }
        for slug in ["acme", "globex"] {
            let response = sign_in(&app, slug, "sam@client.test", PASSWORD).await;
            assert_eq!(response.status(), 201, "{slug}");
        }
    }

    async fn wrong_workspace_unknown_user_invited_and_disabled_users_all_get_the_same_refusal(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        user_with_status(&app, &workspace, "active@client.test", "active", Some(PASSWORD)).await;
        user_with_status(&app, &workspace, "invited@client.test", "invited", None).await;
        user_with_status(&app, &workspace, "disabled@client.test", "disabled", Some(PASSWORD)).await;

        let wrong_password = without_request_id(sign_in(&app, "acme", "active@client.test", "not-the-password-1").await).await;
        assert_eq!(wrong_password.0, 401);
        for (slug, email, password) in [
            ("globex", "active@client.test", PASSWORD),
            ("acme", "nobody@client.test", PASSWORD),
            ("acme", "invited@client.test", PASSWORD),
            ("acme", "disabled@client.test", PASSWORD),
            ("Not a slug!", "active@client.test", PASSWORD),
        ] {
            let refusal = without_request_id(sign_in(&app, slug, email, password).await).await;
            assert_eq!(refusal, wrong_password, "{slug} {email}");
        }
    }

    async fn an_agency_login_is_not_a_dashboard_login(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let response = sign_in(&app, "acme", &workspace.owner.email, PASSWORD).await;
        assert_eq!(response.status(), 401);
    }
}
