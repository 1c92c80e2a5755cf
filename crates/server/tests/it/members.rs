//! Managing members: roles, ownership, bad input, and the activity each change leaves.

use clientele_domain::MemberRole;
use clientele_testkit::{Backend, PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends! {
    async fn transferring_ownership_leaves_exactly_one_owner(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let heir = app.member(&workspace, "heir", MemberRole::Member).await;
        let owner = app.sign_in(&workspace.owner).await;
        let response = app.request(&owner, Method::POST, "/api/v1/workspace/owner").json(&json!({ "member_id": heir.id })).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let members: Value = app.request(&owner, Method::GET, "/api/v1/members").send().await.unwrap().json().await.unwrap();
        let roles: Vec<(String, String)> = members["members"].as_array().unwrap().iter()
            .map(|m| (m["email"].as_str().unwrap().to_owned(), m["role"].as_str().unwrap().to_owned())).collect();
        assert_eq!(roles, vec![(workspace.owner.email.clone(), "admin".to_owned()), (heir.email.clone(), "owner".to_owned())]);
        let again = app.request(&owner, Method::POST, "/api/v1/workspace/owner").json(&json!({ "member_id": heir.id })).send().await.unwrap();
        assert_eq!(again.status(), 403, "the former owner cannot transfer again");
    }

    async fn nobody_demotes_or_removes_the_owner(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "admin", MemberRole::Admin).await;
        let session = app.sign_in(&admin).await;
        let path = format!("/api/v1/members/{}", workspace.owner.id);
        assert_eq!(app.request(&session, Method::PATCH, &path).json(&json!({ "role": "member" })).send().await.unwrap().status(), 403);
        assert_eq!(app.request(&session, Method::DELETE, &path).send().await.unwrap().status(), 403);
        let owner = app.sign_in(&workspace.owner).await;
        let promote = app.request(&owner, Method::PATCH, &format!("/api/v1/members/{}", admin.id)).json(&json!({ "role": "owner" })).send().await.unwrap();
        assert_eq!(promote.status(), 403, "the owner role moves only by transfer");
    }

    async fn bad_input_is_refused_naming_the_field_and_writes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let post = |body: String| app.request(&owner, Method::POST, "/api/v1/members").header("content-type", "application/json").body(body);

        let malformed = post("{\"name\": ".to_owned()).send().await.unwrap();
        assert_eq!(malformed.status(), 400);
        assert_eq!(malformed.json::<Value>().await.unwrap()["code"], "malformed_json");

        let cases = [
            (json!({ "name": 7, "email": "a@b.test", "role": "member", "password": PASSWORD }), "name"),
            (json!({ "name": "A", "email": "a@b.test", "role": "boss", "password": PASSWORD }), "role"),
            (json!({ "name": "A", "email": "a@b.test", "role": "member", "password": PASSWORD, "admin": true }), "admin"),
            (json!({ "name": "x".repeat(121), "email": "a@b.test", "role": "member", "password": PASSWORD }), "name"),
            (json!({ "name": "A", "email": "not-an-email", "role": "member", "password": PASSWORD }), "email"),
            (json!({ "name": "A", "email": "a@b.test", "role": "member", "password": "password123" }), "password"),
        ];
        for (body, field) in cases {
            let response = post(body.to_string()).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let members: Value = app.request(&owner, Method::GET, "/api/v1/members").send().await.unwrap().json().await.unwrap();
        assert_eq!(members["members"].as_array().unwrap().len(), 1, "nothing was written");

        let taken = post(json!({ "name": "Dup", "email": "OWNER@acme.test", "role": "member", "password": PASSWORD }).to_string()).send().await.unwrap();
        assert_eq!(taken.status(), 409);
        assert_eq!(taken.json::<Value>().await.unwrap()["errors"][0]["field"], "email");
    }

    async fn every_change_is_in_the_activity_log_with_who_did_it_and_from_where(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let added: Value = app
            .request(&owner, Method::POST, "/api/v1/members")
            .header("user-agent", "activity-test/1.0")
            .json(&json!({ "name": "Bea", "email": "bea@acme.test", "role": "member", "password": PASSWORD }))
            .send().await.unwrap().json().await.unwrap();
        let id = added["id"].as_str().unwrap();
        app.request(&owner, Method::PATCH, &format!("/api/v1/members/{id}")).json(&json!({ "role": "admin" })).send().await.unwrap();

        let page: Value = app.request(&owner, Method::GET, &format!("/api/v1/activity?target={id}")).send().await.unwrap().json().await.unwrap();
        let entries = page["entries"].as_array().unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["member.role_changed", "member.added"]);
        assert_eq!(entries[0]["changes"], json!({ "role": { "before": "member", "after": "admin" } }));
        assert_eq!(entries[1]["actor"]["id"], workspace.owner.id.to_string());
        assert_eq!(entries[1]["ip"], "127.0.0.1");
        assert_eq!(entries[1]["user_agent"], "activity-test/1.0");
        assert!(!entries[1]["changes"].to_string().contains(PASSWORD), "secrets never reach the log");

        let first: Value = app.request(&owner, Method::GET, "/api/v1/activity?limit=2").send().await.unwrap().json().await.unwrap();
        let cursor = first["next_cursor"].as_i64().unwrap();
        let second: Value = app.request(&owner, Method::GET, &format!("/api/v1/activity?limit=2&cursor={cursor}")).send().await.unwrap().json().await.unwrap();
        assert!(second["entries"][0]["seq"].as_i64().unwrap() < cursor);
        let bad = app.request(&owner, Method::GET, "/api/v1/activity?from=yesterday").send().await.unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(clientele_store::workspace::activity::verify(&app.db).await.unwrap().breaks, vec![]);
    }
}
