use crate::process::clientele;
use clientele_store::{DatabaseUrl, Db, PoolSettings, workspace};
use clientele_testkit::{Backend, TestDb, on_both_backends};

on_both_backends! {
    async fn migrate_brings_an_empty_database_up_to_date_and_exits(backend: Backend) {
        let database = TestDb::unmigrated(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(database.url()).unwrap();
        let unmigrated = Db::connect(&url, &PoolSettings::default()).await.unwrap();
        assert!(workspace::list(&unmigrated, None, 1).await.is_err(), "the database starts empty");

        for _ in 0..2 {
            let output = clientele(dir.path()).args(["migrate", "--database-url", database.url()]).output().await.unwrap();
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));
        }
        assert!(workspace::list(&unmigrated, None, 1).await.unwrap().is_empty());
        unmigrated.close().await;
    }
}
