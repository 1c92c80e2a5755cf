//! Accounts and how they sign in: sign-in and sessions, passwords, second factors, API keys,
//! the workspace's members, and the single-use account links behind invitations, password
//! resets and "Log in as" previews.

pub mod account_links;
pub(crate) mod account_mail;
pub mod api_keys;
pub mod auth;
pub mod invitations;
pub mod members;
pub(crate) mod notices;
pub mod password_resets;
pub mod passwords;
pub mod previews;
pub mod tokens;
pub mod two_factor;
