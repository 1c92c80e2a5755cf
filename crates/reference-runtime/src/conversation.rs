//! One conversation on the chat page and the canned script that answers it: each turn becomes
//! the events Clientele records (started, the contact's message, the agent's answer or a
//! handoff request).

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The agent's first words, shown before the contact writes.
pub const GREETING: &str = "Hi! I'm the virtual assistant. Ask me about opening hours or prices, or say \"person\" to talk to someone from the team.";

/// What the contact's words ask for, by the first keyword that matches.
const SCRIPT: &[(&[&str], &str)] = &[
    (
        &["hour", "open", "close", "when"],
        "We're open Monday to Friday, 9:00 to 18:00, and Saturday mornings.",
    ),
    (
        &["price", "cost", "how much", "fee"],
        "A first appointment is 60, follow-ups are 40. Anything else I can help with?",
    ),
    (&["thank", "bye"], "You're welcome! Have a good day."),
];

const FALLBACK: &str =
    "Thanks, I've noted that. I can tell you our opening hours or prices, or bring in a person.";
const HANDING_OFF: &str = "I'm bringing in a person from the team. They'll answer here shortly.";
const PAUSED: &str = "This assistant is unavailable right now. Please try again later.";

/// Words that ask for a person.
const HANDOFF_WORDS: &[&str] = &[
    "person",
    "human",
    "someone",
    "agent",
    "representative",
    "call me",
];

#[derive(Clone, Debug, Serialize)]
pub struct ChatMessage {
    /// `contact`, `agent`, `human` or `system`.
    pub role: &'static str,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Conversation {
    pub messages: Vec<ChatMessage>,
    /// A person was asked for: the assistant stops answering.
    pub handed_off: bool,
    started: bool,
}

/// A turn's outcome: the events to report.
pub struct Turn {
    pub events: Vec<Value>,
}

impl Conversation {
    /// The contact says `text`; the script answers unless the agent is `stopped` or a person
    /// was asked for.
    pub fn contact_says(
        &mut self,
        external_id: &str,
        contact_name: &str,
        text: &str,
        stopped: Option<&str>,
    ) -> Turn {
        let mut events = Vec::new();
        let mut event = |body: Value| {
            let mut body = body;
            body["id"] = json!(uuid::Uuid::new_v4().to_string());
            body["conversation_id"] = json!(external_id);
            body["occurred_at"] = json!(now());
            events.push(body);
        };
        if !self.started {
            self.started = true;
            event(json!({ "type": "conversation.started", "channel": "web",
                "contact": { "name": contact_name } }));
            event(json!({ "type": "message", "role": "agent", "text": GREETING }));
        }
        self.messages.push(ChatMessage {
            role: "contact",
            text: text.to_owned(),
        });
        event(json!({ "type": "message", "role": "contact", "text": text }));
        if stopped.is_some() {
            self.say("system", PAUSED);
        } else if self.handed_off {
            // A person has it: the assistant stays quiet.
        } else if asks_for_a_person(text) {
            self.handed_off = true;
            self.say("agent", HANDING_OFF);
            event(json!({ "type": "message", "role": "agent", "text": HANDING_OFF }));
            event(
                json!({ "type": "handoff.requested", "reason": "the contact asked for a person" }),
            );
        } else {
            let answer = answer_to(text);
            self.say("agent", answer);
            event(json!({ "type": "message", "role": "agent", "text": answer }));
        }
        Turn { events }
    }

    fn say(&mut self, role: &'static str, text: &str) {
        self.messages.push(ChatMessage {
            role,
            text: text.to_owned(),
        });
    }
}

fn asks_for_a_person(text: &str) -> bool {
    let text = text.to_lowercase();
    HANDOFF_WORDS.iter().any(|word| text.contains(word))
}

fn answer_to(text: &str) -> &'static str {
    let text = text.to_lowercase();
    SCRIPT
        .iter()
        .find(|(words, _)| words.iter().any(|word| text.contains(word)))
        .map_or(FALLBACK, |(_, answer)| answer)
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_turn_starts_the_conversation_and_a_request_for_a_person_hands_it_off() {
        let mut conversation = Conversation::default();
        let first = conversation.contact_says("c1", "Ana", "When are you open?", None);
        let kinds: Vec<&str> = first
            .events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            kinds,
            ["conversation.started", "message", "message", "message"]
        );
        assert!(conversation.messages[1].text.contains("Monday to Friday"));

        let second = conversation.contact_says("c1", "Ana", "Can a person call me?", None);
        let kinds: Vec<&str> = second
            .events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(kinds, ["message", "message", "handoff.requested"]);
        assert!(conversation.handed_off);

        let third = conversation.contact_says("c1", "Ana", "Hello?", None);
        assert_eq!(
            third.events.len(),
            1,
            "only the contact's words: a person has it now"
        );
    }

    #[test]
    fn a_stopped_agent_does_not_answer() {
        let mut conversation = Conversation::default();
        let turn = conversation.contact_says("c1", "Ana", "Prices?", Some("no credits"));
        assert!(
            turn.events
                .iter()
                .all(|e| e["role"] != "agent" || e["text"] == GREETING)
        );
        assert_eq!(conversation.messages.last().map(|m| m.role), Some("system"));
    }
}
