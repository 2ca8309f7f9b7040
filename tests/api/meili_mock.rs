//! A local server that answers like Meilisearch for what the adapter uses, recording the
//! requests the real `meilisearch-sdk` client sends.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Value,
    pub authorization: Option<String>,
}

#[derive(Clone, Default)]
struct State {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Task uid → (type, failed).
    tasks: Arc<Mutex<Vec<(String, bool)>>>,
    fail_documents: bool,
}

pub struct MeiliMock {
    pub base: String,
    state: State,
    handle: actix_web::dev::ServerHandle,
}

const AT: &str = "2026-11-29T10:00:00Z";

fn enqueue(state: &State, kind: &str, failed: bool) -> HttpResponse {
    let mut tasks = state.tasks.lock().unwrap();
    tasks.push((kind.to_string(), failed));
    HttpResponse::Accepted().json(json!({
        "taskUid": tasks.len() - 1, "indexUid": "products", "status": "enqueued", "type": kind, "enqueuedAt": AT
    }))
}

async fn handle(state: web::Data<State>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.requests.lock().unwrap().push(Recorded {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        body: parsed.clone(),
        authorization: req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(String::from),
    });
    let path = req.path().to_string();
    let method = req.method().as_str().to_string();
    let under_index = path.strip_prefix("/indexes/").map(|rest| {
        rest.split_once('/')
            .map(|(uid, tail)| (uid.to_string(), tail.to_string()))
            .unwrap_or((rest.to_string(), String::new()))
    });
    if let Some((_, tail)) = &under_index {
        match (method.as_str(), tail.as_str()) {
            ("PATCH", "settings") => return enqueue(&state, "settingsUpdate", false),
            ("POST" | "PUT", "documents") => return enqueue(&state, "documentAdditionOrUpdate", state.fail_documents),
            ("POST", "documents/delete-batch") => return enqueue(&state, "documentDeletion", false),
            ("DELETE", "") => return enqueue(&state, "indexDeletion", false),
            ("GET", "documents") => {
                return HttpResponse::Ok().json(json!({
                    "results": [{ "id": 1, "version": 5 }, { "id": 999, "version": 1 }], "offset": 0, "limit": 1000, "total": 2
                }));
            }
            ("POST", "search") => {
                return HttpResponse::Ok().json(json!({
                    "hits": [{ "id": 7 }, { "id": 3 }], "offset": 0, "limit": 20, "estimatedTotalHits": 2,
                    "processingTimeMs": 1, "query": parsed["q"],
                    "facetDistribution": { "region": { "09": 2 } },
                    "facetStats": { "price": { "min": 1500.0, "max": 18000.0 } }
                }));
            }
            _ => {}
        }
    }
    match (method.as_str(), path.as_str()) {
        ("POST", "/swap-indexes") => enqueue(&state, "indexSwap", false),
        ("GET", p) if p.starts_with("/tasks/") => {
            let uid: usize = p.trim_start_matches("/tasks/").parse().unwrap_or(usize::MAX);
            let Some((kind, failed)) = state.tasks.lock().unwrap().get(uid).cloned() else {
                return HttpResponse::NotFound().json(json!({ "message": "task not found", "code": "task_not_found", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#task_not_found" }));
            };
            let mut task = json!({
                "uid": uid, "indexUid": "products", "status": if failed { "failed" } else { "succeeded" }, "type": kind,
                "details": null, "duration": "PT0.010S", "enqueuedAt": AT, "startedAt": AT, "finishedAt": AT, "canceledBy": null, "error": null
            });
            if failed {
                task["error"] = json!({ "message": "Document identifier `x` is invalid.", "code": "invalid_document_id", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#invalid_document_id" });
            }
            HttpResponse::Ok().json(task)
        }
        _ => HttpResponse::NotFound().json(json!({ "message": "not found", "code": "not_found", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors" })),
    }
}

impl MeiliMock {
    pub fn start(fail_documents: bool) -> MeiliMock {
        Self::start_on(0, fail_documents)
    }

    /// On a given port (0: any), e.g. the port of a Meilisearch that was down until now.
    pub fn start_on(port: u16, fail_documents: bool) -> MeiliMock {
        let state = State { fail_documents, ..State::default() };
        let shared = state.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
            let addr = listener.local_addr().unwrap();
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(shared.clone()))
                        .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                        .default_service(web::route().to(handle))
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
        MeiliMock { base: format!("http://{addr}"), state, handle }
    }

    pub fn requests(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().iter().filter(|r| r.method == method && r.path == path).cloned().collect()
    }
}

impl Drop for MeiliMock {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
