use clientele_testkit::{Backend, TestApp, on_both_backends};

on_both_backends! {
    async fn every_response_carries_a_fresh_request_id(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.get("/healthz").await;
        let second = app.get("/no-such-page").await;
        let first_id = first.headers()["x-request-id"].to_str().unwrap().to_owned();
        let second_id = second.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&first_id).is_ok(), "{first_id}");
        assert_ne!(first_id, second_id);
    }

    async fn a_callers_request_id_is_echoed(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app
            .client()
            .get(app.url("/healthz"))
            .header("x-request-id", "lb-7f3a.2026:x_1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-request-id"], "lb-7f3a.2026:x_1");
    }

    async fn a_request_id_that_could_forge_log_fields_is_replaced(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for forged in ["abc status=200 user=admin", &"x".repeat(200)] {
            let response = app.client().get(app.url("/healthz")).header("x-request-id", forged).send().await.unwrap();
            let echoed = response.headers()["x-request-id"].to_str().unwrap();
            assert_ne!(echoed, forged);
            assert!(uuid::Uuid::parse_str(echoed).is_ok(), "{echoed}");
        }
    }
}
