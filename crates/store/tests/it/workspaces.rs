use clientele_domain::{Timestamp, WorkspaceId, WorkspaceName, WorkspaceSlug};
use clientele_store::workspace::{self, NewWorkspace, SLUG_CONSTRAINT};
use clientele_store::{Db, StoreError};
use clientele_testkit::{Backend, TestDb, on_both_backends};

async fn create(db: &Db, slug: &str, name: &str) -> Result<WorkspaceId, StoreError> {
    let id = WorkspaceId::new();
    let (slug, name) = (
        WorkspaceSlug::parse(slug).unwrap(),
        WorkspaceName::parse(name).unwrap(),
    );
    let mut tx = db.begin().await?;
    let new = NewWorkspace {
        id,
        slug: &slug,
        name: &name,
        created_at: Timestamp::now(),
    };
    workspace::insert(&mut tx, &new).await?;
    tx.commit().await?;
    Ok(id)
}

fn slug(raw: &str) -> WorkspaceSlug {
    WorkspaceSlug::parse(raw).unwrap()
}

on_both_backends! {
    async fn a_stored_workspace_reads_back_identically(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db_handle = test_db.connect().await;
        let id = WorkspaceId::new();
        let created_at = Timestamp::now();
        let (slug_value, name) = (slug("acme"), WorkspaceName::parse("Acme Agency — Zürich").unwrap());
        let mut tx = db_handle.begin().await.unwrap();
        workspace::insert(&mut tx, &NewWorkspace { id, slug: &slug_value, name: &name, created_at }).await.unwrap();
        tx.commit().await.unwrap();

        let row = workspace::find_by_slug(&db_handle, &slug_value).await.unwrap().unwrap();
        assert_eq!(row.id, id);
        assert_eq!(row.slug, "acme");
        assert_eq!(row.name, "Acme Agency — Zürich");
        assert_eq!(row.created_at, created_at);
        assert!(workspace::find_by_slug(&db_handle, &slug("other")).await.unwrap().is_none());
    }

    async fn a_taken_slug_is_a_conflict_named_the_same_on_both_backends(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        create(&db, "acme", "Acme").await.unwrap();
        match create(&db, "ACME", "Another Acme").await {
            Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, SLUG_CONSTRAINT),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(workspace::list(&db, None, 10).await.unwrap().len(), 1);
    }

    async fn an_uncommitted_transaction_leaves_nothing_behind(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let id = create(&db, "acme", "Acme").await.unwrap();
        {
            let mut tx = db.begin().await.unwrap();
            let renamed = WorkspaceName::parse("Renamed").unwrap();
            assert!(workspace::rename(&mut tx, id, &renamed).await.unwrap());
            let (s, n) = (slug("second"), WorkspaceName::parse("Second").unwrap());
            let new = NewWorkspace { id: WorkspaceId::new(), slug: &s, name: &n, created_at: Timestamp::now() };
            workspace::insert(&mut tx, &new).await.unwrap();
            // Dropped without commit, as when a use case fails half-way.
        }
        let rows = workspace::list(&db, None, 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "Acme");
    }

    async fn renaming_a_missing_workspace_reports_it(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let mut tx = db.begin().await.unwrap();
        let name = WorkspaceName::parse("Ghost").unwrap();
        assert!(!workspace::rename(&mut tx, WorkspaceId::new(), &name).await.unwrap());
    }

    async fn listing_pages_through_workspaces_in_creation_order(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let mut created = Vec::new();
        for i in 0..7 {
            created.push(create(&db, &format!("agency-{i}"), &format!("Agency {i}")).await.unwrap());
        }
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = workspace::list(&db, cursor, 3).await.unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 3);
            cursor = page.last().map(|row| row.id);
            seen.extend(page.into_iter().map(|row| row.id));
        }
        assert_eq!(seen, created);
    }

    async fn concurrent_write_transactions_all_commit(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let tasks: Vec<_> = (0..25)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move { create(&db, &format!("agency-{i}"), "Agency").await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().expect("no write fails under contention");
        }
        assert_eq!(workspace::list(&db, None, 100).await.unwrap().len(), 25);
    }

    async fn migrating_again_changes_nothing(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        create(&db, "acme", "Acme").await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(workspace::list(&db, None, 10).await.unwrap().len(), 1);
    }
}
