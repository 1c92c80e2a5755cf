//! The agency's clients: organizations, agents, client users and teams.

pub mod agents;
pub mod client_users;
pub mod organizations;
pub mod teams;
