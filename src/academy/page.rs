//! The certificate verification page: server-rendered HTML, Arabic (right to left) and French
//! side by side, no JavaScript, with a QR code of its own address as inline SVG.

use minijinja::{Environment, context};

use super::credentials::{self, Issuer};
use super::model::{CertificateRow, CertificateStatus};
use crate::kernel::i18n::Locale;

const TEMPLATE: &str = r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ code }} · {{ issuer }}</title>
<style>
body { font-family: system-ui, "Noto Sans Arabic", sans-serif; margin: 0 auto; max-width: 46rem; padding: 1rem; color: #1b1b1b; }
.status { padding: .6rem 1rem; border-radius: .4rem; font-weight: 600; }
.active { background: #e3f4e7; color: #14532d; }
.revoked { background: #fde2e1; color: #7f1d1d; }
section { border: 1px solid #ddd; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
dt { font-weight: 600; margin-top: .5rem; }
dd { margin: 0; }
.qr svg { width: 180px; height: 180px; }
code { word-break: break-all; }
</style>
</head>
<body>
{% if found %}
<p id="status" class="status {{ status_class }}" data-status="{{ status }}">
{% if revoked %}Certificat révoqué — <span dir="rtl" lang="ar">شهادة ملغاة</span>{% else %}Certificat valide — <span dir="rtl" lang="ar">شهادة صالحة</span>{% endif %}
</p>
<section id="ar" dir="rtl" lang="ar">
<h1>شهادة إتمام التكوين</h1>
<dl>
<dt>الحامل(ة)</dt><dd id="holder-ar"><bdi>{{ holder }}</bdi></dd>
<dt>{% if path %}المسار{% else %}التكوين{% endif %}</dt><dd id="title-ar"><bdi>{{ title_ar }}</bdi></dd>
<dt>عدد الساعات</dt><dd>{{ hours }}</dd>
{% if result %}<dt>النتيجة</dt><dd><bdi>{{ result }}</bdi></dd>{% endif %}
<dt>تاريخ الإصدار</dt><dd><bdi>{{ issued }}</bdi></dd>
<dt>الجهة المصدرة</dt><dd><bdi>{{ issuer }}</bdi></dd>
<dt>الحالة</dt><dd>{% if revoked %}ملغاة بتاريخ <bdi>{{ revoked_at }}</bdi>: <bdi>{{ reason }}</bdi>{% else %}صالحة{% endif %}</dd>
</dl>
</section>
<section id="fr" dir="ltr" lang="fr">
<h1>Certificat de réussite</h1>
<dl>
<dt>Titulaire</dt><dd id="holder-fr"><bdi>{{ holder }}</bdi></dd>
<dt>{% if path %}Parcours{% else %}Formation{% endif %}</dt><dd id="title-fr"><bdi>{{ title_fr }}</bdi></dd>
<dt>Heures</dt><dd>{{ hours }}</dd>
{% if result %}<dt>Résultat</dt><dd>{{ result }}</dd>{% endif %}
<dt>Date de délivrance</dt><dd>{{ issued }}</dd>
<dt>Émetteur</dt><dd><bdi>{{ issuer }}</bdi></dd>
<dt>Statut</dt><dd>{% if revoked %}Révoqué le {{ revoked_at }} : <bdi>{{ reason }}</bdi>{% else %}Valide{% endif %}</dd>
</dl>
</section>
<section>
<p>Code : <strong id="code">{{ code }}</strong></p>
<div class="qr" aria-label="QR">{{ qr | safe }}</div>
<p><a href="{{ url }}.json">Open Badges 3.0 (JSON)</a> · <a href="{{ base }}/certificates/issuer.json">Clé publique de l'émetteur</a></p>
<p>Clé / المفتاح : <code>{{ issuer_key }}</code></p>
</section>
{% else %}
<section id="missing">
<h1>Certificat introuvable</h1>
<p dir="rtl" lang="ar">لا توجد شهادة بهذا الرمز.</p>
<p>Aucun certificat ne porte ce code.</p>
</section>
{% endif %}
</body>
</html>
"#;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("certificate.html", TEMPLATE).expect("the certificate page template is valid");
    env
}

thread_local! {
    static ENV: Environment<'static> = environment();
}

/// The page for a certificate, or the "not found" page.
pub fn render(issuer: &Issuer, code: &str, cert: Option<&CertificateRow>) -> String {
    let ctx = match cert {
        Some(cert) => {
            let title = cert.title();
            let revoked = cert.status() == CertificateStatus::Revoked;
            let url = issuer.page_url(&cert.code);
            context! {
                found => true,
                code => cert.code.clone(),
                holder => cert.holder_name.clone(),
                title_ar => title.resolve(Locale::Ar).text,
                title_fr => title.resolve(Locale::Fr).text,
                path => cert.path_id.is_some(),
                hours => cert.hours,
                result => cert.result_bp.map(|r| format!("{} %", r / 100)),
                issued => cert.issued_at.format("%Y-%m-%d").to_string(),
                issuer => issuer.name.clone(),
                issuer_key => issuer.public_key_multibase(),
                status => cert.status().as_str(),
                status_class => if revoked { "revoked" } else { "active" },
                revoked => revoked,
                revoked_at => cert.revoked_at.map(|d| d.format("%Y-%m-%d").to_string()),
                reason => cert.revoked_reason.clone(),
                qr => credentials::qr_svg(&url),
                url => url,
                base => issuer.base_url.clone(),
            }
        }
        None => context! { found => false, code => code, issuer => issuer.name.clone() },
    };
    ENV.with(|env| {
        env.get_template("certificate.html")
            .and_then(|t| t.render(ctx))
            .unwrap_or_else(|e| format!("<!doctype html><p>{}</p>", minijinja::HtmlEscape(&e.to_string())))
    })
}
