//! A local SMTP server for the tests, and a decoder for the messages it (or the file
//! transport) receives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Recipients and raw DATA of each accepted message.
type Inbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

pub struct SmtpServer {
    pub port: u16,
    messages: Inbox,
}

impl SmtpServer {
    /// Starts a server that answers 451 to the first `fail_first` messages (the demo's own
    /// emails to its learners aside: they are always accepted).
    pub async fn start(fail_first: usize) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages: Inbox = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(AtomicUsize::new(fail_first));
        let store = messages.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let (store, failures) = (store.clone(), failures.clone());
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read);
                    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                    let mut recipients = Vec::new();
                    loop {
                        let mut line = String::new();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let command = line.trim_end().to_ascii_uppercase();
                        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                            b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                        } else if command.starts_with("RCPT TO:") {
                            recipients.push(line.trim_end()[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        } else if command.starts_with("DATA") {
                            let demo = recipients.iter().any(|r| crate::helpers::DEMO_LEARNERS.contains(&r.as_str()));
                            let fail = !demo
                                && failures
                                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                                    .is_ok();
                            if fail {
                                recipients.clear();
                                b"451 4.3.0 try again later\r\n"
                            } else {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                let mut data = String::new();
                                loop {
                                    let mut l = String::new();
                                    if lines.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                                        break;
                                    }
                                    data.push_str(&l);
                                }
                                store.lock().unwrap().push((std::mem::take(&mut recipients), data));
                                b"250 OK queued\r\n"
                            }
                        } else if command.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else if command.starts_with("RSET") {
                            recipients.clear();
                            b"250 OK\r\n"
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SmtpServer { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Decoded messages sent to `recipient`.
    pub fn messages_to(&self, recipient: &str) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|(to, _)| to.iter().any(|t| t == recipient))
            .map(|(_, data)| decode(data))
            .collect()
    }
}

/// Decodes the base64 and quoted-printable parts of a message (and RFC 2047 subjects) so
/// tests can read it as text.
pub fn decode(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let mut out = String::new();
    let mut encoding = "";
    let mut in_body = false;
    let mut body = String::new();
    let flush = |out: &mut String, body: &mut String, encoding: &str| {
        match encoding {
            "base64" => {
                let joined: String = body.split_whitespace().collect();
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            "quoted-printable" => out.push_str(&decode_qp(body)),
            _ => out.push_str(body),
        }
        body.clear();
    };
    for line in raw.lines() {
        if line.starts_with("--") {
            flush(&mut out, &mut body, encoding);
            in_body = false;
            encoding = "";
            continue;
        }
        if !in_body {
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-transfer-encoding:") {
                encoding = if v.contains("base64") {
                    "base64"
                } else if v.contains("quoted") {
                    "quoted-printable"
                } else {
                    ""
                };
            }
            if lower.starts_with("subject:") {
                out.push_str(&decode_subject(&line[8..]));
            } else {
                out.push_str(line);
            }
            out.push('\n');
            if line.is_empty() {
                in_body = true;
            }
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
    flush(&mut out, &mut body, encoding);
    out
}

fn decode_qp(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_subject(value: &str) -> String {
    value
        .split_whitespace()
        .map(|word| match word.strip_prefix("=?utf-8?b?").or_else(|| word.strip_prefix("=?UTF-8?B?")) {
            Some(rest) => base64::engine::general_purpose::STANDARD
                .decode(rest.trim_end_matches("?="))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
