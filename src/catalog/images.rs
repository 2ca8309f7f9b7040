//! Uploaded product images: checked like registry documents (the bytes decide the type, the
//! file must be whole), decoded within limits, turned upright, and re-encoded as lossy WebP
//! at a few fixed widths. Only the renditions are kept — re-encoding also drops the photo's
//! metadata (a phone's GPS position among it). Files are content-addressed by the upload's
//! SHA-256 under `<data dir>/images/`, written to a temporary file and renamed, so a URL
//! always names the same bytes and can be cached for a year.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::kernel::cpu::CpuBound;
use crate::kernel::error::{AppError, ErrorCode};
use crate::msg;

/// The widths served: a phone list, a phone's full width, a desktop page.
pub const RENDITION_WIDTHS: [u32; 3] = [320, 640, 1280];
/// The most pixels an upload may decode to (a 48-megapixel phone photo is 8000 × 6000).
pub const MAX_PIXELS: u64 = 50_000_000;
/// WebP quality: small files with no visible loss on a product photo.
const QUALITY: f32 = 75.0;

/// Why an upload is not an image we keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageProblem {
    /// Not JPEG, PNG or WebP, whatever it claims.
    NotAnImage,
    /// The file is cut short (or has something after its end).
    NotWhole(&'static str),
    TooManyPixels {
        width: u32,
        height: u32,
    },
    /// The client said it was another type.
    Declared {
        declared: String,
        actual: &'static str,
    },
    /// The decoder refused it.
    Unreadable(String),
}

/// The type the bytes really are.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

fn mime(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        _ => "image/webp",
    }
}

/// Whether the file is whole: a PNG ends with its IEND chunk, a JPEG with its end marker, a
/// WebP is as long as its RIFF header says.
fn is_whole(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Png => bytes.ends_with(&[0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]),
        ImageFormat::Jpeg => bytes.ends_with(&[0xFF, 0xD9]),
        _ => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
            declared + 8 == bytes.len()
        }
    }
}

/// One WebP rendition, encoded.
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// An upload turned into what is kept.
pub struct ProcessedImage {
    /// SHA-256 of the upload, in hex: the renditions' folder.
    pub key: String,
    /// Smallest first; the last is the largest served.
    pub renditions: Vec<Rendition>,
}

/// The widths to render for an image `width` pixels wide: the fixed widths it reaches, and
/// its own width when it is narrower than the next (never enlarged).
pub fn widths_for(width: u32) -> Vec<u32> {
    let mut out: Vec<u32> = RENDITION_WIDTHS.iter().copied().filter(|w| *w <= width).collect();
    if width < RENDITION_WIDTHS[RENDITION_WIDTHS.len() - 1] && !out.contains(&width) {
        out.push(width);
    }
    out
}

fn height_for(width: u32, height: u32, target: u32) -> u32 {
    ((u64::from(height) * u64::from(target) + u64::from(width) / 2) / u64::from(width)).max(1) as u32
}

fn encode(image: &DynamicImage) -> Vec<u8> {
    if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        webp::Encoder::from_rgba(&rgba, rgba.width(), rgba.height()).encode(QUALITY).to_vec()
    } else {
        let rgb = image.to_rgb8();
        webp::Encoder::from_rgb(&rgb, rgb.width(), rgb.height()).encode(QUALITY).to_vec()
    }
}

