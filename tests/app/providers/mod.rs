//! The payment providers through their interface (issue 23), without the app's bookings: each
//! provider opens, takes, refunds and notifies on its own here.

mod lotuspay;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use boxoffice::worker::Worker;

use crate::helpers::TestApp;

/// A merchant server on loopback that answers provider notifications from a script (the last
/// answer repeats) and keeps every request body it received.
pub struct Merchant {
    /// Its "SimPay webhook URL" (`…/api/v1/webhooks/gateway`): LotusPay posts beside it.
    pub url: url::Url,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

impl Merchant {
    pub fn start(answers: &[(u16, &str)]) -> Merchant {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!(
            "http://{}/api/v1/webhooks/gateway",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (log, script): (_, Vec<(u16, String)>) = (
            received.clone(),
            answers.iter().map(|(s, b)| (*s, (*b).to_owned())).collect(),
        );
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let (path, body) = read_request(&mut stream);
                log.lock().unwrap().push((path, body));
                let (status, answer) = &script[n.min(script.len() - 1)];
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Merchant { url, received }
    }

    /// Answers `{"RspCode":"00"}` to everything.
    pub fn acknowledging() -> Merchant {
        Merchant::start(&[(200, r#"{"RspCode":"00","Message":"Confirm Success"}"#)])
    }

    /// (path, body) of every request so far.
    pub fn received(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }

    /// The app's worker, with its notifications sent here.
    pub fn worker(&self, app: &TestApp) -> Worker {
        let mut settings = app.settings.clone();
        settings.gateway_webhook_url = self.url.clone();
        Worker::from_settings(
            app.db.clone(),
            app.clock.clone(),
            &settings,
            app.live.clone(),
            &app.secret,
        )
        .unwrap()
    }

    /// Runs that worker until idle.
    pub fn run_worker(&self, app: &TestApp) -> boxoffice::worker::Pass {
        self.worker(app).run_until_idle().unwrap()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> (String, String) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap_or(0);
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap_or(());
    (path, String::from_utf8_lossy(&body).into_owned())
}
