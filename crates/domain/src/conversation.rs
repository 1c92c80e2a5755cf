//! Conversations between a contact and an agent, and the people of the organization who take
//! them over.

use crate::named::named_enum;

named_enum! {
    /// Who is answering a conversation now.
    pub enum ConversationStatus {
        /// The agent answers.
        Ai => "ai",
        /// The agent asked for a person; nobody has taken it yet.
        Waiting => "waiting",
        /// A person of the organization answers.
        Human => "human",
        Closed => "closed",
    }
}

named_enum! {
    /// Who wrote a message.
    pub enum MessageRole {
        /// The person talking to the agent.
        Contact => "contact",
        Agent => "agent",
        /// A person of the organization who took the conversation over.
        Human => "human",
        System => "system",
    }
}
