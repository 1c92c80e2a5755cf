//! Every error the HTTP layer answers, as RFC 9457 `application/problem+json`.
//!
//! Handlers return a [`Problem`]; its `IntoResponse` only marks the response. The [`render`]
//! middleware then writes the body with the request id, and also turns any bare error
//! response from the framework (unknown route, wrong method, body too large, timeout, panic)
//! into a problem, so no client ever sees a non-problem error.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clientele_app::AppError;
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

/// The media type of every error body.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error answer: a stable code, an HTTP status, a title for people, and optional details.
#[derive(Clone, Debug)]
pub struct Problem {
    status: StatusCode,
    code: Cow<'static, str>,
    title: Cow<'static, str>,
    detail: Option<String>,
    errors: Vec<FieldError>,
    /// Seconds until a throttled caller may try again (the `Retry-After` header).
    retry_after: Option<u64>,
}

/// One invalid input, named by its field (a JSON pointer-like path such as `name`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The problem document as clients receive it.
#[derive(Serialize, ToSchema)]
pub struct ProblemResponse {
    /// A URI reference identifying the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The stable, machine-readable code, e.g. `not_found`.
    pub code: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The id of the request, also sent as the `x-request-id` header; quote it to support.
    pub request_id: String,
}

impl Problem {
    /// The HTTP status this problem answers with.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem's short title.
    pub(crate) fn title(&self) -> &str {
        &self.title
    }

