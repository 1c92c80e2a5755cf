//! The runtime's web side: an index of its agents and the events Clientele sent, a one-page
//! chat per agent where a person plays the contact, and the webhook endpoint that verifies
//! each delivery's Standard Webhooks signature before applying it.

use crate::conversation::{ChatMessage, GREETING};
use crate::{Runtime, lock};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub fn router(runtime: Runtime) -> axum::Router {
    axum::Router::new()
        .route("/", get(index))
        .route("/chat/{agent}", get(chat_page))
        .route("/chat/{agent}/messages", post(say))
        .route("/chat/{agent}/conversations/{conversation}", get(read))
        .route("/webhooks/{agent}", post(webhook))
        .with_state(runtime)
}

async fn index(State(runtime): State<Runtime>) -> Html<String> {
    let agents: String = runtime
        .inner
        .agents
        .iter()
        .map(|agent| {
            let state = lock(&agent.state);
            let link = if agent.connection.secret.is_some() {
                "signed webhooks"
            } else {
                "pulling events"
            };
            let status = state
                .stopped
                .as_deref()
                .map_or_else(|| "answering".to_owned(), |why| format!("stopped: {why}"));
            format!(
                r#"<li><a href="/chat/{id}">{name}</a> <span class="muted">· {link} · {status}</span></li>"#,
                id = escape(&agent.connection.agent_id),
                name = escape(&state.name),
                status = escape(&status),
            )
        })
        .collect();
    let received: String = lock(&runtime.inner.received)
        .iter()
        .map(|event| {
            format!(
                "<li><code>{}</code> for {} <span class=\"muted\">· {}</span></li>",
                escape(&event.kind),
                escape(&event.agent),
                escape(&event.how)
            )
        })
        .collect();
    let received = if received.is_empty() {
        "<li class=\"muted\">Nothing yet.</li>".to_owned()
    } else {
        received
    };
    Html(page(
        "Reference runtime",
        &format!(
            "<main class=\"panel\"><h1>Reference runtime</h1><h2>Agents</h2><ul>{agents}</ul>\
             <h2>Events from Clientele</h2><ul id=\"received\">{received}</ul></main>"
        ),
    ))
}

async fn chat_page(State(runtime): State<Runtime>, Path(agent): Path<String>) -> Response {
    let Some(agent) = runtime.agent(&agent) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let name = lock(&agent.state).name.clone();
    let body = CHAT
        .replace("{agent_id}", &escape(&agent.connection.agent_id))
        .replace("{agent_name}", &escape(&name))
        .replace("{greeting}", &escape(GREETING));
    Html(page(&name, &body)).into_response()
}

#[derive(Deserialize)]
struct Said {
    conversation_id: String,
    name: String,
    text: String,
}

#[derive(Serialize)]
struct Transcript {
    messages: Vec<ChatMessage>,
    handed_off: bool,
    /// Why the agent does not answer now, if it does not.
    stopped: Option<String>,
    /// Why Clientele did not take the last turn, if it did not.
    error: Option<String>,
}

