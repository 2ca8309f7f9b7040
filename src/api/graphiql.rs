//! GraphiQL for browsers on `GET /graphql`, served from the binary: pinned GraphiQL and
//! React builds (from their npm packages, licences in `graphiql/LICENSES`) with Subresource
//! Integrity hashes, so the page works offline and behind a strict network and never
//! changes under its users. The assets are immutable: their names carry their versions.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `sha384-…` of `bytes`, as the page's `integrity` attributes say it (a test checks it).
    integrity: &'static str,
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("graphiql/react-18.3.1.production.min.js"),
        integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("graphiql/react-dom-18.3.1.production.min.js"),
        integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    },
    Asset {
        name: "graphiql-3.8.3.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("graphiql/graphiql-3.8.3.min.js"),
        integrity: "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    },
    Asset {
        name: "graphiql-3.8.3.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("graphiql/graphiql-3.8.3.min.css"),
        integrity: "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    },
];

/// The page, built once.
pub fn page() -> &'static str {
    static PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(build_page);
    &PAGE
}

/// The page: the assets by path with their integrity hashes, a fetcher on this URL.
fn build_page() -> String {
    let tag = |a: &Asset| {
        if a.name.ends_with(".css") {
            format!(r#"  <link rel="stylesheet" href="/graphiql/{}" integrity="{}">"#, a.name, a.integrity)
        } else {
            format!(r#"  <script src="/graphiql/{}" integrity="{}"></script>"#, a.name, a.integrity)
        }
    };
    let (styles, scripts): (Vec<&Asset>, Vec<&Asset>) = ASSETS.iter().partition(|a| a.name.ends_with(".css"));
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Taawun GraphQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
{}
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
{}
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    ReactDOM.createRoot(document.getElementById('graphiql'))
      .render(React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }}));
  </script>
</body>
</html>
"#,
        styles.into_iter().map(tag).collect::<Vec<_>>().join("\n"),
        scripts.into_iter().map(tag).collect::<Vec<_>>().join("\n"),
    )
}

/// `GET /graphiql/{name}`: one of the assets, cacheable for a year (the name changes with
/// the version).
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name.as_str()) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(a.bytes),
        None => HttpResponse::NotFound().content_type("text/plain").body("no such asset"),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha384};

    use super::*;

    #[test]
    fn integrity_hashes_match_the_assets() {
        for a in &ASSETS {
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(a.bytes));
            assert_eq!(a.integrity, format!("sha384-{digest}"), "{}", a.name);
        }
        let page = page();
        assert!(!page.contains("https://"), "the page loads nothing from elsewhere");
        assert_eq!(page.matches("integrity=").count(), ASSETS.len());
    }
}
