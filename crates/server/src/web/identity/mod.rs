//! The pages behind emailed links: accepting an invitation, choosing a new password, and
//! opening a preview.

pub mod account_links;
pub mod invitations;
pub mod password_resets;
pub mod previews;
