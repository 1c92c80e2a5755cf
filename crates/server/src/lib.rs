//! Clientele's HTTP server: the JSON API, its OpenAPI document, and the web pages (the agency
//! console, the client dashboard, and the pages behind emailed links). It speaks only to
//! `clientele_app`; no store type reaches it.
//!
//! Handlers only extract, call a use case and map the result; errors leave as problem+json
//! through `problem`; the router owns the middleware every request passes through.

pub mod api;
pub mod extract;
mod idempotency;
pub mod openapi;
pub mod problem;
mod proxies;
mod request;
pub mod router;
pub mod security;
mod serve;
mod state;
pub mod web;

pub use proxies::TrustedProxies;
pub use router::{app, openapi};
pub use serve::serve;
pub use state::AppState;
