//! A local server that behaves like the parts of Stripe's API Taawun uses, recording what
//! the real `async-stripe` client sends.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub form: BTreeMap<String, String>,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Clone, Default)]
struct State {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Answer requests with the same idempotency key with the same object, as Stripe does.
    by_key: Arc<Mutex<BTreeMap<String, serde_json::Value>>>,
    /// The next this many requests fail as Stripe does when it is down (500, `api_error`).
    failures: Arc<Mutex<u32>>,
}

pub struct StripeMock {
    pub base: String,
    state: State,
    handle: actix_web::dev::ServerHandle,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                if let Ok(b) = u8::from_str_radix(&s[i + 1..(i + 3).min(s.len())], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (percent_decode(k), percent_decode(v))))
        .collect()
}

async fn handle(state: web::Data<State>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let form = parse_form(&body);
    let recorded = Recorded {
        path: req.path().to_string(),
        form: form.clone(),
        idempotency_key: header("idempotency-key"),
        authorization: header("authorization"),
        content_type: header("content-type"),
    };
    let n = {
        let mut requests = state.requests.lock().unwrap();
        requests.push(recorded.clone());
        requests.len()
    };
    {
        let mut failures = state.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return HttpResponse::InternalServerError().json(
                json!({ "error": { "type": "api_error", "message": "An unknown error occurred", "code": "internal" } }),
            );
        }
    }
    if recorded.authorization.as_deref() != Some("Bearer sk_test_taawun") {
        return HttpResponse::Unauthorized()
            .json(json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key provided" } }));
    }
    if let Some(key) = &recorded.idempotency_key
        && let Some(previous) = state.by_key.lock().unwrap().get(key)
    {
        return HttpResponse::Ok().json(previous);
    }
    let amount: i64 = form.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let object = match req.path() {
        "/v1/payment_intents" => {
            let metadata: BTreeMap<String, String> = form
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("metadata[").and_then(|k| k.strip_suffix(']')).map(|k| (k.to_string(), v.clone()))
                })
                .collect();
            json!({
                "id": format!("pi_test_{n}"), "object": "payment_intent", "amount": amount,
                "amount_capturable": 0, "amount_received": 0, "capture_method": "automatic",
                "client_secret": format!("pi_test_{n}_secret_abc"), "confirmation_method": "automatic",
                "created": 1_764_000_000, "currency": form.get("currency").cloned().unwrap_or_default(),
                "livemode": false, "metadata": metadata, "payment_method_types": ["card"],
                "status": "requires_payment_method"
            })
        }
        "/v1/refunds" => json!({
            "id": format!("re_test_{n}"), "object": "refund", "amount": amount, "created": 1_764_000_100,
            "currency": "mad", "status": "succeeded", "payment_intent": form.get("payment_intent"), "metadata": {}
        }),
        _ => {
            return HttpResponse::NotFound()
                .json(json!({ "error": { "type": "invalid_request_error", "message": "Unrecognized request URL" } }));
        }
    };
    if let Some(key) = recorded.idempotency_key {
        state.by_key.lock().unwrap().insert(key, object.clone());
    }
    HttpResponse::Ok().json(object)
}

impl StripeMock {
    pub fn start() -> StripeMock {
        let state = State::default();
        let shared = state.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new().app_data(web::Data::new(shared.clone())).default_service(web::route().to(handle))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run();
                tx.send((server.handle(), addr)).unwrap();
                let _ = server.await;
            });
        });
        let (handle, addr) = rx.recv().unwrap();
        StripeMock { base: format!("http://{addr}/"), state, handle }
    }

    /// Makes the next `n` requests fail with a 500, as during a Stripe outage.
    pub fn fail_next(&self, n: u32) {
        *self.state.failures.lock().unwrap() = n;
    }

    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }
}

impl Drop for StripeMock {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
