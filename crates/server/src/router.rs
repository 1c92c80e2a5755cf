//! The application: every route, wrapped in the middleware every request passes through.

use crate::api::clients::{agents, client_users, organizations, teams};
use crate::api::conversations;
use crate::api::health;
use crate::api::identity::{
    api_keys, invitations, me, members, password_resets, previews, sessions, two_factor,
};
use crate::api::mail::{self, outbox};
use crate::api::runtime;
use crate::api::workspace::{activity, brand, images};
use crate::extract;
use crate::idempotency;
use crate::openapi::{ApiDoc, DOCUMENT_PATH, REFERENCE_PATH, document_idempotency};
use crate::problem::{self, Problem};
use crate::request::{MAX_BODY_BYTES, REQUEST_ID};
use crate::security::{self, Transport};
use crate::state::AppState;
use crate::web;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

/// A request still running after this long is answered 503 and abandoned. (Not 408: that
/// blames the client and invites automatic retries of requests that may have taken effect.)
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A client-supplied request id longer than this is replaced.
const MAX_REQUEST_ID_CHARS: usize = 128;

/// The OpenAPI document of every API route, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = api_routes().split_for_parts().1;
    document_idempotency(&mut document);
    document
}

/// The whole application for the given state.
pub fn app(state: AppState) -> Router {
    let replay_state = state.clone();
    let transport = Transport {
        proxies: state.trusted_proxies.clone(),
        public_https: state.app.config.public_url.as_str().starts_with("https://"),
    };
    let (api, mut document) = api_routes().split_for_parts();
    document_idempotency(&mut document);
    let routes = web::routes()
        .merge(api)
        .merge(
            SwaggerUi::new(REFERENCE_PATH)
                .url(DOCUMENT_PATH, document)
                // The default validator is a third-party site the browser would send our URL to.
                .config(utoipa_swagger_ui::Config::new([DOCUMENT_PATH]).validator_url("none")),
        )
        .with_state(state);
    with_middleware(routes, transport, replay_state)
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(sessions::sign_in))
        .routes(routes!(sessions::sign_out))
        .routes(routes!(sessions::sign_in_client_user))
        .routes(routes!(me::me))
        .routes(routes!(two_factor::status, two_factor::begin))
        .routes(routes!(two_factor::confirm))
        .routes(routes!(two_factor::disable))
        .routes(routes!(two_factor::regenerate))
        .routes(routes!(two_factor::reset_member))
        .routes(routes!(two_factor::reset_client_user))
        .routes(routes!(two_factor::complete))
        .routes(routes!(
            two_factor::get_workspace,
            two_factor::put_workspace
        ))
        .routes(routes!(
            two_factor::get_organization,
            two_factor::put_organization
        ))
        .routes(routes!(members::list, members::add))
        .routes(routes!(members::change_role, members::remove))
        .routes(routes!(members::transfer_ownership))
        .routes(routes!(api_keys::list, api_keys::create))
        .routes(routes!(api_keys::revoke))
        .routes(routes!(activity::list))
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(
            organizations::get,
            organizations::update,
            organizations::delete
        ))
        .routes(routes!(
            organizations::get_settings,
            organizations::update_settings
        ))
        .routes(routes!(agents::list_for_organization))
        .routes(routes!(agents::list, agents::create))
        .routes(routes!(agents::upsert))
        .routes(routes!(agents::get, agents::update, agents::delete))
        .routes(routes!(agents::assign, agents::unassign))
        .routes(routes!(
            runtime::keys::list,
            runtime::keys::issue,
            runtime::keys::revoke
        ))
        .routes(routes!(runtime::webhooks::get, runtime::webhooks::set))
        .routes(routes!(runtime::webhooks::rotate_secret))
        .routes(routes!(runtime::webhooks::test))
        .routes(routes!(runtime::webhooks::events))
        .routes(routes!(runtime::webhooks::replay))
        .routes(routes!(runtime::configuration::get))
        .routes(routes!(runtime::events::report))
        .routes(routes!(runtime::webhooks::pull))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::get))
        .routes(routes!(conversations::export))
        .routes(routes!(
            conversations::retention::get,
            conversations::retention::put
        ))
        .routes(routes!(conversations::retention::erase))
        .routes(routes!(images::upload))
        .routes(routes!(images::get))
        .routes(routes!(client_users::list, client_users::create))
        .routes(routes!(client_users::import))
        .routes(routes!(client_users::access_report))
        .routes(routes!(client_users::search))
        .routes(routes!(
            client_users::get,
            client_users::update,
            client_users::delete
        ))
        .routes(routes!(client_users::disable))
        .routes(routes!(client_users::enable))
        .routes(routes!(client_users::teams))
        .routes(routes!(client_users::presets))
        .routes(routes!(teams::list, teams::create))
        .routes(routes!(teams::get, teams::update, teams::delete))
        .routes(routes!(teams::put_member, teams::remove_member))
        .routes(routes!(brand::get_brand, brand::put_brand))
        .routes(routes!(brand::verify_domain))
        .routes(routes!(
            mail::settings::get_email_settings,
            mail::settings::put_email_settings
        ))
        .routes(routes!(mail::settings::send_test_email))
        .routes(routes!(mail::templates::list_templates))
        .routes(routes!(
            mail::templates::get_template,
            mail::templates::put_template,
            mail::templates::reset_template
        ))
        .routes(routes!(mail::templates::preview_template))
        .routes(routes!(outbox::list))
        .routes(routes!(outbox::get))
        .routes(routes!(invitations::invite_client_user))
        .routes(routes!(
            invitations::list_member_invitations,
            invitations::invite_member
        ))
        .routes(routes!(invitations::revoke_member_invitation))
        .routes(routes!(invitations::get_invitation))
        .routes(routes!(invitations::accept_invitation))
        .routes(routes!(password_resets::request_reset))
        .routes(routes!(password_resets::request_client_reset))
        .routes(routes!(password_resets::get_reset))
        .routes(routes!(password_resets::complete_reset))
        .routes(routes!(previews::preview))
}

fn with_middleware(routes: Router, transport: Transport, state: AppState) -> Router {
    let layers = ServiceBuilder::new()
        .map_request(drop_unusable_request_id)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn_with_state(
            transport,
            security::guard,
        ))
        // Pages and JSON shrink about tenfold for browsers that accept gzip.
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state,
            idempotency::replay,
        ))
        .layer(axum::middleware::from_fn(problem::render))
        .layer(axum::middleware::from_fn(extract::refuse_nul_in_query))
        .layer(axum::middleware::from_fn(answer_timeout))
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::disable());
    routes.layer(layers)
}

/// One span per request, carrying its id so every log line of the request can be found.
fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
}

/// Keeps a caller's request id for correlation only when it is short and plain, so it cannot
/// forge log fields; otherwise a fresh one is assigned.
fn drop_unusable_request_id(mut request: Request) -> Request {
    let usable = request.headers().get(REQUEST_ID).is_some_and(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_CHARS
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    });
    if !usable {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// Logs what panicked (the client learns only that something failed, and the request id).
fn answer_panic(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "a request handler panicked");
    Problem::internal().into_response()
}

async fn answer_timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                seconds = REQUEST_TIMEOUT.as_secs(),
                "request abandoned after timeout"
            );
            Problem::timeout().into_response()
        }
    }
}
