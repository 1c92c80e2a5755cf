//! Requests that race each other (see `clientele_testkit::races`): many at once on one link,
//! one document version, one idempotency key or one ownership. Exactly one may win; the others
//! get a clear refusal or the winner's answer, and the data shows one change.

use clientele_domain::MemberRole;
use clientele_store::PoolSettings;
use clientele_testkit::races::{
    create_with_one_key, redeem_one_invitation, redeem_one_reset_link, transfer_ownership_at_once,
    update_with_one_etag,
};
use clientele_testkit::{Backend, Options, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// A server with a production-sized pool, so the database sees the requests side by side.
async fn concurrent(backend: Backend) -> Arc<TestApp> {
    let options = Options {
        pool: PoolSettings::default(),
        ..Options::default()
    };
    Arc::new(TestApp::spawn_with(backend, options).await)
}

on_both_backends! {
    async fn a_hundred_parallel_redemptions_of_one_invitation_create_one_account(backend: Backend) {
        let outcome = redeem_one_invitation(&concurrent(backend).await, "acme", 100).await;
        assert_eq!((outcome.count(201), outcome.count(410)), (1, 99), "{outcome:?}");
        assert_eq!(outcome.made, 1, "one account");
    }

    async fn a_hundred_parallel_redemptions_of_one_reset_link_set_one_password(backend: Backend) {
        let outcome = redeem_one_reset_link(&concurrent(backend).await, "acme", 100).await;
        assert_eq!((outcome.count(201), outcome.count(410)), (1, 99), "{outcome:?}");
        assert_eq!(outcome.made, 1, "the old password is gone and the winner's works");
    }

    async fn a_hundred_updates_with_one_etag_make_one_change(backend: Backend) {
        let outcome = update_with_one_etag(&concurrent(backend).await, "acme", 100).await;
        assert_eq!((outcome.count(200), outcome.count(412)), (1, 99), "{outcome:?}");
        assert_eq!(outcome.made, 1, "one change, one entry");
    }

    async fn fifty_parallel_creates_with_one_idempotency_key_make_one_row_and_one_answer(backend: Backend) {
        let app = concurrent(backend).await;
        let outcome = create_with_one_key(&app, "acme", 50).await;
        assert_eq!(outcome.count(201), 50, "{outcome:?}");
        assert!(outcome.identical, "every answer is the first one");
        assert_eq!(outcome.made, 1, "one row");

        let workspace = app.workspace("globex").await;
        let owner = app.sign_in(&workspace.owner).await;
        let create = |name: &str| {
            app.request(&owner, Method::POST, "/api/v1/organizations")
                .header("idempotency-key", "create-northwind-1")
                .json(&json!({ "name": name }))
                .send()
        };
        assert_eq!(create("Northwind").await.unwrap().status(), 201);
        let replay = create("Northwind").await.unwrap();
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let reused = create("Initech").await.unwrap();
        assert_eq!(reused.status(), 422);
        let problem: Value = reused.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "Idempotency-Key", "{problem}");

        let other_caller = app.api_key(&workspace, MemberRole::Admin).await;
        let separate = app.request(&other_caller, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "create-northwind-1")
            .json(&json!({ "name": "Northwind" })).send().await.unwrap();
        assert_eq!(separate.status(), 409, "another caller's key is their own: the name is taken");
    }

    async fn parallel_ownership_transfers_leave_exactly_one_owner(backend: Backend) {
        let outcome = transfer_ownership_at_once(&concurrent(backend).await, "acme", 10).await;
        assert_eq!((outcome.count(200), outcome.count(403)), (1, 9), "{outcome:?}");
        assert_eq!(outcome.made, 1, "one owner");
    }
}
