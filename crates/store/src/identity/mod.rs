//! Accounts and how they sign in: members, sessions, second factors, API keys, single-use
//! account links and sign-in throttling.

pub mod account_tokens;
pub mod api_keys;
pub mod members;
pub mod sessions;
pub mod throttle;
pub mod two_factor;
