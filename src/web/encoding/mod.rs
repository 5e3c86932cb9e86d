//! Pages whose big middle is compressed once and shared (issue 18): a page is a small personal
//! head and tail (the visitor's name, their CSRF token, their basket) around a large part drawn
//! for everyone (the seat map), kept in parts so that a change compresses again only the parts
//! it touched. Every shared part is compressed once, as brotli and as deflate; each answer
//! compresses only its own pieces and joins them all without decompressing anything:
//! - brotli: every part is compressed "catable" (no static dictionary, byte-aligned, no
//!   reference before its own start) and `brotli::concat::BroCatli` joins them into one stream;
//! - gzip: every part is raw deflate ending on a byte boundary (a sync flush; only the last
//!   piece, or an empty block after it, ends the stream), wrapped in one gzip header and a
//!   trailer whose CRC-32 is combined from the parts' (`crc32fast::Hasher::combine`).
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

/// A part of a page drawn for everyone, with its compressions (each made the first time a
/// visitor needs it, then kept as long as the part).
pub struct Shared {
    text: String,
    brotli: std::sync::OnceLock<Vec<u8>>,
    deflate: std::sync::OnceLock<Deflated>,
}

impl Shared {
    pub fn new(text: String) -> Shared {
        Shared {
            text,
            brotli: std::sync::OnceLock::new(),
            deflate: std::sync::OnceLock::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn brotli(&self) -> &[u8] {
        self.brotli
            .get_or_init(|| brotli_part(self.text.as_bytes(), BROTLI_SHARED_QUALITY))
    }

    pub fn deflate(&self) -> &Deflated {
        self.deflate
            .get_or_init(|| Deflated::new(self.text.as_bytes(), DEFLATE_SHARED_LEVEL, false))
    }
}

/// One piece of an answer: drawn for this answer only, or shared (compressed once).
#[derive(Clone, Copy)]
pub enum Piece<'a> {
    Own(&'a str),
    Shared(&'a Shared),
}

impl<'a> Piece<'a> {
    fn text(&self) -> &'a str {
        match self {
            Piece::Own(text) => text,
            Piece::Shared(shared) => shared.text(),
        }
    }
}

/// The pieces one after the other, in `encoding`: only the answer's own pieces are
/// compressed here.
pub fn join(encoding: Encoding, pieces: &[Piece]) -> Vec<u8> {
    match encoding {
        Encoding::Identity => pieces
            .iter()
            .map(Piece::text)
            .collect::<String>()
            .into_bytes(),
        Encoding::Brotli => {
            let own: Vec<Option<Vec<u8>>> = pieces
                .iter()
                .map(|p| match p {
                    Piece::Own(text) => Some(brotli_part(text.as_bytes(), BROTLI_OWN_QUALITY)),
                    Piece::Shared(_) => None,
                })
                .collect();
            let parts: Vec<&[u8]> = pieces
                .iter()
                .zip(&own)
                .map(|(p, own)| match (p, own) {
                    (Piece::Shared(shared), _) => shared.brotli(),
                    (Piece::Own(_), own) => own.as_deref().unwrap_or_default(),
                })
                .collect();
            brotli_join(&parts).unwrap_or_else(|| {
                // Never expected (every part is made catable above); still an answer.
                tracing::warn!("joining brotli parts failed; compressing the page whole");
                let whole: String = pieces.iter().map(Piece::text).collect();
                brotli_part(whole.as_bytes(), BROTLI_OWN_QUALITY)
            })
        }
        Encoding::Gzip => {
            let last = pieces.len().saturating_sub(1);
            let own: Vec<Option<Deflated>> = pieces
                .iter()
                .enumerate()
                .map(|(i, p)| match p {
                    Piece::Own(text) => {
                        Some(Deflated::new(text.as_bytes(), DEFLATE_OWN_LEVEL, i == last))
                    }
                    Piece::Shared(_) => None,
                })
                .collect();
            // A shared piece never ends the stream: an empty final block does.
            let end = match pieces.last() {
                Some(Piece::Own(_)) => None,
                _ => Some(Deflated::new(b"", DEFLATE_OWN_LEVEL, true)),
            };
            let mut parts: Vec<&Deflated> = pieces
                .iter()
                .zip(&own)
                .filter_map(|(p, own)| match p {
                    Piece::Shared(shared) => Some(shared.deflate()),
                    Piece::Own(_) => own.as_ref(),
                })
                .collect();
            parts.extend(end.as_ref());
            gzip_join(&parts)
        }
    }
}

/// An HTML page of `pieces`, in the encoding `req` takes best.
pub fn html_page(req: &HttpRequest, pieces: &[Piece]) -> actix_web::HttpResponse {
    let encoding = Encoding::of(req);
    let mut answer = actix_web::HttpResponse::Ok();
    answer
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::VARY, "Accept-Encoding"));
    if let Some(coding) = encoding.header() {
        answer.insert_header((actix_web::http::header::CONTENT_ENCODING, coding));
    }
    answer.body(join(encoding, pieces))
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
mod tests;
