//! Uploaded images: accepted by content, refused when they lie or are too large, and served
//! with a content type, `nosniff` and a long cache lifetime.

use clientele_testkit::{Backend, TestApp, on_both_backends, png};
use reqwest::Method;
use serde_json::Value;

on_both_backends! {
    async fn an_uploaded_image_is_served_by_its_hash_with_safe_headers(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let bytes = png(320, 200);
        let response = app.request(&owner, Method::POST, "/api/v1/images").header("content-type", "application/octet-stream").body(bytes.clone()).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let image: Value = response.json().await.unwrap();
        assert_eq!(image["content_type"], "image/png");
        assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(320), Some(200)));

        let served = app.client().get(app.url(image["url"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(served.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"));
        assert_eq!(served.bytes().await.unwrap().to_vec(), bytes);

        let again: Value = app.request(&owner, Method::POST, "/api/v1/images").header("content-type", "image/png").body(bytes).send().await.unwrap().json().await.unwrap();
        assert_eq!(again["id"], image["id"], "the same bytes are one image");
        let missing = app.client().get(app.url(&format!("/images/{}", "a".repeat(64)))).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }

    async fn files_that_are_not_what_they_claim_or_too_large_are_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.to_vec();
        let mut padded = png(10, 10);
        padded.resize(1024 * 1024 + 1, 0);
        let cases: [(Vec<u8>, &str, u16); 6] = [
            (svg, "image/svg+xml", 422),
            (b"<html>not an image</html>".to_vec(), "image/png", 422),
            (png(10, 10), "image/jpeg", 422),
            (png(5000, 10), "image/png", 422),
            (padded, "image/png", 413),
            (vec![0; 2 * 1024 * 1024], "image/png", 413),
        ];
        for (bytes, content_type, status) in cases {
            let response = app.request(&owner, Method::POST, "/api/v1/images").header("content-type", content_type).body(bytes).send().await.unwrap();
            assert_eq!(response.status(), status, "{content_type}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
            if status == 422 {
                let problem: Value = response.json().await.unwrap();
                assert_eq!(problem["errors"][0]["field"], "file", "{problem}");
            }
        }
        let log: Value = app.request(&owner, Method::GET, "/api/v1/activity?action=image.uploaded").send().await.unwrap().json().await.unwrap();
        assert!(log["entries"].as_array().unwrap().is_empty(), "nothing was stored");
    }
}