/// Checks, decodes and renders an upload (CPU-bound: call it off the async threads).
pub fn process(bytes: &[u8], declared: Option<&str>) -> Result<ProcessedImage, ImageProblem> {
    let format = sniff(bytes).ok_or(ImageProblem::NotAnImage)?;
    if !is_whole(format, bytes) {
        return Err(ImageProblem::NotWhole(mime(format)));
    }
    // As for registry documents: a declared type that disagrees is refused.
    if let Some(declared) = declared {
        let base = declared.split(';').next().unwrap_or("").trim();
        if base != mime(format) && base != "application/octet-stream" {
            return Err(ImageProblem::Declared { declared: base.to_string(), actual: mime(format) });
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| ImageProblem::Unreadable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(ImageProblem::TooManyPixels { width, height });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| ImageProblem::Unreadable(e.to_string()))?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let widths = widths_for(width);
    // Resize the largest from the original, and each smaller one from the largest: one pass
    // over the big image however many renditions.
    let largest_width = *widths.last().unwrap_or(&width);
    let largest = if largest_width == width {
        image
    } else {
        image.resize_exact(
            largest_width,
            height_for(width, height, largest_width),
            image::imageops::FilterType::Triangle,
        )
    };
    let renditions = widths
        .iter()
        .map(|&w| {
            let h = height_for(width, height, w);
            let scaled = if w == largest.width() {
                encode(&largest)
            } else {
                encode(&largest.resize_exact(w, h, image::imageops::FilterType::CatmullRom))
            };
            Rendition { width: w, height: if w == largest.width() { largest.height() } else { h }, bytes: scaled }
        })
        .collect();
    let key = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(ProcessedImage { key, renditions })
}

/// What an upload needs: the limit, where files go and the public address they get.
#[derive(Debug, Clone)]
pub struct ImageSettings {
    pub max_bytes: usize,
    pub store: ImageStore,
    pub public_url: String,
}

/// One image is decoded at a time: a 50-megapixel photo takes about 200 MB while it is.
static PROCESSING: CpuBound = CpuBound::one_at_a_time();

/// Processes an upload on a blocking thread, one at a time; refusals are user errors.
pub async fn process_off_thread(bytes: Vec<u8>, declared: Option<String>) -> Result<ProcessedImage, AppError> {
    let outcome = PROCESSING.run(move || process(&bytes, declared.as_deref())).await.map_err(AppError::internal)?;
    outcome.map_err(|problem| {
        let message = match problem {
            ImageProblem::NotAnImage => msg!("must be a JPEG, PNG or WebP image"),
            ImageProblem::NotWhole(t) => msg!("is not a whole {t} file", t = t),
            ImageProblem::TooManyPixels { width, height } => msg!(
                "is {width} × {height} pixels; at most {max} megapixels",
                width = width,
                height = height,
                max = MAX_PIXELS / 1_000_000
            ),
            ImageProblem::Declared { declared, actual } => {
                msg!("is declared as {declared} but is a {t} file", declared = declared, t = actual)
            }
            ImageProblem::Unreadable(error) => msg!("cannot be read as an image: {error}", error = error),
        };
        AppError::user(ErrorCode::ImageRejected, &["input", "file"], message)
    })
}

/// Where renditions live: `<dir>/<key[..2]>/<key>/<width>.webp`.
#[derive(Debug, Clone)]
pub struct ImageStore {
    dir: PathBuf,
}

impl ImageStore {
    pub fn new(dir: &Path) -> ImageStore {
        ImageStore { dir: dir.to_path_buf() }
    }

    fn folder(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2.min(key.len())]).join(key)
    }

    /// The file of a rendition, when `key` and `file` are well formed (64 hex digits, and
    /// `<digits>.webp`): nothing else under the folder can be named.
    pub fn path_of(&self, key: &str, file: &str) -> Option<PathBuf> {
        let width = file.strip_suffix(".webp")?;
        let key_ok = key.len() == 64 && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let width_ok = !width.is_empty() && width.len() <= 5 && width.bytes().all(|b| b.is_ascii_digit());
        (key_ok && width_ok).then(|| self.folder(key).join(file))
    }

    /// Writes the renditions (once per content: the same upload twice writes nothing).
    pub fn save(&self, image: &ProcessedImage) -> std::io::Result<()> {
        let folder = self.folder(&image.key);
        std::fs::create_dir_all(&folder)?;
        for r in &image.renditions {
            let path = folder.join(format!("{}.webp", r.width));
            if path.exists() {
                continue;
            }
            let mut random = [0u8; 8];
            getrandom::getrandom(&mut random).map_err(std::io::Error::other)?;
            let tmp = folder.join(format!(".upload-{}", random.iter().map(|b| format!("{b:02x}")).collect::<String>()));
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            file.write_all(&r.bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img).write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn renders_the_fixed_widths_it_reaches_and_never_enlarges() {
        assert_eq!(widths_for(2000), vec![320, 640, 1280]);
        assert_eq!(widths_for(1280), vec![320, 640, 1280]);
        assert_eq!(widths_for(500), vec![320, 500]);
        assert_eq!(widths_for(200), vec![200]);
        let processed = process(&jpeg(1600, 1200), None).unwrap();
        let sizes: Vec<(u32, u32)> = processed.renditions.iter().map(|r| (r.width, r.height)).collect();
        assert_eq!(sizes, vec![(320, 240), (640, 480), (1280, 960)]);
        for r in &processed.renditions {
            assert_eq!(&r.bytes[..4], b"RIFF");
            let decoded = image::load_from_memory_with_format(&r.bytes, ImageFormat::WebP).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (r.width, r.height));
        }
    }

    #[test]
    fn refuses_what_is_not_a_whole_image() {
        assert_eq!(process(b"%PDF-1.7\n%%EOF", None).err(), Some(ImageProblem::NotAnImage));
        let mut cut = jpeg(64, 64);
        cut.truncate(cut.len() / 2);
        assert_eq!(process(&cut, None).err(), Some(ImageProblem::NotWhole("image/jpeg")));
        let store = ImageStore::new(Path::new("/tmp/x"));
        assert!(store.path_of("../../etc", "passwd").is_none());
        assert!(store.path_of(&"a".repeat(64), "../1.webp").is_none());
        assert!(store.path_of(&"a".repeat(64), "320.webp").is_some());
    }
}
