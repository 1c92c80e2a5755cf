//! `Idempotency-Key` on POST requests: a retry of a create (after a timeout or a dropped
//! connection) gets the first answer, marked `Idempotent-Replayed: true`, instead of creating
//! twice. Keys belong to the credential that sent them; requests without credentials or
//! without the header pass straight through.

use crate::extract::cookie_token;
use crate::problem::{self, Problem};
use crate::router::{MAX_BODY_BYTES, REQUEST_ID};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clientele_app::App;
use clientele_app::idempotency::{Answer, Begun, IdempotentRequest};

/// The request header that names a request, as the IETF draft spells it.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that was stored, not made now.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub async fn replay(State(app): State<App>, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(request).await;
    };
    let Some(credential) = credential(request.headers()) else {
        return next.run(request).await;
    };
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let key = key.to_str().unwrap_or_default().to_owned();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return problem::render_now(
            Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE),
            &request_id,
        );
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_default();
    let begun = IdempotentRequest::new(&credential, &key, parts.method.as_str(), path, &bytes)
        .map(|idempotent| (idempotent, app.clone()));
    let (idempotent, app) = match begun {
        Ok(begun) => begun,
        Err(error) => return problem::render_now(error.into(), &request_id),
    };
    match app.begin_idempotent(&idempotent).await {
        Err(error) => problem::render_now(error.into(), &request_id),
        Ok(Begun::Replay(answer)) => replayed(answer),
        Ok(Begun::First) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (parts, body) = response.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
            // Our own failures and refused credentials are not answers worth repeating, and an
            // answer that sets a cookie (a new session) cannot be repeated without its secret.
            let worth_keeping = !parts.status.is_server_error()
                && parts.status != StatusCode::UNAUTHORIZED
                && !parts.headers.contains_key(header::SET_COOKIE);
            let answer = worth_keeping.then(|| Answer {
                status: parts.status.as_u16(),
                content_type: text(&parts.headers, header::CONTENT_TYPE),
                location: text(&parts.headers, header::LOCATION),
                body: body.to_vec(),
            });
            if let Err(error) = app.finish_idempotent(&idempotent, answer.as_ref()).await {
                tracing::warn!(error = %error, "the answer to an idempotent request was not kept");
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// The caller's credential: a bearer token, or else the session cookie.
fn credential(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty());
    bearer.or_else(|| cookie_token(headers)).map(str::to_owned)
}

fn text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn replayed(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    for (name, value) in [
        (header::CONTENT_TYPE, answer.content_type),
        (header::LOCATION, answer.location),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    response
}
