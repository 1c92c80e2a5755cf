//! The one-time setup page.

use clientele_testkit::{Backend, PASSWORD, TestApp, on_both_backends};

fn form(token: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("token", token.to_owned()),
        ("workspace_name", "Acme Agency".to_owned()),
        ("owner_name", "Ana Silva".to_owned()),
        ("owner_email", "ana@acme.test".to_owned()),
        ("owner_password", password.to_owned()),
    ]
}

on_both_backends! {
    async fn the_setup_page_opens_only_with_its_token_and_only_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        assert_eq!(app.get("/setup").await.status(), 404);
        assert_eq!(app.get("/setup?token=guess").await.status(), 404);
        let page = app.get(&format!("/setup?token={}", app.setup_token)).await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("name=\"owner_password\""));

        let weak = app.client().post(app.url("/setup")).form(&form(&app.setup_token, "password123")).send().await.unwrap();
        assert_eq!(weak.status(), 422);
        let html = weak.text().await.unwrap();
        assert!(html.contains("too common"), "the error is shown next to the field");
        assert!(html.contains("value=\"ana@acme.test\""), "what was typed is kept");
        assert!(!app.app.is_set_up().await.unwrap(), "nothing was created");

        let wrong_token = app.client().post(app.url("/setup")).form(&form("guess", PASSWORD)).send().await.unwrap();
        assert_eq!(wrong_token.status(), 404);

        let done = app.client().post(app.url("/setup")).form(&form(&app.setup_token, PASSWORD)).send().await.unwrap();
        assert_eq!(done.status(), 201);
        assert!(done.text().await.unwrap().contains("ana@acme.test"));
        assert_eq!(app.get(&format!("/setup?token={}", app.setup_token)).await.status(), 404, "the page closes");

        let sign_in = app.client().post(app.url("/api/v1/sessions"))
            .json(&serde_json::json!({ "email": "ana@acme.test", "password": PASSWORD })).send().await.unwrap();
        assert_eq!(sign_in.status(), 201);
    }

    async fn what_is_typed_into_the_setup_page_is_escaped(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut fields = form(&app.setup_token, "short");
        fields[1].1 = "<script>alert(1)</script>".to_owned();
        let html = app.client().post(app.url("/setup")).form(&fields).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
    }
}
