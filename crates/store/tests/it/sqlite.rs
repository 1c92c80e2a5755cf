//! What SQLite needs to be safe under concurrent use, checked on the file itself.

use clientele_testkit::{Backend, TestDb};
use sqlx::{Connection, SqliteConnection};

#[tokio::test]
async fn the_database_file_is_created_in_wal_mode() {
    let test_db = TestDb::new(Backend::Sqlite).await;
    let db = test_db.connect().await;
    let path = test_db.sqlite_path().unwrap();
    assert!(path.exists());
    let mut inspector = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut inspector)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    db.close().await;
}
