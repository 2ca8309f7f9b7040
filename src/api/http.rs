//! GraphQL over HTTP: `POST /graphql` (JSON), `GET /graphql` (queries only, or GraphiQL for
//! browsers), `application/graphql-response+json` when the client accepts it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use serde_json::json;

use super::ApiState;
use crate::auth;
use crate::catalog::loaders::CatalogLoader;
use crate::kernel::graphql::context::{RequestContext, request_loader};
use crate::kernel::i18n::Locale;
use crate::orders::loaders::OrdersLoader;
use crate::registry::loaders::RegistryLoader;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// The spec's negotiation: the new media type when the client lists it (or accepts anything
/// without naming JSON), plain JSON for legacy clients.
fn negotiate(req: &HttpRequest) -> MediaType {
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains(GRAPHQL_RESPONSE_JSON) {
        MediaType::GraphqlResponseJson
    } else if accept.contains("application/json") || accept.is_empty() {
        MediaType::Json
    } else {
        MediaType::GraphqlResponseJson
    }
}

fn error_response(status: actix_web::http::StatusCode, media: MediaType, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media.content_type())
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

fn request_locale(req: &HttpRequest, default: Locale) -> Locale {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or(default)
}

pub async fn post(state: web::Data<ApiState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let media = negotiate(&req);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let request: async_graphql::Request = match essence.as_str() {
        "application/json" => {
            if body.len() > state.http.max_body_bytes {
                return error_response(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    media,
                    &format!("the request is larger than {} bytes", state.http.max_body_bytes),
                    "BAD_REQUEST",
                );
            }
            match serde_json::from_slice(&body) {
                Ok(r) => r,
                Err(e) => {
                    return error_response(
                        actix_web::http::StatusCode::BAD_REQUEST,
                        media,
                        &format!("the body is not a GraphQL request: {e}"),
                        "BAD_REQUEST",
                    );
                }
            }
        }
        // File uploads: the GraphQL multipart request spec.
        "multipart/form-data" => {
            let options = async_graphql::http::MultipartOptions::default()
                .max_num_files(4)
                .max_file_size(state.http.max_upload_bytes);
            match async_graphql::http::receive_body(Some(content_type), &body[..], options).await {
                Ok(r) => r,
                Err(e) => {
                    return error_response(
                        actix_web::http::StatusCode::BAD_REQUEST,
                        media,
                        &format!("the body is not a GraphQL multipart request: {e}"),
                        "BAD_REQUEST",
                    );
                }
            }
        }
        _ => {
            return error_response(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                media,
                "send the request as application/json (or multipart/form-data to upload files)",
                "BAD_REQUEST",
            );
        }
    };
    execute(&state, &req, request, media).await
}

pub async fn get(state: web::Data<ApiState>, req: HttpRequest) -> HttpResponse {
    let media = negotiate(&req);
    let query_string = req.query_string();
    let wants_html =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if query_string.is_empty() && wants_html {
        return HttpResponse::Ok().content_type("text/html; charset=utf-8").body(GRAPHIQL_HTML);
    }
    let request = match async_graphql::http::parse_query_string(query_string) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                actix_web::http::StatusCode::BAD_REQUEST,
                media,
                &format!("the query string is not a GraphQL request: {e}"),
                "BAD_REQUEST",
            );
        }
    };
    if is_mutation(&request) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, HeaderValue::from_static("POST")))
            .content_type(media.content_type())
            .json(json!({ "errors": [{ "message": "mutations must be sent with POST", "extensions": { "code": "BAD_REQUEST" } }] }));
    }
    execute(&state, &req, request, media).await
}

/// Whether the operation the request selects is a mutation (GET may only read).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    operation.is_some_and(|op| op.node.ty == OperationType::Mutation)
}

async fn execute(
    state: &ApiState,
    req: &HttpRequest,
    request: async_graphql::Request,
    media: MediaType,
) -> HttpResponse {
    let locale = request_locale(req, state.limits.default_locale);
    let viewer = match bearer_token(req) {
        None => None,
        Some(token) => match state.db.run(move |conn| auth::service::resolve_viewer(conn, &token)).await {
            Ok(Some(viewer)) => Some(viewer),
            Ok(None) => {
                return error_response(
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    media,
                    "the access token is invalid, expired or revoked",
                    "UNAUTHENTICATED",
                );
            }
            Err(e) => {
                e.log_if_internal();
                return error_response(
                    actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                    media,
                    "the service is unavailable, try again",
                    "INTERNAL",
                );
            }
        },
    };
    let request = request
        .data(RequestContext { locale, viewer })
        .data(request_loader(RegistryLoader::new(state.db.clone())))
        .data(request_loader(CatalogLoader::new(state.db.clone())))
        .data(request_loader(OrdersLoader::new(state.db.clone())));
    let response = state.schema.execute(request).await;
    // A request error (unparsable, invalid, over a limit) has no data and errors without a path.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if request_error && media == MediaType::GraphqlResponseJson {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        actix_web::http::StatusCode::OK
    };
    match serde_json::to_vec(&response) {
        Ok(body) => HttpResponse::build(status)
            .content_type(media.content_type())
            .insert_header((header::CONTENT_LANGUAGE, locale.code()))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            error_response(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, media, "internal error", "INTERNAL")
        }
    }
}

const GRAPHIQL_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Taawun GraphQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
    ReactDOM.createRoot(document.getElementById('graphiql'))
      .render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }));
  </script>
</body>
</html>
"#;
