//! A local server that answers like Meilisearch for what the adapter uses, recording the
//! requests the real `meilisearch-sdk` client sends. As on the real service, tasks are
//! asynchronous (the first poll of a task finds it enqueued, the second processing; the
//! third processes it, after every task enqueued before it) and an index exists only once a
//! task that creates it (settings, documents) has been processed: until then, searching or
//! reading it answers `index_not_found`, and deleting from it, swapping or dropping it fails.

use std::collections::BTreeSet;
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

/// A word no document of the mock contains: a search that must match every word (the `all`
/// matching strategy) finds nothing when its query has it.
pub const NOWHERE: &str = "xyzzy";

struct Task {
    kind: &'static str,
    /// The index it is about; a swap has two.
    indexes: Vec<String>,
    polls: usize,
    /// Once processed: the error it failed with, if it failed.
    outcome: Option<Result<(), Value>>,
}

#[derive(Default)]
struct Service {
    /// By task uid.
    tasks: Vec<Task>,
    indexes: BTreeSet<String>,
}

#[derive(Clone, Default)]
struct State {
    requests: Arc<Mutex<Vec<Recorded>>>,
    service: Arc<Mutex<Service>>,
    fail_documents: bool,
}

pub struct MeiliMock {
    pub base: String,
    state: State,
    handle: actix_web::dev::ServerHandle,
}

const AT: &str = "2026-11-29T10:00:00Z";

fn index_not_found(uid: &str) -> Value {
    json!({
        "message": format!("Index `{uid}` not found."), "code": "index_not_found", "type": "invalid_request",
        "link": "https://docs.meilisearch.com/errors#index_not_found"
    })
}

impl Service {
    /// What Meilisearch's scheduler does with a task.
    fn run(&mut self, uid: usize, fail_documents: bool) -> Result<(), Value> {
        let (kind, indexes) = (self.tasks[uid].kind, self.tasks[uid].indexes.clone());
        match kind {
            "documentAdditionOrUpdate" if fail_documents => Err(json!({
                "message": "Document identifier `x` is invalid.", "code": "invalid_document_id",
                "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#invalid_document_id"
            })),
            "settingsUpdate" | "documentAdditionOrUpdate" => {
                self.indexes.extend(indexes);
                Ok(())
            }
            _ => {
                if let Some(missing) = indexes.iter().find(|uid| !self.indexes.contains(*uid)) {
                    return Err(index_not_found(missing));
                }
                if kind == "indexDeletion" {
                    for uid in &indexes {
                        self.indexes.remove(uid);
                    }
                }
                Ok(())
            }
        }
    }

    /// Processes the tasks up to `last` not processed yet, in the order they were enqueued.
    fn process_up_to(&mut self, last: usize, fail_documents: bool) {
        for uid in 0..=last {
            if self.tasks[uid].outcome.is_none() {
                let outcome = self.run(uid, fail_documents);
                self.tasks[uid].outcome = Some(outcome);
            }
        }
    }
}

fn enqueue(state: &State, kind: &'static str, indexes: Vec<String>) -> HttpResponse {
    let mut service = state.service.lock().unwrap();
    let index_uid = (indexes.len() == 1).then(|| indexes[0].clone());
    service.tasks.push(Task { kind, indexes, polls: 0, outcome: None });
    HttpResponse::Accepted().json(json!({
        "taskUid": service.tasks.len() - 1, "indexUid": index_uid, "status": "enqueued", "type": kind, "enqueuedAt": AT
    }))
}

/// `GET /tasks/{uid}`: enqueued, then processing, then processed.
fn task_status(state: &State, uid: usize) -> HttpResponse {
    let mut service = state.service.lock().unwrap();
    let Some(task) = service.tasks.get_mut(uid) else {
        return HttpResponse::NotFound().json(json!({ "message": "task not found", "code": "task_not_found", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#task_not_found" }));
    };
    task.polls += 1;
    let polls = task.polls;
    if polls >= 3 {
        service.process_up_to(uid, state.fail_documents);
    }
    let task = &service.tasks[uid];
    let index_uid = (task.indexes.len() == 1).then(|| task.indexes[0].clone());
    let mut body = json!({ "uid": uid, "indexUid": index_uid, "type": task.kind, "details": null, "enqueuedAt": AT });
    match &task.outcome {
        None if polls == 1 => body["status"] = json!("enqueued"),
        None => {
            body["status"] = json!("processing");
            body["startedAt"] = json!(AT);
        }
        Some(outcome) => {
            body["status"] = json!(if outcome.is_ok() { "succeeded" } else { "failed" });
            body["startedAt"] = json!(AT);
            body["finishedAt"] = json!(AT);
            body["duration"] = json!("PT0.010S");
            body["canceledBy"] = Value::Null;
            body["error"] = outcome.clone().err().unwrap_or(Value::Null);
        }
    }
    HttpResponse::Ok().json(body)
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
    if let Some((uid, tail)) = &under_index {
        let exists = state.service.lock().unwrap().indexes.contains(uid);
        match (method.as_str(), tail.as_str()) {
            ("PATCH", "settings") => return enqueue(&state, "settingsUpdate", vec![uid.clone()]),
            ("POST" | "PUT", "documents") => return enqueue(&state, "documentAdditionOrUpdate", vec![uid.clone()]),
            ("POST", "documents/delete-batch") => return enqueue(&state, "documentDeletion", vec![uid.clone()]),
            ("DELETE", "") => return enqueue(&state, "indexDeletion", vec![uid.clone()]),
            ("GET", "documents") | ("POST", "search") if !exists => {
                return HttpResponse::NotFound().json(index_not_found(uid));
            }
            ("GET", "documents") => {
                return HttpResponse::Ok().json(json!({
                    "results": [{ "id": 1, "version": 5 }, { "id": 999, "version": 1 }], "offset": 0, "limit": 1000, "total": 2
                }));
            }
            ("POST", "search") => {
                let finds_nothing = parsed["matchingStrategy"] == "all"
                    && parsed["q"].as_str().is_some_and(|q| q.split_whitespace().any(|w| w == NOWHERE));
                if finds_nothing {
                    return HttpResponse::Ok().json(json!({
                        "hits": [], "offset": 0, "limit": 20, "estimatedTotalHits": 0,
                        "processingTimeMs": 1, "query": parsed["q"], "facetDistribution": {}, "facetStats": {}
                    }));
                }
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
        ("POST", "/swap-indexes") => {
            let indexes: Vec<String> = parsed[0]["indexes"]
                .as_array()
                .map(|uids| uids.iter().filter_map(|u| u.as_str().map(String::from)).collect())
                .unwrap_or_default();
            enqueue(&state, "indexSwap", indexes)
        }
        ("GET", p) if p.starts_with("/tasks/") => {
            task_status(&state, p.trim_start_matches("/tasks/").parse().unwrap_or(usize::MAX))
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
