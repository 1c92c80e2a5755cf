//! What every handler can reach: passed in, never global.

use crate::proxies::TrustedProxies;
use clientele_app::App;
use std::sync::Arc;

/// The shared state of the application, cloned into every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    /// The token that opens the one-time setup page; `None` once a workspace existed at start.
    pub setup_token: Option<Arc<str>>,
    /// The reverse proxies whose `X-Forwarded-*` headers count.
    pub trusted_proxies: TrustedProxies,
}
