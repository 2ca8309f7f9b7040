//! GraphQL over HTTP: `POST /graphql` (JSON), `GET /graphql` (queries only, or GraphiQL for
//! browsers), `application/graphql-response+json` when the client accepts it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use serde_json::json;

use super::documents::{Documents, Refusals};
use super::{ApiState, response_cache};
use crate::auth;
use crate::catalog::loaders::CatalogLoader;
use crate::kernel::graphql::context::{RequestContext, request_loader};
use crate::kernel::i18n::Locale;
use crate::kernel::messages::Message;
use crate::orders::loaders::OrdersLoader;
use crate::registry::loaders::{PersonalDataLog, RegistryLoader};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// RFC 6750's answer to a bearer token that is not (or no longer) valid.
const REJECTED_TOKEN_CHALLENGE: &str =
    r#"Bearer error="invalid_token", error_description="the access token is invalid, expired or revoked""#;

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

/// The size of a request's query and variables, as JSON (files not included).
fn operation_bytes(request: &async_graphql::Request) -> usize {
    request.query.len() + serde_json::to_vec(&request.variables).map_or(usize::MAX, |v| v.len())
}

pub async fn post(state: web::Data<ApiState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let media = negotiate(&req);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let mut request: async_graphql::Request = match essence.as_str() {
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
                // The files may be large; the operation itself is held to the JSON limit.
                Ok(r) if operation_bytes(&r) > state.http.max_body_bytes => {
                    return error_response(
                        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                        media,
                        &format!("the operation is larger than {} bytes", state.http.max_body_bytes),
                        "BAD_REQUEST",
                    );
                }
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
    let persisted = state.documents.resolve_persisted(&mut request).err();
    execute(&state, &req, request, persisted, media, Caching::None).await
}

pub async fn get(state: web::Data<ApiState>, req: HttpRequest) -> HttpResponse {
    let media = negotiate(&req);
    let query_string = req.query_string();
    let wants_html =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if query_string.is_empty() && wants_html {
        return HttpResponse::Ok().content_type("text/html; charset=utf-8").body(super::graphiql::page());
    }
    let mut request = match async_graphql::http::parse_query_string(query_string) {
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
    // A hash alone is looked up first, so what it stands for is checked as a text would be.
    let persisted = state.documents.resolve_persisted(&mut request).err();
    if is_mutation(&state.documents, &request) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, HeaderValue::from_static("POST")))
            .content_type(media.content_type())
            .json(json!({ "errors": [{ "message": "mutations must be sent with POST", "extensions": { "code": "BAD_REQUEST" } }] }));
    }
    let shareable = reads_only_shareable(&state.documents, &request);
    let caching = Caching::Get { max_age: state.http.cache_seconds, shareable };
    execute(&state, &req, request, persisted, media, caching).await
}

/// The operation the request selects: its type and the names of its root fields (`None` for
/// a root fragment spread, whose fields are not looked into).
fn selected_operation(
    documents: &Documents,
    request: &async_graphql::Request,
) -> Option<(OperationType, Vec<Option<String>>)> {
    let document = documents.parsed(&request.query)?;
    super::documents::selected_operation(&document, request.operation_name.as_deref())
}

/// Whether the operation the request selects is a mutation (GET may only read).
fn is_mutation(documents: &Documents, request: &async_graphql::Request) -> bool {
    selected_operation(documents, request).is_some_and(|(ty, _)| ty == OperationType::Mutation)
}

/// Whether the operation only reads the schema (`__schema`, `__type`, `__typename` at its
/// root): such a query reaches no data, so it runs under its own depth bound.
fn is_introspection(documents: &Documents, request: &async_graphql::Request) -> bool {
    if !request.query.contains("__schema") && !request.query.contains("__type") {
        return false;
    }
    selected_operation(documents, request).is_some_and(|(ty, roots)| {
        ty == OperationType::Query
            && roots.iter().all(|r| matches!(r.as_deref(), Some("__schema" | "__type" | "__typename")))
    })
}

/// How an answer may be cached: only `GET` answers are (`POST` carries no caching headers).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caching {
    None,
    /// `shareable`: the operation reads only the public catalogue, register extract and
    /// figures, so an anonymous answer may sit in a shared cache.
    Get {
        max_age: u32,
        shareable: bool,
    },
}

/// Root fields whose anonymous answers hold no one's personal data. Others (an order looked
/// up by email, a guest cart, `node`) stay out of shared caches even when anonymous.
const SHAREABLE_ROOTS: &[&str] = &[
    "products",
    "product",
    "cooperatives",
    "cooperative",
    "categories",
    "category",
    "regions",
    "sectors",
    "productSearch",
    "searchSuggest",
    "registryEntry",
    "registrySearch",
    "nationalFigures",
    "shop",
    "__typename",
    "__schema",
    "__type",
];

