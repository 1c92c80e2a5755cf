//! What every handler can reach: passed in, never global.

use clientele_store::Db;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
}