/// The contact writes: the turn is answered here and reported to Clientele.
async fn say(
    State(runtime): State<Runtime>,
    Path(agent): Path<String>,
    Json(said): Json<Said>,
) -> Response {
    let Some(agent) = runtime.agent(&agent) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let text = said.text.trim();
    if text.is_empty() || said.conversation_id.len() > 100 {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let name = Some(said.name.trim())
        .filter(|n| !n.is_empty())
        .unwrap_or("Website visitor");
    let stopped = lock(&agent.state).stopped.clone();
    let turn = lock(&agent.conversations)
        .entry(said.conversation_id.clone())
        .or_default()
        .contact_says(&said.conversation_id, name, text, stopped.as_deref());
    let error = agent
        .api
        .report(turn.events)
        .await
        .err()
        .map(|e| e.to_string());
    let mut transcript = transcript(agent, &said.conversation_id);
    transcript.error = error;
    Json(transcript).into_response()
}

async fn read(
    State(runtime): State<Runtime>,
    Path((agent, conversation)): Path<(String, String)>,
) -> Response {
    match runtime.agent(&agent) {
        Some(agent) => Json(transcript(agent, &conversation)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn transcript(agent: &crate::Agent, conversation: &str) -> Transcript {
    let conversations = lock(&agent.conversations);
    let found = conversations.get(conversation);
    Transcript {
        messages: found.map(|c| c.messages.clone()).unwrap_or_default(),
        handed_off: found.is_some_and(|c| c.handed_off),
        stopped: lock(&agent.state).stopped.clone(),
        error: None,
    }
}

/// A webhook from Clientele: applied only when its signature verifies with the agent's secret.
async fn webhook(
    State(runtime): State<Runtime>,
    Path(agent): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(agent) = runtime.agent(&agent) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let verified = agent
        .connection
        .secret
        .as_deref()
        .ok_or_else(|| "no signing secret".to_owned())
        .and_then(|secret| {
            standardwebhooks::Webhook::new(secret)
                .and_then(|signer| signer.verify(&body, &headers))
                .map_err(|error| error.to_string())
        });
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match verified {
        Ok(()) => {
            runtime.apply(agent, &payload, "verified").await;
            (StatusCode::OK, "applied").into_response()
        }
        Err(why) => {
            let kind = payload["type"].as_str().unwrap_or("?").to_owned();
            runtime.note(agent, kind, format!("refused: {why}"));
            (StatusCode::UNAUTHORIZED, "the signature does not verify").into_response()
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef1f6;color:#0f172a}
.panel{max-width:720px;margin:32px auto;background:#fff;border-radius:14px;padding:24px 28px;box-shadow:0 1px 3px rgba(15,23,42,.08)}
h1{font-size:22px;margin:0 0 8px}h2{font-size:15px;margin:20px 0 6px}.muted{color:#64748b}a{color:#4f46e5}
.chat{max-width:520px;height:100vh;margin:0 auto;display:flex;flex-direction:column;background:#fff}
@media(min-width:600px){.chat{height:calc(100vh - 48px);margin:24px auto;border-radius:16px;box-shadow:0 10px 30px rgba(15,23,42,.12);overflow:hidden}}
.chat header{display:flex;align-items:center;gap:12px;padding:14px 18px;background:#4f46e5;color:#fff}
.avatar{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.2);display:grid;place-items:center;font-weight:600}
.chat header strong{display:block}.chat header small{opacity:.85}
.log{flex:1;overflow-y:auto;padding:18px;display:flex;flex-direction:column;gap:10px;background:#f8fafc}
.msg{max-width:80%;padding:9px 13px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.agent,.msg.human{background:#fff;border:1px solid #e2e8f0;align-self:flex-start;border-bottom-left-radius:4px}
.msg.human{border-color:#a5b4fc}.msg.human::before{content:"Team";display:block;font-size:11px;font-weight:600;color:#4f46e5}
.msg.contact{background:#4f46e5;color:#fff;align-self:flex-end;border-bottom-right-radius:4px}
.msg.system{align-self:center;background:none;color:#64748b;font-size:13px}
.note{margin:0;padding:8px 18px;font-size:13px;color:#92400e;background:#fef3c7}
form{display:flex;gap:8px;padding:12px;border-top:1px solid #e2e8f0}
input{flex:1;min-width:0;font:inherit;padding:10px 12px;border:1px solid #cbd5e1;border-radius:10px}
button{font:inherit;font-weight:600;padding:10px 16px;border:0;border-radius:10px;background:#4f46e5;color:#fff;cursor:pointer}
.name{padding:10px 12px 0;border:0;display:flex;gap:8px;align-items:center;font-size:13px;color:#64748b}
.name input{padding:6px 10px}
"#;

const CHAT: &str = r#"<div class="chat">
<header><div class="avatar">AI</div><div><strong>{agent_name}</strong><small id="status">Online</small></div></header>
<div class="log" id="log" aria-live="polite"><div class="msg agent">{greeting}</div></div>
<p class="note" id="note" hidden></p>
<label class="name">Your name <input id="name" autocomplete="name" placeholder="Website visitor"></label>
<form id="say"><input id="text" autocomplete="off" placeholder="Write a message…" aria-label="Message" required><button>Send</button></form>
</div>
<script>
const agent = "{agent_id}";
const key = "conversation-" + agent;
const conversation = sessionStorage.getItem(key) || crypto.randomUUID();
sessionStorage.setItem(key, conversation);
const log = document.getElementById("log"), note = document.getElementById("note");
const greeting = log.firstElementChild.outerHTML;
let shown = -1;
function render(t) {
  if (t.messages.length !== shown) {
    shown = t.messages.length;
    log.innerHTML = greeting;
    for (const m of t.messages) {
      const div = document.createElement("div");
      div.className = "msg " + m.role;
      div.textContent = m.text;
      log.append(div);
    }
    log.scrollTop = log.scrollHeight;
  }
  const why = t.error || (t.stopped && "The assistant is paused: " + t.stopped);
  note.textContent = why || "";
  note.hidden = !why;
  document.getElementById("status").textContent = t.handed_off ? "A person will answer" : "Online";
}
document.getElementById("say").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const response = await fetch(`/chat/${agent}/messages`, { method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ conversation_id: conversation, name: document.getElementById("name").value, text }) });
  if (response.ok) render(await response.json());
});
setInterval(async () => {
  const response = await fetch(`/chat/${agent}/conversations/${conversation}`);
  if (response.ok) render(await response.json());
}, 1500);
</script>"#;
