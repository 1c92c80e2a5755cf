//! What every request is held to, shared by the router that enforces it and the parts that read
//! it (problem documents, idempotent replays, uploads): its id header and the largest body.

use axum::http::HeaderName;

/// The header that carries each request's id, in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The largest request body accepted: room for a 1 MiB image plus encoding overhead.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
