//! Emails: rendered per locale from templates (Arabic right-to-left), sent through the
//! outbox by a file transport (the default) or SMTP.

mod strings;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use minijinja::Environment;
use serde::{Deserialize, Serialize};

use crate::kernel::db::DbConn;
use crate::kernel::error::AppError;
use crate::kernel::i18n::{Locale, TextDirection};
use crate::outbox::OutboxRow;

pub const OUTBOX_KIND: &str = "email";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTemplate {
    OrderConfirmation,
    NewOrder,
    ShipmentNotice,
    PaymentFailed,
    CooperativeRegistered,
    CertificateIssued,
    ProjectAlert,
    ProjectApplicationStage,
    AccountVerification,
    PasswordReset,
    PasswordChanged,
    WebhookDisabled,
    ReturnUpdate,
}

impl EmailTemplate {
    fn name(self) -> &'static str {
        match self {
            EmailTemplate::OrderConfirmation => "order_confirmation",
            EmailTemplate::NewOrder => "new_order",
            EmailTemplate::ShipmentNotice => "shipment_notice",
            EmailTemplate::PaymentFailed => "payment_failed",
            EmailTemplate::CooperativeRegistered => "cooperative_registered",
            EmailTemplate::CertificateIssued => "certificate_issued",
            EmailTemplate::ProjectAlert => "project_alert",
            EmailTemplate::ProjectApplicationStage => "project_application_stage",
            EmailTemplate::AccountVerification => "account_verification",
            EmailTemplate::PasswordReset => "password_reset",
            EmailTemplate::PasswordChanged => "password_changed",
            EmailTemplate::WebhookDisabled => "webhook_disabled",
            EmailTemplate::ReturnUpdate => "return_update",
        }
    }
}

/// What the outbox row carries: a snapshot of the data at the time of the change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailJob {
    pub template: EmailTemplate,
    pub to: String,
    pub locale: String,
    pub data: serde_json::Value,
}

/// Queues an email in the caller's transaction.
pub fn enqueue(conn: &mut DbConn, job: &EmailJob) -> Result<(), AppError> {
    crate::outbox::enqueue(conn, OUTBOX_KIND, job)
}

pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("templates/layout.html")),
        ("order_confirmation.html", include_str!("templates/order_confirmation.html")),
        ("order_confirmation.txt", include_str!("templates/order_confirmation.txt")),
        ("new_order.html", include_str!("templates/new_order.html")),
        ("new_order.txt", include_str!("templates/new_order.txt")),
        ("shipment_notice.html", include_str!("templates/shipment_notice.html")),
        ("shipment_notice.txt", include_str!("templates/shipment_notice.txt")),
        ("payment_failed.html", include_str!("templates/payment_failed.html")),
        ("payment_failed.txt", include_str!("templates/payment_failed.txt")),
        ("cooperative_registered.html", include_str!("templates/cooperative_registered.html")),
        ("cooperative_registered.txt", include_str!("templates/cooperative_registered.txt")),
        ("certificate_issued.html", include_str!("templates/certificate_issued.html")),
        ("certificate_issued.txt", include_str!("templates/certificate_issued.txt")),
        ("project_alert.html", include_str!("templates/project_alert.html")),
        ("project_alert.txt", include_str!("templates/project_alert.txt")),
        ("project_application_stage.html", include_str!("templates/project_application_stage.html")),
        ("project_application_stage.txt", include_str!("templates/project_application_stage.txt")),
        ("account_verification.html", include_str!("templates/account_verification.html")),
        ("account_verification.txt", include_str!("templates/account_verification.txt")),
        ("password_reset.html", include_str!("templates/password_reset.html")),
        ("password_reset.txt", include_str!("templates/password_reset.txt")),
        ("password_changed.html", include_str!("templates/password_changed.html")),
        ("password_changed.txt", include_str!("templates/password_changed.txt")),
        ("webhook_disabled.html", include_str!("templates/webhook_disabled.html")),
        ("webhook_disabled.txt", include_str!("templates/webhook_disabled.txt")),
        ("return_update.html", include_str!("templates/return_update.html")),
        ("return_update.txt", include_str!("templates/return_update.txt")),
    ] {
        env.add_template(name, source).expect("email templates are valid");
    }
    env
}

thread_local! {
    static ENV: Environment<'static> = environment();
}

/// Renders an email in its locale (Amazigh falls back to Arabic until templates exist).
pub fn render(job: &EmailJob) -> Result<RenderedEmail, String> {
    let locale = match Locale::parse(&job.locale).unwrap_or(Locale::Fr) {
        Locale::Zgh => Locale::Ar,
        other => other,
    };
    let t = strings::for_locale(locale);
    let ctx = minijinja::context! {
        t => t.clone(),
        d => minijinja::Value::from(minijinja::value::Serde(&job.data)),
        lang => locale.code(),
        dir => if locale.direction() == TextDirection::Rtl { "rtl" } else { "ltr" },
    };
    ENV.with(|env| {
        let subject_key = format!("subject_{}", job.template.name());
        let subject_template = t.get(subject_key.as_str()).copied().unwrap_or("Taawun");
        let subject = env.render_str(subject_template, ctx.clone()).map_err(|e| e.to_string())?;
        let html = env
            .get_template(&format!("{}.html", job.template.name()))
            .and_then(|tpl| tpl.render(ctx.clone()))
            .map_err(|e| e.to_string())?;
        let text = env
            .get_template(&format!("{}.txt", job.template.name()))
            .and_then(|tpl| tpl.render(ctx.clone()))
            .map_err(|e| e.to_string())?;
        Ok(RenderedEmail { subject, html, text })
    })
}

