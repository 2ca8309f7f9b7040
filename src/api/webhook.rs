//! `POST /webhooks/stripe`: the signature is checked before anything is read from the body,
//! then the orders domain applies the event.

use actix_web::{HttpRequest, HttpResponse, web};

use super::ApiState;
use crate::payments::webhook::{SignatureError, StripeEvent, verify};

pub async fn stripe(state: web::Data<ApiState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some(webhook) = state.stripe_webhook.as_ref() else {
        return HttpResponse::NotFound().body("Stripe is not configured");
    };
    let header = req.headers().get("stripe-signature").and_then(|v| v.to_str().ok());
    let verified = match header {
        None => Err(SignatureError::Missing),
        Some(h) => verify(h, &body, webhook.secret.expose(), webhook.tolerance_secs, chrono::Utc::now().timestamp()),
    };
    if let Err(e) = verified {
        tracing::warn!(error = ?e, "rejected a Stripe webhook");
        return HttpResponse::BadRequest().body("invalid signature");
    }
    let event: StripeEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return HttpResponse::BadRequest().body(format!("unreadable event: {e}")),
    };
    match state.db.run(move |conn| crate::orders::service::apply_stripe_event(conn, &event)).await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "received": true })),
        Err(e) => {
            e.log_if_internal();
            // A 5xx makes Stripe retry later; nothing was applied.
            HttpResponse::InternalServerError().body("try again")
        }
    }
}
