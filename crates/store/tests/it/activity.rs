//! The activity log: appended in the change's transaction, chained, and impossible to edit.

use clientele_domain::{Timestamp, WorkspaceId, WorkspaceName, WorkspaceSlug};
use clientele_store::Db;
use clientele_store::workspace::activity::{
    self, ActivityFilter, ChainKey, CheckpointCheck, NewActivity,
};
use clientele_store::workspace::{self, NewWorkspace};
use clientele_testkit::{Backend, TestDb, on_both_backends};

async fn workspace(db: &Db, slug: &str) -> WorkspaceId {
    let id = WorkspaceId::new();
    let (slug, name) = (
        WorkspaceSlug::parse(slug).unwrap(),
        WorkspaceName::parse("Agency").unwrap(),
    );
    let mut tx = db.begin().await.unwrap();
    workspace::insert(
        &mut tx,
        &NewWorkspace {
            id,
            slug: &slug,
            name: &name,
            created_at: Timestamp::now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn record(db: &Db, workspace_id: WorkspaceId, action: &str) {
    let mut tx = db.begin().await.unwrap();
    let entry = NewActivity {
        workspace_id,
        organization_id: None,
        actor_kind: "system",
        actor_id: None,
        actor_label: "clientele init",
        real_actor_id: None,
        action,
        target_kind: "workspace",
        target_id: Some(workspace_id.as_uuid()),
        target_label: "Agency",
        changes: r#"{"name":{"after":"Agency"}}"#,
        ip: Some("192.0.2.7"),
        user_agent: None,
        created_at: Timestamp::now(),
    };
    activity::append(&mut tx, &entry).await.unwrap();
    tx.commit().await.unwrap();
}

on_both_backends! {
    async fn entries_chain_per_workspace_and_the_chain_verifies(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let (a, b) = (workspace(&db, "agency-a").await, workspace(&db, "agency-b").await);
        for action in ["workspace.created", "member.added", "member.role_changed"] {
            record(&db, a, action).await;
        }
        record(&db, b, "workspace.created").await;

        let listed = activity::list(&db, a, &ActivityFilter::default(), None, 10).await.unwrap();
        assert_eq!(listed.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2, 1]);
        assert_eq!(listed[0].prev_hash.as_deref(), Some(listed[1].hash.as_slice()));
        assert!(listed[2].prev_hash.is_none());
        let filter = ActivityFilter { action: Some("member.added".into()), ..ActivityFilter::default() };
        assert_eq!(activity::list(&db, a, &filter, None, 10).await.unwrap().len(), 1);
        assert_eq!(activity::list(&db, b, &ActivityFilter::default(), None, 10).await.unwrap().len(), 1);

        let report = activity::verify(&db).await.unwrap();
        assert_eq!((report.workspaces, report.entries), (2, 4));
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    }

    async fn the_database_refuses_to_edit_or_delete_an_entry(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let ws = workspace(&db, "agency").await;
        record(&db, ws, "workspace.created").await;
        let update = test_db.execute("UPDATE activity SET action = 'nothing.happened'").await.unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = test_db.execute("DELETE FROM activity").await.unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");
    }

    async fn an_entry_altered_behind_the_databases_back_breaks_the_chain(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let ws = workspace(&db, "agency").await;
        for action in ["workspace.created", "member.added", "member.removed"] {
            record(&db, ws, action).await;
        }
        let lift_guard = match backend {
            Backend::Sqlite => "DROP TRIGGER activity_refuses_update",
            Backend::Postgres => "ALTER TABLE activity DISABLE TRIGGER activity_refuses_update_or_delete",
        };
        test_db.execute(lift_guard).await.unwrap();
        test_db.execute("UPDATE activity SET actor_label = 'someone else' WHERE seq = 2").await.unwrap();

        let report = activity::verify(&db).await.unwrap();
        assert_eq!(report.breaks.len(), 1);
        assert_eq!(report.breaks[0].seq, 2);
        assert_eq!(report.breaks[0].reason, "the entry was altered after it was written, or written with another key");
    }

    async fn a_chain_written_without_the_servers_key_does_not_verify(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let ws = workspace(&db, "agency").await;
        record(&db, ws, "workspace.created").await;
        // Whoever can write to the database but lacks the key can only chain with another.
        let forger = db.clone().with_chain_key(ChainKey::new([8; 32]));
        record(&forger, ws, "member.added").await;
        let report = activity::verify(&db).await.unwrap();
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].seq, 2);
        assert_eq!(activity::verify(&forger).await.unwrap().breaks[0].seq, 1, "nor does the forger's key verify the real entries");
    }

    async fn a_signed_checkpoint_catches_history_cut_short_and_refuses_edits(backend: Backend) {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        let ws = workspace(&db, "agency").await;
        for action in ["workspace.created", "member.added", "member.removed"] {
            record(&db, ws, action).await;
        }
        let checkpoints = activity::checkpoints(&db).await.unwrap();
        assert_eq!(checkpoints.iter().map(|c| (c.workspace_id, c.seq)).collect::<Vec<_>>(), vec![(ws, 3)]);
        let signature = activity::sign_checkpoints(&db, &checkpoints).unwrap();
        assert_eq!(activity::verify_checkpoints(&db, &checkpoints, &signature).await.unwrap(), CheckpointCheck::Breaks(vec![]));
        let mut edited = checkpoints.clone();
        edited[0].seq = 2;
        assert_eq!(activity::verify_checkpoints(&db, &edited, &signature).await.unwrap(), CheckpointCheck::BadSignature);

        // The newest entry removed and the head moved back: the chain alone still verifies.
        let lift_guard = match backend {
            Backend::Sqlite => "DROP TRIGGER activity_refuses_delete",
            Backend::Postgres => "ALTER TABLE activity DISABLE TRIGGER activity_refuses_update_or_delete",
        };
        test_db.execute(lift_guard).await.unwrap();
        test_db.execute("UPDATE workspaces SET activity_seq = 2, activity_head = (SELECT hash FROM activity WHERE seq = 2)").await.unwrap();
        test_db.execute("DELETE FROM activity WHERE seq = 3").await.unwrap();
        assert!(activity::verify(&db).await.unwrap().breaks.is_empty(), "a consistent shorter chain");
        let CheckpointCheck::Breaks(breaks) = activity::verify_checkpoints(&db, &checkpoints, &signature).await.unwrap() else {
            panic!("the signature holds");
        };
        assert_eq!(breaks.len(), 1);
        assert_eq!((breaks[0].seq, breaks[0].reason), (3, "the checkpointed entry is gone"));
    }
}
