//! The driver's live viewer, `sse --url URL --seconds S --out FILE [--reconnect 1]`
//! (tests/scale/run): reads the seat map's server-sent events at URL for S seconds and writes
//! one line per message to FILE as it comes (`epoch_ms event id seat;seat`, `-` for none; the
//! seats are the `data-seat-id`s the message draws), plus `epoch_ms open STATUS` per
//! connection, `epoch_ms end` when the server ends a stream and `epoch_ms error …` when none
//! could be opened. With `--reconnect 1` it comes back after an ended stream as a browser
//! does (sooner: 300 ms), saying which message it saw last (`Last-Event-ID`).

use std::io::Write;
use std::time::{Duration, Instant};

use super::{Flags, epoch_ms, fail, runtime};

pub(super) fn sse(flags: &Flags) {
    let url = flags.get("url").to_owned();
    let seconds = flags.num("seconds", 10.0);
    let reconnect = flags.num("reconnect", 0.0) > 0.0;
    let mut out =
        std::fs::File::create(flags.get("out")).unwrap_or_else(|e| fail(&format!("sse out: {e}")));
    // No overall timeout: a stream lasts as long as it lasts.
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    runtime().block_on(async {
        let mut last_id: Option<String> = None;
        while Instant::now() < until {
            let mut req = http.get(&url).header("Accept", "text/event-stream");
            if let Some(id) = &last_id {
                req = req.header("Last-Event-ID", id);
            }
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, req.send()).await {
                Err(_) => return,
                Ok(Err(e)) => log(&mut out, &format!("error {e}")),
                Ok(Ok(mut res)) => {
                    log(&mut out, &format!("open {}", res.status().as_u16()));
                    let mut buf: Vec<u8> = Vec::new();
                    loop {
                        let left = until.saturating_duration_since(Instant::now());
                        match tokio::time::timeout(left, res.chunk()).await {
                            Err(_) => return,
                            Ok(Ok(Some(bytes))) => {
                                buf.extend_from_slice(&bytes);
                                while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                                    let message: Vec<u8> = buf.drain(..end + 2).collect();
                                    record(
                                        &mut out,
                                        &String::from_utf8_lossy(&message),
                                        &mut last_id,
                                    );
                                }
                            }
                            Ok(Ok(None) | Err(_)) => {
                                log(&mut out, "end");
                                break;
                            }
                        }
                    }
                }
            }
            if !reconnect {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
}

/// One line, written at once (the script reads the file while this runs).
fn log(out: &mut std::fs::File, line: &str) {
    let _ = writeln!(out, "{} {line}", epoch_ms());
}

/// One message: its event, its id and the seats it draws.
fn record(out: &mut std::fs::File, message: &str, last_id: &mut Option<String>) {
    let (mut event, mut id, mut seats) = ("message", "-", Vec::new());
    for line in message.lines() {
        if let Some(v) = line.strip_prefix("event: ") {
            event = v.trim();
        } else if let Some(v) = line.strip_prefix("id: ") {
            id = v.trim();
            *last_id = Some(id.to_owned());
        } else if line.starts_with(':') {
            event = "keepalive";
        } else if line.starts_with("retry:") {
            event = "retry";
        } else if line.starts_with("data: ") {
            for part in line.split("data-seat-id=\"").skip(1) {
                let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() && !seats.contains(&digits) {
                    seats.push(digits);
                }
            }
        }
    }
    let seats = if seats.is_empty() {
        "-".to_owned()
    } else {
        seats.join(";")
    };
    log(out, &format!("{event} {id} {seats}"));
}
