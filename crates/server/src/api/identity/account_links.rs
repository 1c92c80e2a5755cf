//! What the routes that redeem single-use links share: the token they carry and the session a
//! link signs in. Links are built from the configured URLs, never from the request.

use crate::api::identity::sessions::created_session;
use crate::api::identity::two_factor::second_factor_needed;
use crate::api::rfc3339;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use clientele_app::identity::account_links::Accepted;
use clientele_app::identity::auth::SignInStep;
use clientele_domain::SessionAccount;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// The token from the link.
    pub token: String,
}

/// The account a link signed in.
#[derive(Serialize, ToSchema)]
pub struct LinkSignInResponse {
    /// `member` (the agency console) or `client_user` (the client dashboard).
    pub account_kind: String,
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    /// Send this in `x-csrf-token` with every request that changes something.
    pub csrf_token: String,
    pub expires_at: String,
}

pub(crate) fn signed_in(headers: &HeaderMap, accepted: Accepted) -> Response {
    let signed_in = match accepted.signed_in {
        SignInStep::SignedIn(signed_in) => signed_in,
        SignInStep::SecondFactor(challenge) => return second_factor_needed(challenge),
    };
    let (kind, id) = match signed_in.account {
        SessionAccount::Member(id) => ("member", id.as_uuid()),
        SessionAccount::ClientUser(id) => ("client_user", id.as_uuid()),
    };
    let body = LinkSignInResponse {
        account_kind: kind.to_owned(),
        account_id: id,
        workspace_id: accepted.workspace_id.as_uuid(),
        csrf_token: signed_in.csrf_token.clone(),
        expires_at: rfc3339(signed_in.expires_at),
    };
    created_session(&signed_in.token, headers, body, signed_in.expires_at).into_response()
}
