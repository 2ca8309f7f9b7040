//! The academy's public certificate endpoints: the verification page (HTML), the signed Open
//! Badges credential (JSON) and the issuer's public key.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::ApiState;
use crate::academy::{page, service};

/// `GET /certificates/issuer.json`: the issuer profile with its public key.
pub async fn issuer(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("application/json")
        .body(state.issuer.profile().to_string())
}

/// `GET /certificates/{code}` (the page) and `GET /certificates/{code}.json` (the credential).
pub async fn certificate(state: web::Data<ApiState>, code: web::Path<String>) -> HttpResponse {
    let code = code.into_inner();
    let (code, json) = match code.strip_suffix(".json") {
        Some(code) => (code.to_string(), true),
        None => (code, false),
    };
    let lookup = code.clone();
    let found = match state.db.run(move |conn| service::certificate_by_code(conn, &lookup)).await {
        Ok(found) => found,
        Err(e) => {
            e.log_if_internal();
            return HttpResponse::ServiceUnavailable().content_type("text/plain").body("try again later");
        }
    };
    // The status may change (revocation): shared caches keep an answer briefly.
    let cache = (header::CACHE_CONTROL, "public, max-age=60");
    match (found, json) {
        (Some(cert), true) => {
            HttpResponse::Ok().insert_header(cache).content_type("application/json").body(cert.credential)
        }
        (None, true) => HttpResponse::NotFound().content_type("application/json").body(r#"{"error":"not found"}"#),
        (found, false) => {
            let html = page::render(&state.issuer, &code, found.as_ref());
            let mut response = if found.is_some() { HttpResponse::Ok() } else { HttpResponse::NotFound() };
            response
                .insert_header(cache)
                .insert_header((
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                ))
                .content_type("text/html; charset=utf-8")
                .body(html)
        }
    }
}
