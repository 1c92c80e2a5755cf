//! What every handler can reach: passed in, never global.

use clientele_app::App;

/// The shared state of the application, cloned into every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
}
