//! Rebuilds the crate when a migration is added, so `sqlx::migrate!` embeds every file.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
