//! `GET /images/{key}/{width}.webp`: an uploaded product image's rendition. The URL names one
//! content forever (the key is the upload's SHA-256), so browsers and CDNs keep it for a year
//! and revalidate with its ETag at most.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ApiState;

pub async fn rendition(
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> HttpResponse {
    let (key, file) = path.into_inner();
    let not_found = || HttpResponse::NotFound().content_type("text/plain").body("no such image");
    let Some(path) = state.images.path_of(&key, &file) else { return not_found() };
    let etag = format!("\"{key}-{file}\"");
    let cache = (header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    match web::block(move || std::fs::read(path)).await {
        Ok(Ok(_)) if matches => {
            HttpResponse::NotModified().insert_header(cache).insert_header((header::ETAG, etag)).finish()
        }
        Ok(Ok(bytes)) => HttpResponse::Ok()
            .insert_header(cache)
            .insert_header((header::ETAG, etag))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .content_type("image/webp")
            .body(bytes),
        _ => not_found(),
    }
}
