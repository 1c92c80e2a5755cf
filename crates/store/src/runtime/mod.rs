//! What connects an agent to the agent runtime that runs it: its runtime keys, the ids of the
//! events it delivered, and the usage it reported.

pub mod events;
pub mod keys;
pub mod usage;
