//! The agency's clients: organizations, the agents assigned to them, their users and teams.

pub mod agents;
pub mod client_users;
pub mod organizations;
pub mod teams;
