//! What connects an agent to the agent runtime that runs it: its runtime keys.

pub mod keys;
