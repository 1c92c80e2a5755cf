//! A DNS server on 127.0.0.1 (UDP) that answers TXT queries from a table the test fills: the
//! peer of dashboard-domain verification in tests, as a zone's real server would be.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The server; stops when dropped.
pub struct DnsServer {
    address: SocketAddr,
    records: Arc<Mutex<HashMap<String, Vec<String>>>>,
    server: JoinHandle<()>,
}

impl DnsServer {
    /// Starts on a free port, with no records.
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind a port for DNS");
        let address = socket.local_addr().expect("the DNS address");
        let records = Arc::new(Mutex::new(HashMap::new()));
        let server = tokio::spawn(answer(socket, records.clone()));
        Self {
            address,
            records,
            server,
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Publishes a TXT record `value` at `name` (e.g. `_clientele-challenge.dash.acme.test`).
    pub fn add_txt(&self, name: &str, value: &str) {
        let mut records = self.records.lock().expect("the records lock");
        records
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(value.to_owned());
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(socket: UdpSocket, records: Arc<Mutex<HashMap<String, Vec<String>>>>) {
    let mut buffer = [0u8; 1500];
    while let Ok((length, peer)) = socket.recv_from(&mut buffer).await {
        let Ok(query) = Message::from_vec(&buffer[..length]) else {
            continue;
        };
        let mut reply = Message::new();
        reply
            .set_id(query.id())
            .set_message_type(MessageType::Response)
            .set_op_code(query.op_code())
            .set_recursion_desired(query.recursion_desired())
            .set_recursion_available(true)
            .set_authoritative(true);
        let mut found = false;
        for question in query.queries() {
            reply.add_query(question.clone());
            let name = question
                .name()
                .to_ascii()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let values = records
                .lock()
                .expect("the records lock")
                .get(&name)
                .cloned()
                .unwrap_or_default();
            if question.query_type() == RecordType::TXT {
                for value in values {
                    found = true;
                    let owner = Name::from_ascii(&name).expect("a DNS name");
                    reply.add_answer(Record::from_rdata(
                        owner,
                        60,
                        RData::TXT(TXT::new(vec![value])),
                    ));
                }
            }
        }
        reply.set_response_code(if found {
            ResponseCode::NoError
        } else {
            ResponseCode::NXDomain
        });
        if let Ok(bytes) = reply.to_vec() {
            let _ = socket.send_to(&bytes, peer).await;
        }
    }
}
