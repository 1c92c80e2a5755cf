//! The stylesheet and script, embedded in the binary (no CDN: the product works offline).
//! Pages link them with a content hash, so browsers may cache them for good.

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::LazyLock;

pub const CSS: &str = include_str!("../../assets/app.css");
pub const JS: &str = include_str!("../../assets/app.js");

static VERSION: LazyLock<String> = LazyLock::new(|| {
    // FNV-1a over both files: changes whenever either does.
    let hash = CSS
        .bytes()
        .chain(JS.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
});

/// The assets' current version, for their URLs.
pub fn version() -> &'static str {
    VERSION.as_str()
}

#[derive(Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

/// `/assets/app.css`
pub async fn stylesheet(Query(query): Query<VersionQuery>) -> Response {
    asset("text/css; charset=utf-8", CSS, &query)
}

/// `/assets/app.js`
pub async fn script(Query(query): Query<VersionQuery>) -> Response {
    asset("text/javascript; charset=utf-8", JS, &query)
}

fn asset(content_type: &'static str, body: &'static str, query: &VersionQuery) -> Response {
    let cache = if query.v.as_deref() == Some(version()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}
