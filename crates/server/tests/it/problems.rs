use clientele_testkit::{Backend, TestApp, on_both_backends};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn assert_problem(
    response_headers: &reqwest::header::HeaderMap,
    body: &Value,
    status: u16,
    code: &str,
) {
    assert_eq!(response_headers["content-type"], "application/problem+json");
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        body["request_id"],
        response_headers["x-request-id"].to_str().unwrap()
    );
}

on_both_backends! {
    async fn a_page_size_outside_1_to_200_is_refused_naming_limit(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        for path in ["/api/v1/organizations", "/api/v1/agents", "/api/v1/activity", "/api/v1/outbox", "/api/v1/client-users?email=a"] {
            let separator = if path.contains('?') { '&' } else { '?' };
            for limit in ["0", "201", "9223372036854775808"] {
                let url = format!("{path}{separator}limit={limit}");
                let response = app.request(&owner, reqwest::Method::GET, &url).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                assert_eq!(status, 422, "{url}: {body}");
                assert_eq!(body["errors"][0]["field"], "limit", "{url}: {body}");
            }
            let url = format!("{path}{separator}limit=200");
            assert_eq!(app.request(&owner, reqwest::Method::GET, &url).send().await.unwrap().status(), 200, "{url}");
        }
    }

    async fn an_unknown_route_answers_404_problem_json(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/v1/no-such-thing").await;
        assert_eq!(response.status(), 404);
        let headers = response.headers().clone();
        assert_problem(&headers, &response.json().await.unwrap(), 404, "not_found");
    }

    async fn a_wrong_method_answers_405_problem_json_with_allow(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.client().delete(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 405);
        let headers = response.headers().clone();
        assert!(headers["allow"].to_str().unwrap().contains("GET"));
        assert_problem(&headers, &response.json().await.unwrap(), 405, "method_not_allowed");
    }

    async fn an_oversized_body_answers_413_problem_json_before_it_is_sent(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Announce 3 MiB but send none of it: the answer must come from the announced length
        // alone (a real client may still be uploading when the refusal arrives).
        let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
        let head = format!(
            "POST /api/v1/anything HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            app.address,
            3 * 1024 * 1024
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{head}");
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "payload_too_large");
        assert_eq!(body["status"], 413);
    }

    async fn every_response_tells_browsers_not_to_sniff_or_frame_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for path in ["/healthz", "/nope", "/api/v1/openapi.json"] {
            let response = app.get(path).await;
            assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
        }
    }
}

on_both_backends! {
    async fn control_characters_in_untrusted_text_never_cause_a_server_error(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let nul = "a\u{0}b@acme.test";
        let field = |response: serde_json::Value| response["errors"][0]["field"].as_str().unwrap().to_owned();
        let sign_in = app.client().post(app.url("/api/v1/sessions"))
            .json(&serde_json::json!({ "email": nul, "password": "x\u{0}yz-long-enough" })).send().await.unwrap();
        assert_eq!(sign_in.status(), 422, "a NUL is refused by name before anything is looked up");
        assert_eq!(field(sign_in.json().await.unwrap()), "email");
        let dashboard = app.client().post(app.url("/api/v1/dashboard/sessions"))
            .json(&serde_json::json!({ "workspace": "ac\u{0}me", "email": "ab@acme.test", "password": "x" })).send().await.unwrap();
        assert_eq!(dashboard.status(), 422);
        assert_eq!(field(dashboard.json().await.unwrap()), "workspace");
        let filter = app.request(&owner, reqwest::Method::GET, "/api/v1/activity?action=member%00added").send().await.unwrap();
        assert_eq!(filter.status(), 422);
        assert_eq!(field(filter.json().await.unwrap()), "action");
        let named = app.request(&owner, reqwest::Method::POST, "/api/v1/members")
            .json(&serde_json::json!({ "name": "A\u{1}B", "email": "ab@acme.test", "role": "member", "password": clientele_testkit::PASSWORD }))
            .send().await.unwrap();
        assert_eq!(named.status(), 422, "other control characters are refused by the field's rule");
    }
}
