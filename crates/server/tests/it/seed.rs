//! Demonstration data: what `clientele dev seed` creates is usable and its log verifies.

use clientele_app::seed::SeedPlan;
use clientele_testkit::{Backend, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::Value;

on_both_backends! {
    async fn seeded_data_is_complete_signable_and_its_chain_verifies(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let plan = SeedPlan { workspace_slug: "demo".to_owned(), organizations: 12, agents: 30, users_per_organization: 3, activity: 2500, conversations: 150, messages_per_conversation: 4 };
        let seeded = app.app.seed(&plan).await.unwrap();
        assert_eq!(seeded.users, 36);
        let report = clientele_store::workspace::activity::verify(&app.db).await.unwrap();
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        assert_eq!(report.entries, 2500 + 2, "the seeded entries, the workspace's creation and its owner's");

        let owner = app.sign_in_with(&seeded.owner_email, &seeded.password).await;
        let organizations: Value = app.request(&owner, Method::GET, "/api/v1/organizations?limit=1").send().await.unwrap().json().await.unwrap();
        assert_eq!(organizations["total"], 12);
        assert_eq!(organizations["organizations"][0]["user_count"], 3);
        let pool: Value = app.request(&owner, Method::GET, "/api/v1/agents?assigned=false&limit=200").send().await.unwrap().json().await.unwrap();
        assert_eq!(pool["agents"].as_array().unwrap().len(), 6, "one agent in five stays in the pool");

        let mut seen = 0;
        let mut cursor = String::new();
        loop {
            let page: Value = app.request(&owner, Method::GET, &format!("/api/v1/conversations?limit=200{cursor}")).send().await.unwrap().json().await.unwrap();
            seen += page["conversations"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen, 150, "a year of conversations");
        let open: Value = app.request(&owner, Method::GET, "/api/v1/conversations?status=ai").send().await.unwrap().json().await.unwrap();
        assert_eq!(open["conversations"].as_array().unwrap().len(), 20, "the latest are still open");
        let latest = &open["conversations"][0];
        assert_eq!(latest["message_count"], 4);
        let transcript: Value = app.request(&owner, Method::GET, &format!("/api/v1/conversations/{}", latest["id"].as_str().unwrap())).send().await.unwrap().json().await.unwrap();
        assert_eq!(transcript["messages"].as_array().unwrap().len(), 4);

        let again = app.app.seed(&plan).await;
        assert!(again.is_err(), "seeding never writes into an existing workspace");
    }
}
