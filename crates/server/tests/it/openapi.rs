use clientele_testkit::{Backend, TestApp, on_both_backends};
use serde_json::Value;

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let document = serde_json::to_value(clientele_server::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", document);
}

on_both_backends! {
    async fn the_served_document_is_openapi_3_1_and_lists_every_route(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/v1/openapi.json").await;
        assert_eq!(response.status(), 200);
        let document: Value = response.json().await.unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));
        for path in ["/healthz", "/readyz"] {
            assert!(document["paths"][path]["get"]["operationId"].is_string(), "{path} is undocumented");
        }
        assert!(document["components"]["schemas"]["ProblemResponse"].is_object());
    }

    async fn the_api_reference_loads_without_the_internet(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let redirect = app.get("/api/docs").await;
        assert!(redirect.status().is_redirection());
        let page = app.get("/api/docs/").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let assets = attribute_values(&html, &["src=\"", "href=\""]);
        assert!(!assets.is_empty(), "the page references no assets:\n{html}");
        for asset in assets {
            assert!(!asset.contains("//"), "{asset} is loaded from another host");
            let response = app.get(&format!("/api/docs/{}", asset.trim_start_matches("./"))).await;
            assert_eq!(response.status(), 200, "{asset}");
        }
        let initializer = app.get("/api/docs/swagger-initializer.js").await.text().await.unwrap();
        assert!(initializer.contains("/api/v1/openapi.json"));
        assert!(initializer.contains(r#""validatorUrl": "none""#), "the page would call a third-party validator:\n{initializer}");
    }
}

fn attribute_values(html: &str, prefixes: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for prefix in prefixes {
        for chunk in html.split(prefix).skip(1) {
            if let Some(end) = chunk.find('"') {
                values.push(chunk[..end].to_owned());
            }
        }
    }
    values
}
