//! What connects an agent to the agent runtime that runs it: its runtime keys, the ids of the
//! events it delivered, the usage it reported, and the webhook events sent back to it.

pub mod endpoints;
pub mod events;
pub mod keys;
pub mod usage;
pub mod webhooks;