fn reads_only_shareable(documents: &Documents, request: &async_graphql::Request) -> bool {
    selected_operation(documents, request).is_some_and(|(ty, roots)| {
        ty == OperationType::Query && roots.iter().all(|r| r.as_deref().is_some_and(|r| SHAREABLE_ROOTS.contains(&r)))
    })
}

/// `persisted`: the request named a persisted query that could not be used; it is answered
/// with that error, as any request error.
async fn execute(
    state: &ApiState,
    req: &HttpRequest,
    request: async_graphql::Request,
    persisted: Option<async_graphql::ServerError>,
    media: MediaType,
    caching: Caching,
) -> HttpResponse {
    let locale = request_locale(req, state.limits.default_locale);
    // A token that is invalid, expired or revoked: reads run anonymously and say so (public
    // fields still answer, so a storefront with a stale token keeps working); a mutation is
    // refused, so that it never runs as a guest by mistake.
    let mut token_rejected = false;
    let viewer = match bearer_token(req) {
        None => None,
        Some(token) => match state.db.run(move |conn| auth::service::resolve_viewer(conn, &token)).await {
            Ok(Some(viewer)) => Some(viewer),
            Ok(None) if is_mutation(&state.documents, &request) => {
                let mut refused = error_response(
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    media,
                    "the access token is invalid, expired or revoked",
                    "UNAUTHENTICATED",
                );
                refused
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REJECTED_TOKEN_CHALLENGE));
                return refused;
            }
            Ok(None) => {
                token_rejected = true;
                None
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
    let signed_in = viewer.is_some();
    let storefront = actix_web::HttpMessage::extensions(req).get::<super::storefronts::StorefrontAccess>().cloned();
    // Anonymous reads may be answered from the response cache: the version is read before the
    // answer is computed, so a kept answer is never older than the version it is kept under.
    let cached = if !signed_in && !token_rejected && state.responses.enabled() {
        let key = response_cache::key(
            &request,
            locale,
            storefront.as_ref().map(|s| s.app_id),
            chrono::Utc::now().date_naive(),
        );
        match state.responses.current_version(&state.db).await {
            Ok(version) => {
                if let Some(body) = state.responses.get(version, &key) {
                    state.metrics.response_cache_hits.inc();
                    return answer_from_cache(req, media, locale, body.to_vec(), caching);
                }
                Some((version, key))
            }
            Err(e) => {
                e.log_if_internal();
                None
            }
        }
    } else {
        None
    };
    let catalogue_read = cached.is_some()
        && selected_operation(&state.documents, &request)
            .is_some_and(|(ty, roots)| ty == OperationType::Query && response_cache::reads_catalogue_only(&roots));
    let personal_data_reader = viewer.clone();
    let schema = if is_introspection(&state.documents, &request) { &state.introspection } else { &state.schema };
    let mut request = request;
    // The same refusals as above, checked again on the document itself.
    let refusals = Refusals {
        storefront: storefront.as_ref(),
        mutations: if matches!(caching, Caching::Get { .. }) {
            Some("mutations must be sent with POST")
        } else if token_rejected {
            Some("the access token is invalid, expired or revoked")
        } else {
            None
        },
    };
    let prepared = match persisted {
        Some(error) => Err(error),
        None => state.documents.prepare(&mut request, refusals),
    };
    let operation_name = request.operation_name.clone();
    if let Some(access) = storefront.clone() {
        request = request.data(access);
    }
    let request = request
        .data(RequestContext { locale, viewer, client: state.rate_limiter.client(req) })
        .data(request_loader(RegistryLoader::new(state.db.clone())))
        .data(request_loader(CatalogLoader::new(state.db.clone())))
        .data(request_loader(OrdersLoader::new(state.db.clone())))
        .data(request_loader(crate::academy::loaders::AcademyLoader::new(state.db.clone())))
        .data(request_loader(crate::projects::loaders::ProjectsLoader::new(state.db.clone())))
        .data(request_loader(crate::scoring::loaders::ScoringLoader::new(state.db.clone())))
        .data(request_loader(PersonalDataLog::new(state.db.clone(), personal_data_reader)));
    let mut response = match prepared {
        Ok(document) => {
            let mut response = schema.execute(request).await;
            if let Some(document) = document {
                super::field_order::put_in_query_order(&mut response.data, &document, operation_name.as_deref());
            }
            response
        }
        Err(error) => async_graphql::Response::from_errors(vec![error]),
    };
    give_every_error_a_code(&mut response);
    translate_errors(&mut response, locale);
    if token_rejected {
        response.extensions.insert(
            "authentication".into(),
            async_graphql::value!({
                "code": "TOKEN_REJECTED",
                "message": "the access token is invalid, expired or revoked; this request ran without it",
            }),
        );
    }
    // A request error (unparsable, invalid, over a limit) has no data and errors without a path.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if request_error && media == MediaType::GraphqlResponseJson {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        actix_web::http::StatusCode::OK
    };
    let clean = response.errors.is_empty();
    match serde_json::to_vec(&response) {
        Ok(body) => {
            let plain = status == actix_web::http::StatusCode::OK && response.http_headers.is_empty();
            if clean
                && plain
                && catalogue_read
                && let Some((version, key)) = cached
            {
                state.metrics.response_cache_misses.inc();
                state.responses.put(version, key, std::sync::Arc::from(body.as_slice()));
            }
            let mut builder = HttpResponse::build(status);
            builder.content_type(media.content_type()).insert_header((header::CONTENT_LANGUAGE, locale.code()));
            if token_rejected {
                builder.insert_header((header::WWW_AUTHENTICATE, REJECTED_TOKEN_CHALLENGE));
            }
            // Headers a resolver set (a login that must wait sets `Retry-After`).
            for (name, value) in response.http_headers.iter() {
                if let Ok(value) = value.to_str() {
                    builder.insert_header((name.as_str(), value));
                }
            }
            let ok = clean && status == actix_web::http::StatusCode::OK;
            finish(&mut builder, req, body, caching, ok, !signed_in && !token_rejected)
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            error_response(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, media, "internal error", "INTERNAL")
        }
    }
}

