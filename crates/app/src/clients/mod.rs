//! The agency's clients: organizations, the agents assigned to them, their users (with bulk
//! import and the access report), teams, and what a client user's dashboard shows.

pub mod access_report;
pub mod agents;
pub mod client_users;
pub mod dashboard;
pub mod organizations;
pub mod teams;
pub mod user_import;
