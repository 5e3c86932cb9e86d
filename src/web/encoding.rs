//! Pages whose big middle is compressed once and shared (issue 18): a page is a small personal
//! head and tail (the visitor's name, their CSRF token, their basket) around a large part drawn
//! for everyone (the seat map). The shared part is compressed once, as brotli and as deflate;
//! each answer compresses only its own head and tail and joins the three without decompressing
//! anything:
//! - brotli: every part is compressed "catable" (no static dictionary, byte-aligned, no
//!   reference before its own start) and `brotli::concat::BroCatli` joins them into one stream;
//! - gzip: every part is raw deflate ending on a byte boundary (a sync flush; only the tail
//!   ends the stream), wrapped in one gzip header and a trailer whose CRC-32 is combined from
//!   the parts' (`crc32fast::Hasher::combine`).
//!
//! Browsers and `curl --compressed` read both as one ordinary stream.

use std::io::Write;

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_ENCODING;
use brotli::concat::{BroCatli, BroCatliResult};

/// The window of every brotli part (the same for all, as joining needs).
const BROTLI_WINDOW: i32 = 22;
/// Quality of the shared part (compressed once) and of the per-answer head and tail.
const BROTLI_SHARED_QUALITY: i32 = 5;
const BROTLI_OWN_QUALITY: i32 = 4;
const DEFLATE_SHARED_LEVEL: u32 = 6;
const DEFLATE_OWN_LEVEL: u32 = 4;

/// What the client takes, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// From `Accept-Encoding` (a coding with `q=0` is refused).
    pub fn of(req: &HttpRequest) -> Encoding {
        let header = req
            .headers()
            .get(ACCEPT_ENCODING)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let accepts = |name: &str| {
            header.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let coding = parts.next().unwrap_or("");
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// A part as raw deflate ending on a byte boundary, with its CRC-32 and length.
#[derive(Clone)]
pub struct Deflated {
    bytes: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Deflated {
    /// `data` compressed; `last` ends the deflate stream (only the final part does).
    pub fn new(data: &[u8], level: u32, last: bool) -> Deflated {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level));
        // Writing to a Vec cannot fail.
        let bytes = if last {
            let _ = encoder.write_all(data);
            encoder.finish().unwrap_or_default()
        } else {
            let _ = encoder.write_all(data);
            // A sync flush: everything out, ending on a byte boundary, stream still open.
            let _ = encoder.flush();
            std::mem::take(encoder.get_mut())
        };
        let mut crc = crc32fast::Hasher::new();
        crc.update(data);
        Deflated {
            bytes,
            crc,
            len: data.len() as u64,
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// A part as a catable brotli stream.
pub fn brotli_part(data: &[u8], quality: i32) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: BROTLI_WINDOW,
        catable: true,
        appendable: true,
        use_dictionary: false,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    {
        let mut writer = brotli::CompressorWriter::with_params(&mut out, 16 * 1024, &params);
        // Writing to a Vec cannot fail.
        let _ = writer.write_all(data);
        let _ = writer.flush();
    }
    out
}

/// The shared part of a page, compressed once per encoding (each the first time it is asked
/// for).
#[derive(Default)]
pub struct Shared {
    brotli: std::sync::OnceLock<Vec<u8>>,
    deflate: std::sync::OnceLock<Deflated>,
}

impl Shared {
    pub fn brotli(&self, data: &str) -> &[u8] {
        self.brotli
            .get_or_init(|| brotli_part(data.as_bytes(), BROTLI_SHARED_QUALITY))
    }

    pub fn deflate(&self, data: &str) -> &Deflated {
        self.deflate
            .get_or_init(|| Deflated::new(data.as_bytes(), DEFLATE_SHARED_LEVEL, false))
    }
}

/// `head`, then the shared `middle` (`None`: drawn for this answer only), then `tail`, in
/// `encoding`.
pub fn join(
    encoding: Encoding,
    head: &str,
    middle: &str,
    shared: Option<&Shared>,
    tail: &str,
) -> Vec<u8> {
    match encoding {
        Encoding::Identity => [head, middle, tail].concat().into_bytes(),
        Encoding::Brotli => {
            let middle_text = middle;
            let own;
            let middle = match shared {
                Some(s) => s.brotli(middle),
                None => {
                    own = brotli_part(middle.as_bytes(), BROTLI_OWN_QUALITY);
                    &own
                }
            };
            let (head_text, tail_text) = (head, tail);
            let head = brotli_part(head_text.as_bytes(), BROTLI_OWN_QUALITY);
            let tail = brotli_part(tail_text.as_bytes(), BROTLI_OWN_QUALITY);
            brotli_join(&[&head, middle, &tail]).unwrap_or_else(|| {
                // Never expected (every part is made catable above); still an answer.
                tracing::warn!("joining brotli parts failed; compressing the page whole");
                let whole = [head_text, middle_text, tail_text].concat();
                brotli_part(whole.as_bytes(), BROTLI_OWN_QUALITY)
            })
        }
        Encoding::Gzip => {
            let own;
            let middle = match shared {
                Some(s) => s.deflate(middle),
                None => {
                    own = Deflated::new(middle.as_bytes(), DEFLATE_OWN_LEVEL, false);
                    &own
                }
            };
            let head = Deflated::new(head.as_bytes(), DEFLATE_OWN_LEVEL, false);
            let tail = Deflated::new(tail.as_bytes(), DEFLATE_OWN_LEVEL, true);
            gzip_join(&[&head, middle, &tail])
        }
    }
}

/// An HTML page of `head`, `middle` (shared, compressed once, when `shared` is given) and
/// `tail`, in the encoding `req` takes best.
pub fn html_page(
    req: &HttpRequest,
    head: &str,
    middle: &str,
    shared: Option<&Shared>,
    tail: &str,
) -> actix_web::HttpResponse {
    let encoding = Encoding::of(req);
    let mut answer = actix_web::HttpResponse::Ok();
    answer
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::VARY, "Accept-Encoding"));
    if let Some(coding) = encoding.header() {
        answer.insert_header((actix_web::http::header::CONTENT_ENCODING, coding));
    }
    answer.body(join(encoding, head, middle, shared, tail))
}

/// Raw deflate parts (all but the last sync-flushed, the last final) as one gzip member.
pub fn gzip_join(parts: &[&Deflated]) -> Vec<u8> {
    let size: usize = parts.iter().map(|p| p.bytes.len()).sum();
    let mut out = Vec::with_capacity(size + 18);
    // ID1 ID2, deflate, no flags, no time, no extra flags, unknown OS.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    for part in parts {
        out.extend_from_slice(&part.bytes);
        crc.combine(&part.crc);
        len += part.len;
    }
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE: the length modulo 2^32.
    out.extend_from_slice(&((len & 0xffff_ffff) as u32).to_le_bytes());
    out
}

