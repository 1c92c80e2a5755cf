//! Conversations as people read them: the list with its filters, search and paging, the
//! transcript, the export, and who may see which.

use clientele_domain::Permission;
use clientele_testkit::{Backend, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends! {
    async fn the_agency_lists_filters_searches_and_pages_conversations(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let bakery = app.organization(&workspace, "Bakery").await;
        app.conversation(&workspace, dental, "d1", &["Can I book a cleaning?", "Tuesday at 9 is free."]).await;
        app.conversation(&workspace, dental, "d2", &["Do you take new patients?"]).await;
        let (_, sourdough) = app.conversation(&workspace, bakery, "b1", &["Is the SOURDOUGH vegan?", "Yes."]).await;

        let list = |query: &str| {
            let (app, owner) = (&app, &owner);
            let query = query.to_owned();
            async move {
                let answer = app.request(owner, Method::GET, &format!("/api/v1/conversations{query}")).send().await.unwrap();
                assert_eq!(answer.status(), 200, "{query}");
                answer.json::<Value>().await.unwrap()
            }
        };
        let all = list("").await;
        assert_eq!(all["conversations"].as_array().unwrap().len(), 3);
        let only_dental = list(&format!("?organization_id={dental}")).await;
        assert_eq!(only_dental["conversations"].as_array().unwrap().len(), 2);
        let found = list("?q=sourdough").await;
        assert_eq!(found["conversations"].as_array().unwrap().len(), 1, "search ignores case");
        assert_eq!(found["conversations"][0]["id"], sourdough.to_string());
        assert_eq!(found["conversations"][0]["last_message"], "Yes.");
        assert_eq!(found["conversations"][0]["contact"]["name"], "Dana Scott");
        assert_eq!(list("?q=dana%40example").await["conversations"].as_array().unwrap().len(), 3, "the contact's email is searched too");
        assert_eq!(list("?status=closed").await["conversations"].as_array().unwrap().len(), 0);
        assert_eq!(list("?channel=web&status=ai").await["conversations"].as_array().unwrap().len(), 3);

        let first = list("?limit=2").await;
        assert_eq!(first["conversations"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
        let second = list(&format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(second["conversations"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());
        let mut ids: Vec<Value> = first["conversations"].as_array().unwrap().iter().chain(second["conversations"].as_array().unwrap()).map(|c| c["id"].clone()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3, "pages neither repeat nor skip");

        let bad = app.request(&owner, Method::GET, "/api/v1/conversations?status=sleeping").send().await.unwrap();
        assert_eq!(bad.status(), 400);
        let bad_cursor = app.request(&owner, Method::GET, "/api/v1/conversations?cursor=nonsense").send().await.unwrap();
        assert_eq!(bad_cursor.status(), 422);
        assert_eq!(bad_cursor.json::<Value>().await.unwrap()["errors"][0]["field"], "cursor");
    }

    async fn search_finds_words_in_messages_and_contacts_and_forgets_what_was_erased(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let (agent, _) = app.conversation(&workspace, dental, "d1", &["Can I book a cleaning for Tuesday?"]).await;
        let (runtime, _) = app.runtime_key(&workspace, agent).await;
        let events = json!({ "events": [
            { "id": "s0", "type": "conversation.started", "conversation_id": "s", "channel": "whatsapp",
              "contact": { "name": "João Araújo", "email": "joao@mail.example", "phone": "+55 11 98765 4321" },
              "occurred_at": "2026-03-02T08:00:00Z" },
            { "id": "s1", "type": "message", "conversation_id": "s", "role": "contact",
              "text": "Vocês atendem em São Paulo? Meu e-mail: outro@example.org", "occurred_at": "2026-03-02T08:00:01Z" },
        ]});
        let answer = app.request(&runtime, Method::POST, "/runtime/v1/events").json(&events).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let other = app.workspace("rival").await;
        let rival = app.organization(&other, "Rival Dental").await;
        app.conversation(&other, rival, "r1", &["Can I book a cleaning too?"]).await;

        let found = |query: &str| {
            let (app, owner) = (&app, &owner);
            let query = query.to_owned();
            async move {
                let answer = app.request(owner, Method::GET, &format!("/api/v1/conversations?q={query}")).send().await.unwrap();
                assert_eq!(answer.status(), 200, "{query}");
                let list: Value = answer.json().await.unwrap();
                list["conversations"].as_array().unwrap().iter().map(|c| c["external_id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
            }
        };
        assert_eq!(found("cleaning").await, ["d1"], "a word finds it; another workspace's stays out");
        assert!(found("clean").await.is_empty(), "whole words only");
        assert_eq!(found("BOOK%20tuesday").await, ["d1"], "every word, any case");
        assert!(found("book%20paulo").await.is_empty(), "the words must meet in one message");
        assert_eq!(found("s%C3%A3o%20paulo").await, ["s"], "letters beyond ASCII");
        assert_eq!(found("araujo").await, Vec::<String>::new(), "accents count: araújo is not araujo");
        assert_eq!(found("ara%C3%BAjo").await, ["s"], "the contact's name");
        assert_eq!(found("joao%40mail.example").await, ["s"], "the contact's email, split into words");
        assert_eq!(found("98765").await, ["s"], "the contact's phone");
        assert_eq!(found("outro%40example").await, ["s"], "an address inside a message");
        let blank = app.request(&owner, Method::GET, "/api/v1/conversations?q=%40%40").send().await.unwrap();
        assert_eq!(blank.status(), 422);
        assert_eq!(blank.json::<Value>().await.unwrap()["errors"][0]["field"], "q");

        let erased = app.request(&owner, Method::POST, "/api/v1/contacts/erasure")
            .json(&json!({ "phone": "+55 11 98765 4321" })).send().await.unwrap();
        assert_eq!(erased.json::<Value>().await.unwrap()["conversations_erased"], 1);
        assert!(found("paulo").await.is_empty());
        assert!(found("98765").await.is_empty());
        // New messages reuse the storage the erased ones left: none inherits their words.
        let events = json!({ "events": [
            { "id": "t0", "type": "message", "conversation_id": "t", "role": "contact", "text": "Hello there", "occurred_at": "2026-03-03T08:00:00Z" },
            { "id": "t1", "type": "message", "conversation_id": "t", "role": "agent", "text": "Hi!", "occurred_at": "2026-03-03T08:00:01Z" },
        ]});
        app.request(&runtime, Method::POST, "/runtime/v1/events").json(&events).send().await.unwrap();
        assert!(found("paulo").await.is_empty(), "an erased message's words find nothing");
        assert_eq!(found("hello").await, ["t"]);
    }

    async fn a_common_word_pages_through_every_conversation_that_has_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let (agent, _) = app.conversation(&workspace, dental, "quiet", &["Nothing to see"]).await;
        let (runtime, _) = app.runtime_key(&workspace, agent).await;
        // Enough hits that the search walks the newest conversations instead of the index.
        let events: Vec<Value> = (0..2100).map(|i| json!({ "id": format!("b{i}"), "type": "message",
            "conversation_id": format!("bulk-{i}"), "role": "contact", "text": format!("Invoice number {i} please"),
            "occurred_at": format!("2026-03-0{}T10:{:02}:{:02}Z", 1 + i / 3600, i / 60 % 60, i % 60) })).collect();
        for batch in events.chunks(500) {
            let answer = app.request(&runtime, Method::POST, "/runtime/v1/events").json(&json!({ "events": batch })).send().await.unwrap();
            assert_eq!(answer.json::<Value>().await.unwrap()["refused"], 0);
        }
        let named = json!({ "events": [{ "id": "n0", "type": "conversation.started", "conversation_id": "named",
            "channel": "web", "contact": { "name": "Invoice Desk" }, "occurred_at": "2026-01-01T09:00:00Z" },
            { "id": "n1", "type": "message", "conversation_id": "named", "role": "contact", "text": "Hello", "occurred_at": "2026-01-01T09:00:01Z" }] });
        app.request(&runtime, Method::POST, "/runtime/v1/events").json(&named).send().await.unwrap();

        let mut seen = std::collections::HashSet::new();
        let mut cursor = String::new();
        loop {
            let page: Value = app.request(&owner, Method::GET, &format!("/api/v1/conversations?q=invoice&limit=200{cursor}"))
                .send().await.unwrap().json().await.unwrap();
            for c in page["conversations"].as_array().unwrap() {
                assert!(seen.insert(c["external_id"].as_str().unwrap().to_owned()), "no conversation twice");
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 2101, "every message's conversation and the contact's");
        assert!(seen.contains("named") && !seen.contains("quiet"));
        let one: Value = app.request(&owner, Method::GET, "/api/v1/conversations?q=INVOICE%201234").send().await.unwrap().json().await.unwrap();
        let found: Vec<&str> = one["conversations"].as_array().unwrap().iter().map(|c| c["external_id"].as_str().unwrap()).collect();
        assert_eq!(found, ["bulk-1234"]);
    }

    async fn a_transcript_reads_in_order_and_exports_as_json_and_text(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let (_, id) = app.conversation(&workspace, dental, "d1", &["Can I book a cleaning?", "Tuesday at 9 is free.\nShall I book it?"]).await;

        let transcript: Value = app.request(&owner, Method::GET, &format!("/api/v1/conversations/{id}")).send().await.unwrap().json().await.unwrap();
        let roles: Vec<&str> = transcript["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["contact", "agent"]);
        assert_eq!(transcript["conversation"]["contact"]["email"], "dana@example.test");

        let text = app.request(&owner, Method::GET, &format!("/api/v1/conversations/{id}/export?format=text")).send().await.unwrap();
        assert_eq!(text.status(), 200);
        assert!(text.headers()["content-disposition"].to_str().unwrap().contains(".txt"));
        let text = text.text().await.unwrap();
        assert!(text.contains("Contact: Dana Scott, dana@example.test"));
        assert!(text.contains("contact: Can I book a cleaning?"));
        assert!(text.contains("agent: Tuesday at 9 is free.\n    Shall I book it?"), "{text}");
        let json: Value = app.request(&owner, Method::GET, &format!("/api/v1/conversations/{id}/export")).send().await.unwrap().json().await.unwrap();
        assert_eq!(json["messages"].as_array().unwrap().len(), 2);
        let unknown = app.request(&owner, Method::GET, &format!("/api/v1/conversations/{id}/export?format=pdf")).send().await.unwrap();
        assert_eq!(unknown.status(), 400);
    }

    async fn client_users_see_their_organizations_conversations_with_the_agents_they_may_use(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let bakery = app.organization(&workspace, "Bakery").await;
        let (front, front_chat) = app.conversation(&workspace, dental, "front", &["Hello front desk"]).await;
        let (_, night_chat) = app.conversation(&workspace, dental, "night", &["Hello night line"]).await;
        let (_, bakery_chat) = app.conversation(&workspace, bakery, "bread", &["Hello bakery"]).await;

        let reader = app.client_user(&workspace, dental, "reader", &[Permission::Home, Permission::Conversations]).await;
        let reader = app.sign_in_client(&reader).await;
        let seen: Value = app.request(&reader, Method::GET, "/api/v1/conversations").send().await.unwrap().json().await.unwrap();
        assert_eq!(seen["conversations"].as_array().unwrap().len(), 2, "their organization's only");
        assert_eq!(app.request(&reader, Method::GET, &format!("/api/v1/conversations/{bakery_chat}")).send().await.unwrap().status(), 404);
        let foreign_filter = app.request(&reader, Method::GET, &format!("/api/v1/conversations?organization_id={bakery}")).send().await.unwrap();
        assert_eq!(foreign_filter.status(), 404);

        let home_only = app.client_user(&workspace, dental, "home", &[Permission::Home]).await;
        let home_only = app.sign_in_client(&home_only).await;
        assert_eq!(app.request(&home_only, Method::GET, "/api/v1/conversations").send().await.unwrap().status(), 403);

        let narrow = app.client_user(&workspace, dental, "narrow", &[Permission::Home, Permission::Conversations]).await;
        let narrowed = app.request(&owner, Method::PATCH, &format!("/api/v1/client-users/{}", narrow.id))
            .json(&json!({ "agent_access": "selected", "agent_ids": [front] })).send().await.unwrap();
        assert_eq!(narrowed.status(), 200);
        let narrow = app.sign_in_client(&narrow).await;
        let seen: Value = app.request(&narrow, Method::GET, "/api/v1/conversations").send().await.unwrap().json().await.unwrap();
        let ids: Vec<&str> = seen["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [front_chat.to_string()]);
        assert_eq!(app.request(&narrow, Method::GET, &format!("/api/v1/conversations/{night_chat}")).send().await.unwrap().status(), 404);
    }

    async fn a_moved_agents_past_conversations_stay_with_the_organization_it_served(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let dental = app.organization(&workspace, "Dental").await;
        let bakery = app.organization(&workspace, "Bakery").await;
        let (agent, chat) = app.conversation(&workspace, dental, "before-move", &["Hello"]).await;
        let moved = app.request(&owner, Method::PUT, &format!("/api/v1/agents/{agent}/organization"))
            .json(&json!({ "organization_id": bakery, "move": true })).send().await.unwrap();
        assert_eq!(moved.status(), 200);

        let baker = app.client_user(&workspace, bakery, "baker", &[Permission::Home, Permission::Conversations]).await;
        let baker = app.sign_in_client(&baker).await;
        assert_eq!(app.request(&baker, Method::GET, &format!("/api/v1/conversations/{chat}")).send().await.unwrap().status(), 404);
        let dentist = app.client_user(&workspace, dental, "dentist", &[Permission::Home, Permission::Conversations]).await;
        let dentist = app.sign_in_client(&dentist).await;
        assert_eq!(app.request(&dentist, Method::GET, &format!("/api/v1/conversations/{chat}")).send().await.unwrap().status(), 200);
    }
}
