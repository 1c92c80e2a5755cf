//! Accounts and how they sign in: sessions, the signed-in account, second factors, members,
//! API keys, and the single-use links of invitations, password resets and previews.

pub mod account_links;
pub mod api_keys;
pub mod invitations;
pub mod me;
pub mod members;
pub mod password_resets;
pub mod previews;
pub mod sessions;
pub mod two_factor;