/// Catable brotli streams joined into one; `None` if one was not made to be joined.
pub fn brotli_join(parts: &[&[u8]]) -> Option<Vec<u8>> {
    let size: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![0u8; size + 64];
    let mut written = 0;
    let mut cat = BroCatli::new();
    for part in parts {
        cat.new_brotli_file();
        let mut read = 0;
        loop {
            match cat.stream(part, &mut read, &mut out, &mut written) {
                BroCatliResult::NeedsMoreOutput => out.resize(out.len() * 2, 0),
                BroCatliResult::NeedsMoreInput | BroCatliResult::Success => break,
                _ => return None,
            }
        }
    }
    loop {
        match cat.finish(&mut out, &mut written) {
            BroCatliResult::Success => break,
            BroCatliResult::NeedsMoreOutput => out.resize(out.len() * 2, 0),
            _ => return None,
        }
    }
    out.truncate(written);
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> String {
        let mut out = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    fn unbrotli(bytes: &[u8]) -> String {
        let mut out = String::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    fn page() -> (String, String, String) {
        let head = "<html><head><title>Seats</title></head><body><nav>Ada</nav>".to_owned();
        let middle: String = (0..5_000)
            .map(|i| {
                format!(
                    r#"<circle id="s{i}" cx="{}" cy="{}" r="4" class="seat"/>"#,
                    i % 100,
                    i / 100
                )
            })
            .collect();
        let tail = "<aside>basket</aside></body></html>".to_owned();
        (head, middle, tail)
    }

    #[test]
    fn a_page_joined_from_a_shared_middle_reads_as_one_stream_in_every_encoding() {
        let (head, middle, tail) = page();
        let whole = [head.as_str(), &middle, &tail].concat();
        let shared = Shared::default();
        for round in 0..2 {
            let br = join(Encoding::Brotli, &head, &middle, Some(&shared), &tail);
            assert_eq!(unbrotli(&br), whole, "brotli, round {round}");
            let gz = join(Encoding::Gzip, &head, &middle, Some(&shared), &tail);
            assert_eq!(gunzip(&gz), whole, "gzip, round {round}");
            assert!(br.len() < whole.len() / 5 && gz.len() < whole.len() / 5);
        }
        // A different visitor's head and tail around the same compressed middle.
        let other = join(Encoding::Gzip, "<p>Bob</p>", &middle, Some(&shared), "");
        assert_eq!(gunzip(&other), format!("<p>Bob</p>{middle}"));
        let other = join(Encoding::Brotli, "", &middle, Some(&shared), "<p>Bob</p>");
        assert_eq!(unbrotli(&other), format!("{middle}<p>Bob</p>"));
        // Drawn for one answer only, and uncompressed.
        let own = join(Encoding::Brotli, &head, "<p>mine</p>", None, &tail);
        assert_eq!(unbrotli(&own), format!("{head}<p>mine</p>{tail}"));
        let own = join(Encoding::Gzip, &head, "<p>mine</p>", None, &tail);
        assert_eq!(gunzip(&own), format!("{head}<p>mine</p>{tail}"));
        let plain = join(Encoding::Identity, &head, &middle, Some(&shared), &tail);
        assert_eq!(plain, whole.as_bytes());
    }

    #[test]
    fn the_encoding_is_the_best_the_client_takes() {
        let with = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((ACCEPT_ENCODING, value))
                .to_http_request();
            Encoding::of(&req)
        };
        assert_eq!(with("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(with("gzip;q=1.0, br;q=0"), Encoding::Gzip);
        assert_eq!(with("deflate"), Encoding::Identity);
        assert_eq!(with(""), Encoding::Identity);
        let req = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(Encoding::of(&req), Encoding::Identity);
    }
}
