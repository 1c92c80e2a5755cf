//! Extractors: who is calling (from a session cookie or an API key), where from, and request
//! parts parsed so that every rejection is a problem document naming what was wrong.

use crate::problem::Problem;
use crate::security::{ClientAddress, is_https};
use crate::state::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use clientele_app::RequestContext;
use clientele_app::identity::auth::Authenticated;
use clientele_app::identity::tokens::Token;
use clientele_app::runtime::RuntimeAgent;
use serde::de::DeserializeOwned;

/// The session cookie's name over plain HTTP (a deployment on this machine or a private network).
pub const SESSION_COOKIE: &str = "sid";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes browsers keep it only when
/// it is `Secure`, for this host alone and the whole path, so no other host or plain-HTTP page
/// can plant or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-sid";
/// The header that carries the CSRF token on cookie-authenticated unsafe requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
const MAX_USER_AGENT_CHARS: usize = 256;

/// The authenticated caller. A bearer API key wins over a cookie; a cookie-authenticated
/// request that could change something must carry the session's CSRF token.
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(bearer) = bearer_token(parts) {
            return Ok(Self(
                state
                    .app
                    .authenticate_api_key(&Token::from_client(bearer))
                    .await?,
            ));
        }
        let Some(cookie) = session_cookie(parts) else {
            return Err(Problem::unauthenticated());
        };
        let token = Token::from_client(cookie);
        let authenticated = state.app.authenticate_session(&token).await?;
        if authenticated.needs_second_factor && !reachable_without_second_factor(parts) {
            return Err(Problem::second_factor_required());
        }
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), token.csrf_token().as_bytes()) {
                return Err(Problem::csrf_failed());
            }
        }
        Ok(Self(authenticated))
    }
}

/// The agent runtime calling `/runtime/v1`, authenticated by one agent's runtime key as a
/// bearer token. Nothing else is accepted here, and a runtime key is accepted nowhere else.
pub struct RuntimeCaller(pub RuntimeAgent);

impl FromRequestParts<AppState> for RuntimeCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let bearer = bearer_token(parts).ok_or_else(Problem::unauthenticated)?;
        let token = Token::from_client(bearer);
        Ok(Self(state.app.authenticate_runtime_key(&token).await?))
    }
}

/// What a session that must still set up its second factor may do: set it up, read who it
/// is, and sign out.
fn reachable_without_second_factor(parts: &Parts) -> bool {
    let path = parts.uri.path();
    path == "/api/v1/me"
        || path.starts_with("/api/v1/me/two-factor")
        || (parts.method == Method::DELETE && path == "/api/v1/sessions/current")
}

/// The caller's address and user agent, for the activity log.
pub struct Origin(pub RequestContext);

impl FromRequestParts<AppState> for Origin {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        let ip = parts
            .extensions
            .get::<ClientAddress>()
            .map(|ClientAddress(address)| address.to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        Ok(Self(RequestContext { ip, user_agent }))
    }
}

/// A JSON body; malformed JSON is 400, a wrong type, missing or unknown field is 422 naming it.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(Problem::unsupported_media_type());
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Problem::from_status(rejection.status()))?;
        // Parsing the whole document first refuses trailing garbage (`{"name":"x"} xx`) and
        // finds a NUL character, which no text field may hold, before any field is read.
        let document: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|error| Problem::malformed_json(error.to_string()))?;
        if let Some(field) = nul_in(&document) {
            return Err(Problem::invalid_field(&field, NUL_MESSAGE.to_owned()));
        }
        match serde_path_to_error::deserialize(document) {
            Ok(value) => Ok(Self(value)),
            Err(error) => {
                let field = error.path().to_string();
                let field = if field == "." { String::new() } else { field };
                Err(Problem::invalid_field(
                    &field,
                    strip_position(&error.into_inner().to_string()),
                ))
            }
        }
    }
}

const NUL_MESSAGE: &str = "must not contain the NUL character";

/// The path of the first string (or key) in `value` holding a NUL character, as `a.b[2]`.
fn nul_in(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then(String::new),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item).map(|inner| format!("[{i}]{}", dotted(&inner)))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(String::new());
            }
            nul_in(item).map(|inner| format!("{key}{}", dotted(&inner)))
        }),
        _ => None,
    }
}

fn dotted(inner: &str) -> String {
    if inner.is_empty() || inner.starts_with('[') {
        inner.to_owned()
    } else {
        format!(".{inner}")
    }
}

/// Refuses a query string holding a NUL character (`?action=%00`), naming its parameter, on
/// every route: no text the product stores or searches may hold one.
pub async fn refuse_nul_in_query(request: Request, next: axum::middleware::Next) -> Response {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(request.uri());
    if let Ok(axum::extract::Query(pairs)) = pairs
        && let Some((name, _)) = pairs
            .iter()
            .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        let field = if name.contains('\0') { "query" } else { name };
        return Problem::invalid_field(field, NUL_MESSAGE.to_owned()).into_response();
    }
    next.run(request).await
}

/// Path parameters; a malformed id names nothing that can exist, so it is 404.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_: PathRejection| Problem::not_found())
    }
}

/// Query parameters; an invalid one is 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| Problem::invalid_query(rejection.body_text()))
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn session_cookie(parts: &Parts) -> Option<&str> {
    cookie_token(&parts.headers)
}

/// The session token in a request's cookies, if any. Over HTTPS only the `__Host-` cookie
/// counts: a plain `sid` there could have been planted by a page on plain HTTP.
pub(crate) fn cookie_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let name = session_cookie_name(is_https(headers));
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The session cookie's name for a request over HTTPS or not.
pub(crate) fn session_cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// serde_json appends " at line 1 column 17"; the field name already says where.
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}