pub enum Transport {
    /// `.eml` files in a directory: the embedded default.
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// SMTP when `smtp_url` is set (`smtp://host:port`, `smtps://user:pass@host`), else files in `dir`.
    pub fn new(smtp_url: Option<&str>, dir: &std::path::Path, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("TAAWUN_MAIL_FROM: {e}"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("TAAWUN_SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                Transport::File(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Renders and sends one outbox row. The Message-ID comes from the row, so a
    /// redelivery after a crash is recognisable as the same message.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let job: EmailJob = serde_json::from_str(&row.payload).map_err(|e| format!("bad email payload: {e}"))?;
        let rendered = render(&job)?;
        let to: Mailbox = job.to.parse().map_err(|e| format!("bad recipient {}: {e}", job.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(format!("<outbox-{}@taawun>", row.id)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(rendered.text))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(rendered.html)),
            )
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::File(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(locale: &str) -> EmailJob {
        EmailJob {
            template: EmailTemplate::OrderConfirmation,
            to: "salma@example.ma".into(),
            locale: locale.into(),
            data: serde_json::json!({
                "number": "TW-0000042", "customer_name": "سلمى",
                "lines": [{ "name": "زيت أركان", "sku": "A-1", "quantity": 2, "unit_price": "180.00 MAD", "total": "360.00 MAD" }],
                "subtotal": "360.00 MAD", "shipping": "35.00 MAD", "total": "395.00 MAD",
                "payment_method": "CASH_ON_DELIVERY",
                "address": { "full_name": "Salma", "line1": "12 rue Atlas", "line2": null, "city": "Agadir", "region": "سوس ماسة", "postal_code": "80000" }
            }),
        }
    }

    #[test]
    fn arabic_email_is_right_to_left_and_in_arabic() {
        let e = render(&job("ar")).unwrap();
        assert!(e.html.contains(r#"dir="rtl""#) && e.html.contains(r#"lang="ar""#));
        assert!(e.subject.contains("TW-0000042"));
        assert!(e.subject.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        assert!(e.text.contains("زيت أركان"));
    }

    #[test]
    fn french_and_english_are_left_to_right() {
        let fr = render(&job("fr")).unwrap();
        assert!(fr.html.contains(r#"dir="ltr""#) && fr.subject.contains("commande"));
        let en = render(&job("en")).unwrap();
        assert!(en.subject.contains("order"));
        assert!(render(&job("zgh")).unwrap().html.contains(r#"dir="rtl""#));
    }

    #[test]
    fn the_stage_email_names_the_stage_in_each_language() {
        for (locale, word) in [("ar", "مؤهل"), ("fr", "éligible"), ("en", "eligible")] {
            let e = render(&EmailJob {
                template: EmailTemplate::ProjectApplicationStage,
                to: "a@example.ma".into(),
                locale: locale.into(),
                data: serde_json::json!({ "name": null, "reference": "PB-AAAA-BBBB", "title": "Safran", "stage": "INELIGIBLE", "reason": null }),
            })
            .unwrap();
            assert!(e.subject.contains("PB-AAAA-BBBB") && e.subject.contains(word), "{locale}: {}", e.subject);
            assert!(e.text.contains("Safran") && !e.text.contains("stage_"), "{locale}: {}", e.text);
        }
    }

    #[test]
    fn account_emails_carry_the_link_and_its_lifetime_in_each_language() {
        for (template, data, number) in [
            (
                EmailTemplate::AccountVerification,
                serde_json::json!({ "name": "Nadia", "url": "https://shop.ma/verify-email?token=tv_x", "hours": 48 }),
                "48",
            ),
            (
                EmailTemplate::PasswordReset,
                serde_json::json!({ "name": "Nadia", "url": "https://shop.ma/reset-password?token=tr_x", "minutes": 60 }),
                "60",
            ),
            (EmailTemplate::PasswordChanged, serde_json::json!({ "name": "Nadia" }), ""),
        ] {
            for locale in ["ar", "fr", "en"] {
                let e = render(&EmailJob {
                    template,
                    to: "n@example.ma".into(),
                    locale: locale.into(),
                    data: data.clone(),
                })
                .unwrap();
                assert!(!e.subject.is_empty() && e.text.contains("Nadia"), "{locale}: {}", e.text);
                if let Some(url) = data.get("url").and_then(|u| u.as_str()) {
                    // The HTML escapes `/` as an entity, which browsers read back in `href`.
                    let token = url.split("token=").nth(1).unwrap();
                    assert!(e.text.contains(url) && e.html.contains(token), "{locale}: {}", e.html);
                }
                assert!(e.text.contains(number) && !e.text.contains('{'), "{locale}: {}", e.text);
            }
        }
    }
}
