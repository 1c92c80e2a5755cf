//! Uploaded images: sent as raw bytes, served by the hash of their content.

use crate::extract::{ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clientele_domain::image::MAX_IMAGE_BYTES;
use serde::Serialize;
use utoipa::ToSchema;

/// A stored image and where it is served.
#[derive(Serialize, ToSchema)]
pub struct ImageResponse {
    /// The SHA-256 of the bytes (hex): use it as `logo_image_id` or `avatar_image_id`.
    pub id: String,
    /// Where anyone can fetch the image; it never changes.
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

/// The public address of a stored image.
pub(crate) fn url_of(id: &str) -> String {
    format!("/images/{id}")
}

/// Uploads a PNG, JPEG or WebP image of at most 1 MiB and 4096 pixels a side, sent as the raw
/// request body (agency accounts and organization admins).
#[utoipa::path(post, path = "/api/v1/images", tag = "images", operation_id = "uploadImage",
    security(("session" = []), ("api_key" = [])),
    request_body(content = Vec<u8>, description = "The image file's bytes", content_type = "image/png"),
    responses((status = 201, body = ImageResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MiB", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "Not a PNG, JPEG or WebP image, or too large in pixels", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImageResponse>), Problem> {
    let bytes: Bytes = axum::body::to_bytes(body, MAX_IMAGE_BYTES)
        .await
        .map_err(|_| Problem::too_large("file", "must be at most 1 MiB"))?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let image = state
        .app
        .upload_image(&caller.actor, &bytes, declared.as_deref(), &origin)
        .await?;
    let response = ImageResponse {
        url: url_of(&image.id),
        id: image.id,
        content_type: image.facts.format.as_str().to_owned(),
        width: image.facts.width,
        height: image.facts.height,
        bytes: image.bytes,
    };
    Ok((StatusCode::CREATED, Json(response)))
}

/// Serves a stored image to anyone who knows its id. The content never changes under an id,
/// so browsers and proxies may keep it for a year.
#[utoipa::path(get, path = "/images/{id}", tag = "images", operation_id = "getImage",
    params(("id" = String, Path, description = "The image's id (SHA-256 of its bytes, hex)")),
    responses((status = 200, description = "The image (PNG, JPEG or WebP)", body = Vec<u8>, content_type = "image/*"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let image = state.app.image(&id).await?;
    let content_type = HeaderValue::from_str(&image.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let etag = HeaderValue::from_str(&format!("\"{id}\"")).ok();
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        image.bytes,
    )
        .into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}
