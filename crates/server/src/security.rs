//! Headers every response carries for the browser's protection, and the request's transport
//! facts made trustworthy: `X-Forwarded-*` from a peer that is not a trusted proxy is dropped,
//! so handlers that read them (the client address, whether the client used HTTPS) cannot be
//! lied to.

use crate::proxies::TrustedProxies;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// What pages may load and who may frame them: our own scripts and styles only (inline
/// styles for brand colours), images from ourselves, no plugins, no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The request's client address, as the trusted proxies report it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

/// How the middleware decides what a request's forwarded headers are worth.
#[derive(Clone, Debug)]
pub struct Transport {
    pub proxies: TrustedProxies,
    /// The deployment's public URL is `https://`: it is served over TLS, whatever a hop says.
    pub public_https: bool,
}

const FORWARDED_HEADERS: [&str; 4] = [
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
];

/// Settles the client address and scheme before any handler runs, and sets the security
/// headers on the way out.
pub async fn guard(
    State(transport): State<Transport>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let https =
        transport.proxies.forwarded_https(peer, request.headers()) || transport.public_https;
    if let Some(peer) = peer {
        let client = transport.proxies.client_address(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    let headers = request.headers_mut();
    for name in FORWARDED_HEADERS {
        headers.remove(name);
    }
    if https {
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
    }
    let credentialed = carries_credentials(request.headers());
    let mut response = next.run(request).await;
    protect(response.headers_mut(), credentialed);
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Whether the request arrived over HTTPS (after [`guard`] has settled it).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto == "https")
}

fn carries_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || headers.contains_key(header::COOKIE)
}

fn protect(headers: &mut HeaderMap, credentialed: bool) {
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    // What a signed-in caller was shown must not outlive the session in a shared cache or
    // the back button. Responses that are the same for everyone say `public` themselves.
    if credentialed {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
}
