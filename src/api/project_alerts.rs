//! The one-click unsubscribe link of the project bank's saved-search alerts. `GET` shows a
//! page with one button (mail scanners that open links do not unsubscribe anyone); `POST`
//! (the button, or a mail client's RFC 8058 one-click request) turns the alerts off.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::ApiState;
use crate::projects::service;

fn page(status: actix_web::http::StatusCode, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
             content=\"width=device-width\"><title>Taawun</title></head><body style=\"font-family: Arial, \
             Tahoma, sans-serif; max-width: 32rem; margin: 2rem auto\">{body}</body></html>"
        ))
}

fn well_formed(token: &str) -> bool {
    token.len() == 48 && token.chars().all(|c| c.is_ascii_hexdigit())
}

/// `GET /projects/alerts/unsubscribe/{token}`: the confirmation page.
pub async fn confirm(token: web::Path<String>) -> HttpResponse {
    if !well_formed(&token) {
        return page(actix_web::http::StatusCode::NOT_FOUND, "<p>Lien inconnu. · رابط غير معروف. · Unknown link.</p>");
    }
    page(
        actix_web::http::StatusCode::OK,
        "<p>Ne plus recevoir les alertes de cette recherche ?</p>\
         <p dir=\"rtl\" lang=\"ar\">إيقاف تنبيهات هذا البحث؟</p>\
         <p>Stop the alerts of this saved search?</p>\
         <form method=\"post\"><button type=\"submit\">Se désabonner · إلغاء الاشتراك · Unsubscribe</button></form>",
    )
}

/// `POST /projects/alerts/unsubscribe/{token}`: alerts off (idempotent).
pub async fn unsubscribe(state: web::Data<ApiState>, token: web::Path<String>) -> HttpResponse {
    let token = token.into_inner();
    match state.db.run(move |conn| service::unsubscribe(conn, &token)).await {
        Ok(true) => page(
            actix_web::http::StatusCode::OK,
            "<p>C'est fait : vous ne recevrez plus ces alertes.</p>\
             <p dir=\"rtl\" lang=\"ar\">تم: لن تتوصلوا بهذه التنبيهات بعد الآن.</p>\
             <p>Done: you will no longer receive these alerts.</p>",
        ),
        Ok(false) => page(
            actix_web::http::StatusCode::NOT_FOUND,
            "<p>Lien inconnu ou expiré. · رابط غير معروف. · Unknown or expired link.</p>",
        ),
        Err(e) => {
            e.log_if_internal();
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("try again later")
        }
    }
}