    /// The invalid fields, each with what is wrong.
    pub(crate) fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The problem's explanation, if it has one.
    pub(crate) fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    fn new(status: StatusCode, code: &'static str, title: &'static str) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            title: Cow::Borrowed(title),
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found")
            .with_detail("No resource exists at this address.")
    }

    pub fn database_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Database unavailable",
        )
        .with_detail("The database did not answer. Try again shortly.")
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "Request timed out",
        )
        .with_detail(
            "The request took too long and was abandoned; it may or may not have taken effect.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
        .with_detail("Something went wrong on our side. Quote the request id when reporting it.")
    }

    /// 403: signed in, but this is not yours to do.
    pub fn forbidden(reason: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").with_detail(reason)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign-in required",
        )
        .with_detail("Send a session cookie or an `Authorization: Bearer` API key.")
    }

    pub fn second_factor_required() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "second_factor_required",
            "Second factor required",
        )
        .with_detail(
            "Your workspace or organization requires two-factor sign-in: set up an authenticator app first (POST /api/v1/me/two-factor).",
        )
    }

    pub fn csrf_failed() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf_failed", "CSRF token missing or wrong").with_detail(
            "Requests that change something with a session cookie must send the session's CSRF token in `x-csrf-token`.",
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_detail("Send the body as `application/json`.")
    }

    pub fn malformed_json(detail: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", "Malformed JSON").with_detail(detail)
    }

    /// One invalid field of the body.
    pub fn invalid_field(field: &str, message: String) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_owned(),
            message,
        }])
    }

    /// A body larger than the operation accepts, naming what it carried.
    pub fn too_large(field: &str, message: &str) -> Self {
        let mut problem = Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
        )
        .with_detail("Nothing was stored.");
        problem.errors = vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }];
        problem
    }

    pub fn invalid_query(detail: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "Invalid query parameters",
        )
        .with_detail(detail)
    }

    fn validation(errors: Vec<FieldError>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Invalid input",
        )
        .with_detail("Some fields are invalid; see `errors`. Nothing was changed.");
        problem.errors = errors;
        problem
    }

    /// The problem for an error status produced outside our handlers.
    pub fn from_status(status: StatusCode) -> Self {
        Self::for_status(status)
    }

    /// The problem for an error status produced outside our handlers.
    fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, "method_not_allowed", "Method not allowed")
                    .with_detail("This address does not accept this method; see the Allow header.")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(status, "payload_too_large", "Payload too large").with_detail(format!(
                    "The request body exceeds the limit of {} bytes.",
                    crate::request::MAX_BODY_BYTES
                ))
            }
            StatusCode::INTERNAL_SERVER_ERROR => Self::internal(),
            other => Self {
                status: other,
                code: Cow::Owned(snake_case(other.canonical_reason().unwrap_or("error"))),
                title: Cow::Borrowed(other.canonical_reason().unwrap_or("Error")),
                detail: None,
                errors: Vec::new(),
                retry_after: None,
            },
        }
    }

    fn into_body(self, request_id: String) -> ProblemResponse {
        ProblemResponse {
            kind: format!("/problems/{}", self.code),
            code: self.code.into_owned(),
            title: self.title.into_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
            request_id,
        }
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(errors) => Self::validation(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: e.field,
                        message: e.message,
                    })
                    .collect(),
            ),
            AppError::Conflict { field, message } => {
                let mut problem = Self::new(StatusCode::CONFLICT, "conflict", "Conflict")
                    .with_detail("The request collides with something that already exists. Nothing was changed.");
                problem.errors = vec![FieldError {
                    field: field.to_owned(),
                    message: message.to_owned(),
                }];
                problem
            }
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden(reason) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").with_detail(reason)
            }
            AppError::Unauthenticated => Self::unauthenticated(),
            AppError::ChangedMeanwhile => Self::new(
                StatusCode::CONFLICT,
                "changed_meanwhile",
                "Changed meanwhile",
            )
            .with_detail(
                "Something this change relies on was changed or removed at the same moment. \
                 Nothing was changed; read it again and retry.",
            ),
            AppError::PreconditionFailed => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "stale_document",
                "The document changed",
            )
            .with_detail(
                "Someone changed it since you read it (If-Match no longer matches its ETag). \
                 Read it again and reapply your change. Nothing was changed.",
            ),
            AppError::BadCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "Sign-in failed",
            )
            .with_detail("The email or password is incorrect."),
            AppError::Throttled {
                retry_after_seconds,
            } => {
                let mut problem = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "Too many attempts",
                )
                .with_detail("Too many attempts. Wait before trying again; see Retry-After.");
                problem.retry_after = Some(retry_after_seconds);
                problem
            }
            AppError::LinkUnusable(reason) => Self::new(
                StatusCode::GONE,
                "link_unusable",
                "This link cannot be used",
            )
            .with_detail(reason),
            AppError::Upstream(answer) => Self::new(
                StatusCode::BAD_GATEWAY,
                "smtp_failed",
                "The mail server did not accept the message",
            )
            .with_detail(answer),
            AppError::Unavailable(error) => {
                tracing::warn!(error = %error_chain(&error), "database unavailable");
                Self::database_unavailable()
            }
            AppError::Internal(error) => {
                tracing::error!(error = %error_chain(error.as_ref()), "internal error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware: writes every problem and every bare error response as problem+json.
pub async fn render(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(crate::request::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(request).await;
    let problem = match response.extensions().get::<Problem>() {
        Some(problem) => problem.clone(),
        None if is_bare_error(&response) => Problem::for_status(response.status()),
        None => return response,
    };
    rendered(response, problem, &request_id)
}

/// `problem` as the problem+json response of the request `request_id`, for middleware that
/// answers outside [`render`].
pub fn render_now(problem: Problem, request_id: &str) -> Response {
    let response = problem.clone().into_response();
    rendered(response, problem, request_id)
}

fn rendered(response: Response, problem: Problem, request_id: &str) -> Response {
    // Keep the original headers (Allow, Set-Cookie, Vary, ...), replace only the body.
    let (mut parts, _) = response.into_parts();
    parts.status = problem.status;
    if let Some(seconds) = problem.retry_after {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    let body = Json(problem.into_body(request_id.to_owned()))
        .into_response()
        .into_body();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if parts.status == StatusCode::PAYLOAD_TOO_LARGE {
        // The unread rest of the body is still on the connection: the client must not reuse it.
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Response::from_parts(parts, body)
}

/// An error response nobody wrote a body for: the framework's own (no content type, or plain
/// text). Problems and pages rendered on purpose (HTML forms with errors) pass through.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes());
    let bare = content_type.is_none_or(|ct| ct.starts_with(b"text/plain"));
    (status.is_client_error() || status.is_server_error()) && bare
}

/// An error and all its causes on one line, for logs.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn snake_case(reason: &str) -> String {
    reason
        .chars()
        .filter_map(|c| match c {
            ' ' | '-' => Some('_'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_without_a_dedicated_problem_get_a_readable_code() {
        let problem = Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(problem.code, "unsupported_media_type");
        assert_eq!(problem.title, "Unsupported Media Type");
    }
}
