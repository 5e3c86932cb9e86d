//! A real SMTP server on loopback for email tests (mailin-embedded, MIT/Apache), with scripted
//! answers so tests can make it refuse for a while, or for good.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, Server};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.raw, name)
    }

    /// The text/plain part, decoded.
    pub fn text(&self) -> String {
        part(&self.raw, "text/plain")
    }

    pub fn html(&self) -> String {
        part(&self.raw, "text/html")
    }
}

/// How the server answers `RCPT TO`.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Answer 451 to this many RCPT commands first.
    pub temporary_failures: usize,
    /// Recipients that get 550 every time.
    pub rejected: Vec<String>,
}

#[derive(Default)]
struct Shared {
    inbox: Vec<Received>,
    script: Script,
}

#[derive(Clone)]
struct Recorder {
    shared: Arc<Mutex<Shared>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        let mut shared = self.shared.lock().unwrap();
        if shared.script.rejected.iter().any(|r| r == to) {
            return Response::custom(550, "5.1.1 No such mailbox here".to_owned());
        }
        if shared.script.temporary_failures > 0 {
            shared.script.temporary_failures -= 1;
            return Response::custom(451, "4.3.0 Greylisted, try again later".to_owned());
        }
        mailin_embedded::response::OK
    }

    fn data_start(&mut self, _: &str, _: &str, _: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = String::from_utf8_lossy(&self.data).into_owned();
        self.shared.lock().unwrap().inbox.push(Received {
            to: std::mem::take(&mut self.to),
            raw,
        });
        mailin_embedded::response::OK
    }

    fn helo(&mut self, _: IpAddr, _: &str) -> Response {
        mailin_embedded::response::OK
    }
}

/// A running server. It lives until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub fn start(script: Script) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        Self::start_on(listener, script)
    }

    /// Starts on a port chosen earlier with [`free_port`] (the "server comes back" case).
    pub fn start_on_port(port: u16, script: Script) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the reserved port");
        Self::start_on(listener, script)
    }

    fn start_on(listener: TcpListener, script: Script) -> SmtpServer {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared {
            inbox: Vec::new(),
            script,
        }));
        let mut server = Server::new(Recorder {
            shared: shared.clone(),
            to: Vec::new(),
            data: Vec::new(),
        });
        server
            .with_name("smtp.test")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, shared }
    }

    /// `BOXOFFICE_SMTP_URL` for this server (no TLS on loopback).
    pub fn url(&self) -> String {
        smtp_url(self.port)
    }

    /// Changes how the server answers from now on.
    pub fn set_script(&self, script: Script) {
        self.shared.lock().unwrap().script = script;
    }

    pub fn inbox(&self) -> Vec<Received> {
        self.shared.lock().unwrap().inbox.clone()
    }
}

pub fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}?tls=none")
}

/// A loopback port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A header's value from a raw message (first occurrence, continuation lines unfolded).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_owned());
        }
    }
    value
}

/// The body of the first MIME part of `content_type`, decoded from quoted-printable or base64
/// (lettre picks the encoding).
pub fn part(raw: &str, content_type: &str) -> String {
    let normalized = raw.replace("\r\n", "\n");
    let start = normalized
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or_else(|| panic!("no {content_type} part in:\n{raw}"));
    let rest = &normalized[start..];
    let (headers, body) = rest.split_once("\n\n").expect("part headers end");
    let body = body.split("\n--").next().unwrap_or(body);
    let encoding = headers
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "quoted-printable" => decode_qp(body),
        "base64" => decode_base64(&body.split_whitespace().collect::<String>()),
        _ => body.to_owned(),
    }
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(b) = joined
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_base64(s: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        buffer = (buffer << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first link in `text` that contains `path`, as a path and query on the app.
pub fn link_path(text: &str, path: &str) -> String {
    let start = text
        .find("http")
        .and_then(|_| {
            text.match_indices("http").map(|(i, _)| i).find(|i| {
                text[*i..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .contains(path)
            })
        })
        .unwrap_or_else(|| panic!("no link to {path} in:\n{text}"));
    let link = text[start..].split_whitespace().next().unwrap();
    let url = url::Url::parse(link).expect("an absolute link");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}
