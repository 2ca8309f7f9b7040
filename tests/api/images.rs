//! Uploaded product images: a GraphQL multipart upload by the product's manager, checked like
//! registry documents, kept as WebP renditions served with long cache lifetimes.

use std::io::Cursor;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};

const PRODUCT: &str = "huile-argan-alimentaire-tighanimine";
const MEDIA: &str = r#"query($s: String) { product(slug: $s) { media(first: 30) { totalCount nodes { id url width height
    small: url(maxWidth: 300) renditions { width height url } } } } }"#;

/// A photo-like JPEG: smooth gradients with some texture.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = ((x * 7919 + y * 104_729) % 23) as u8;
        image::Rgb([(x * 255 / width) as u8 ^ noise, (y * 255 / height) as u8, 120u8.wrapping_add(noise)])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A PNG whose header claims 20000 × 20000 pixels, in a few hundred bytes.
fn pixel_bomb() -> Vec<u8> {
    let img = image::GrayImage::new(1, 1);
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(img).write_to(&mut out, image::ImageFormat::Png).unwrap();
    let mut bytes = out.into_inner();
    // IHDR's width and height (bytes 16..24); its CRC is then wrong, which the size check
    // must not wait for.
    bytes[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    bytes
}

/// The GraphQL multipart request spec, by hand.
pub async fn upload(app: &TestApp, token: Option<&str>, product: &str, bytes: &[u8], mime: &str) -> Value {
    let boundary = "----taawun-image-boundary";
    let operations = json!({
        "query": "mutation($i: ProductImageUploadInput!) { productImageUpload(input: $i) { media { id url width height renditions { width height url } alt { text } } userErrors { field message code } } }",
        "variables": { "i": { "productId": product, "file": null, "alt": [{ "locale": "FR", "text": "Flacon d'huile d'argan" }] } }
    });
    let mut body = Vec::new();
    for (name, value) in
        [("operations", operations.to_string()), ("map", json!({ "0": ["variables.i.file"] }).to_string())]
    {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"photo\"\r\nContent-Type: {mime}\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn a_manager_uploads_an_image_served_as_small_webp(app: TestApp) {
    let manager = app.login_as("manager").await;
    let product = app.product_id(PRODUCT).await;
    let before =
        app.gql(MEDIA, json!({ "s": PRODUCT })).await["data"]["product"]["media"]["totalCount"].as_i64().unwrap();

    let photo = jpeg(2400, 1800);
    assert!(photo.len() > 100_000, "a phone-sized upload: {} bytes", photo.len());
    let body = upload(&app, Some(&manager), &product, &photo, "image/jpeg").await;
    let media = ok_payload(&body, "productImageUpload")["media"].clone();
    assert_eq!((media["width"].as_i64(), media["height"].as_i64()), (Some(1280), Some(960)));
    let sizes: Vec<(i64, i64)> = media["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["width"].as_i64().unwrap(), r["height"].as_i64().unwrap()))
        .collect();
    assert_eq!(sizes, vec![(320, 240), (640, 480), (1280, 960)]);
    assert_eq!(media["alt"]["text"], "Flacon d'huile d'argan");

    // The product page lists it last, and a phone asks for the 320-pixel file.
    let page = app.gql(MEDIA, json!({ "s": PRODUCT })).await;
    let listed = &page["data"]["product"]["media"];
    assert_eq!(listed["totalCount"].as_i64().unwrap(), before + 1);
    let last = listed["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["id"], media["id"]);
    let small = last["small"].as_str().unwrap().to_string();
    assert!(small.ends_with("/320.webp"), "{small}");

    // Served by the server: WebP, the right size, small, cacheable for a year.
    let path = small.split_once("/images/").map(|(_, p)| format!("/images/{p}")).unwrap();
    let response = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/webp");
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.len() < 20_000, "the phone's download: {} bytes", bytes.len());
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    let again = app.client.get(app.url(&path)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    for bad in ["/images/../../etc/passwd", "/images/abc/320.webp", &path.replace("320.webp", "321.webp")] {
        let status = app.client.get(app.url(bad)).send().await.unwrap().status();
        assert_eq!(status, 404, "{bad}");
    }

    // A later product update that keeps the image (by URL) keeps its renditions.
    let nodes = listed["nodes"].as_array().unwrap();
    let keep: Vec<Value> = nodes.iter().map(|m| json!({ "url": m["url"] })).collect();
    let update = "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }";
    ok_payload(&app.gql_as(&manager, update, json!({ "i": { "id": product, "media": keep } })).await, "productUpdate");
    let page = app.gql(MEDIA, json!({ "s": PRODUCT })).await;
    let kept = page["data"]["product"]["media"]["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(kept["renditions"].as_array().unwrap().len(), 3, "{kept}");
}
crate::on_both_backends!(a_manager_uploads_an_image_served_as_small_webp);

async fn bad_uploads_change_nothing(app: TestApp) {
    let manager = app.login_as("manager").await;
    let product = app.product_id(PRODUCT).await;
    let count = || async {
        app.gql(MEDIA, json!({ "s": PRODUCT })).await["data"]["product"]["media"]["totalCount"].as_i64().unwrap()
    };
    let before = count().await;
    let photo = jpeg(400, 300);
    let mut cut = photo.clone();
    cut.truncate(photo.len() / 2);
    let cases: Vec<(Option<&str>, Vec<u8>, &str, &str)> = vec![
        (Some(&manager), b"%PDF-1.7\n%%EOF\n".to_vec(), "image/jpeg", "IMAGE_REJECTED"),
        (Some(&manager), cut, "image/jpeg", "IMAGE_REJECTED"),
        (Some(&manager), photo.clone(), "image/png", "IMAGE_REJECTED"),
        (Some(&manager), pixel_bomb(), "image/png", "IMAGE_REJECTED"),
        (Some(&manager), b"<svg onload=alert(1)>".to_vec(), "image/svg+xml", "IMAGE_REJECTED"),
        (None, photo.clone(), "image/jpeg", "UNAUTHENTICATED"),
    ];
    for (token, bytes, mime, code) in cases {
        let body = upload(&app, token, &product, &bytes, mime).await;
        assert_eq!(error_codes(&body, "productImageUpload"), vec![code], "{body}");
    }
    let other = app.login_as("other_manager").await;
    let body = upload(&app, Some(&other), &product, &photo, "image/jpeg").await;
    assert_eq!(error_codes(&body, "productImageUpload"), vec!["FORBIDDEN"]);
    let customer = app.login_as("customer").await;
    let body = upload(&app, Some(&customer), &product, &photo, "image/jpeg").await;
    assert_eq!(error_codes(&body, "productImageUpload"), vec!["FORBIDDEN"]);
    assert_eq!(count().await, before, "nothing was added");

    // Over the byte limit (here 64 KiB).
    let big = jpeg(1500, 1500);
    assert!(big.len() > 64 * 1024);
    let body = upload(&app, Some(&manager), &product, &big, "image/jpeg").await;
    assert_eq!(error_codes(&body, "productImageUpload"), vec!["IMAGE_REJECTED"], "{body}");

    // A small image is never enlarged: one rendition at its own width.
    let body = upload(&app, Some(&manager), &product, &jpeg(200, 100), "application/octet-stream").await;
    let media = &ok_payload(&body, "productImageUpload")["media"];
    assert_eq!(media["renditions"], json!([{ "width": 200, "height": 100, "url": media["url"] }]));
}
crate::on_both_backends!(bad_uploads_change_nothing, crate::helpers::Options::with(|c| c.max_image_bytes = 64 * 1024));
