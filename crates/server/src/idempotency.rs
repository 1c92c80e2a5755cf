//! `Idempotency-Key` on POST requests: a retry of a create (after a timeout or a dropped
//! connection) gets the first answer, marked `Idempotent-Replayed: true`, instead of creating
//! twice. Keys belong to the verified caller (the session or the API key): a request whose
//! credentials do not authenticate, or without the header, passes straight through, so a
//! signed-out session or a revoked key never receives a stored answer or writes a key.

use crate::extract::Caller;
use crate::problem::{self, Problem};
use crate::request::{MAX_BODY_BYTES, REQUEST_ID};
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::FromRequestParts;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clientele_app::idempotency::{Answer, Begun, IdempotentRequest};
use clientele_app::identity::auth::Authenticated;
use clientele_domain::Principal;

/// The request header that names a request, as the IETF draft spells it.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that was stored, not made now.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub async fn replay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = request
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .map(|key| key.to_str().unwrap_or_default().to_owned())
    else {
        return next.run(request).await;
    };
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // Authenticated exactly as the handler will be; a refusal is the handler's to give.
    let caller = Caller::from_request_parts(&mut parts, &state).await;
    let Some(scope) = caller.ok().and_then(|Caller(caller)| scope_of(&caller)) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let request = Request::from_parts(parts, body);
    let app = &state.app;
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
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
    let idempotent = match IdempotentRequest::new(&scope, &key, parts.method.as_str(), path, &bytes)
    {
        Ok(idempotent) => idempotent,
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

/// Whose keys these are: the API key, or the session, that authenticated the request.
fn scope_of(caller: &Authenticated) -> Option<String> {
    match (&caller.actor.principal, caller.session_id) {
        (Principal::ApiKey { id, .. }, _) => Some(format!("api_key:{}", id.as_uuid())),
        (_, Some(session)) => Some(format!("session:{}", session.as_uuid())),
        (_, None) => None,
    }
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