/// A cached answer, with the headers a freshly computed one would have.
fn answer_from_cache(
    req: &HttpRequest,
    media: MediaType,
    locale: Locale,
    body: Vec<u8>,
    caching: Caching,
) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    builder.content_type(media.content_type()).insert_header((header::CONTENT_LANGUAGE, locale.code()));
    finish(&mut builder, req, body, caching, true, true)
}

/// The caching headers of a `GET` answer: `ok` (a `200` without errors) may be cached,
/// publicly when `anonymous` and the operation is shareable.
fn finish(
    builder: &mut actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    body: Vec<u8>,
    caching: Caching,
    ok: bool,
    anonymous: bool,
) -> HttpResponse {
    match caching {
        Caching::Get { max_age, shareable } if ok => cacheable(builder, req, body, shareable && anonymous, max_age),
        Caching::Get { .. } => {
            builder.insert_header((header::VARY, VARY)).insert_header((header::CACHE_CONTROL, "no-store"));
            builder.body(body)
        }
        Caching::None => builder.body(body),
    }
}

/// Errors the GraphQL layer raises itself (an unparsable document, a field that does not
/// exist, an argument of the wrong type, a limit) carry no code; clients branch on codes,
/// so each gets one: `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, `BAD_USER_INPUT`
/// (an argument or variable that is not of its type), else `INTERNAL`.
/// Errors raised by the domains keep their `Message`: say it in the request's language.
fn translate_errors(response: &mut async_graphql::Response, locale: Locale) {
    let translations = super::messages::translations();
    for error in &mut response.errors {
        if let Some(message) = error.source::<Message>() {
            error.message = translations.render(message, locale);
        }
    }
}

fn give_every_error_a_code(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        if error.extensions.as_ref().is_some_and(|x| x.get("code").is_some()) {
            continue;
        }
        let coercion = error.message.starts_with("Failed to parse") || error.message.starts_with("Invalid value for");
        let code = if error.message.contains(" --> ") && error.path.is_empty() {
            "GRAPHQL_PARSE_FAILED"
        } else if coercion {
            "BAD_USER_INPUT"
        } else if error.path.is_empty() {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "INTERNAL"
        };
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}

/// What a `GET` answer depends on besides its URL.
const VARY: &str = "Accept, Accept-Language, Authorization";

/// A successful `GET` answer with its caching headers: a strong `ETag` of the body, `public`
/// with `max-age` when anonymous, `private, no-cache` (revalidate with the `ETag`) when
/// signed in; 304 without a body when the client already holds this version.
fn cacheable(
    builder: &mut actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    body: Vec<u8>,
    public: bool,
    max_age: u32,
) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>());
    let cache_control = if public { format!("public, max-age={max_age}") } else { "private, no-cache".to_string() };
    builder
        .insert_header((header::VARY, VARY))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, etag.clone()));
    let held = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*"));
    if held { builder.status(actix_web::http::StatusCode::NOT_MODIFIED).finish() } else { builder.body(body) }
}
