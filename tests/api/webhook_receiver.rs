//! A local HTTP receiver for the webhook tests: it checks every request's signature, answers
//! with the status its script says (500 on purpose, 200), and can be stopped and started
//! again on the same port, as a partner's server that goes down and comes back.

use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub event_id: String,
    pub body: serde_json::Value,
    pub signature_ok: bool,
    pub answered: u16,
    /// The signature header and the body as sent (to check against another secret).
    pub signature: String,
    pub raw: String,
}

#[derive(Default)]
struct State {
    secret: String,
    /// Statuses to answer, in order; 200 once the script runs out.
    script: Vec<u16>,
    received: Vec<Received>,
}

pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
    task: Option<JoinHandle<()>>,
}

/// Verifies `t=<ts>,v1=<hex>` over "<ts>.<body>" with the secret, and that it is recent.
pub fn verify(secret: &str, header: &str, body: &str) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    signatures.contains(&expected)
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let task = Some(tokio::spawn(serve(listener, state.clone())));
        Receiver { port, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/taawun", self.port)
    }

    pub fn set_secret(&self, secret: &str) {
        self.state.lock().unwrap().secret = secret.to_string();
    }

    /// The next answers' statuses.
    pub fn script(&self, statuses: &[u16]) {
        self.state.lock().unwrap().script = statuses.to_vec();
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Closes the port: connections are refused until `restart`.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub async fn restart(&mut self) {
        self.stop();
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(e) => panic!("rebind {}: {e}", self.port),
            }
        };
        self.task = Some(tokio::spawn(serve(listener, self.state.clone())));
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else { return };
        let state = state.clone();
        tokio::spawn(async move {
            let (read, mut write) = socket.into_split();
            let mut reader = BufReader::new(read);
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let header =
                |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            let length: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).await.is_err() {
                return;
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            let status = {
                let mut s = state.lock().unwrap();
                let status = if s.script.is_empty() { 200 } else { s.script.remove(0) };
                let signature_ok = verify(&s.secret, &header("taawun-signature"), &body);
                s.received.push(Received {
                    event: header("taawun-event"),
                    event_id: header("taawun-event-id"),
                    body: serde_json::from_str(&body).unwrap_or_default(),
                    signature_ok,
                    answered: status,
                    signature: header("taawun-signature"),
                    raw: body.clone(),
                });
                status
            };
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = write.write_all(reply.as_bytes()).await;
        });
    }
}
