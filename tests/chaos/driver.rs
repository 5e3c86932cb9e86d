//! Driver of the fault-injection suite `tests/chaos/run` (run that script; it builds this with
//! `cargo bench --no-run --bench chaos` and calls the subcommands below while it breaks things).
//!
//! Subcommands (flags are `--name value`):
//! - `prepare --base URL --db URL --dir DIR --admin-email E --admin-password P --buyers N`:
//!   through the admin API, a venue of two seated sections (2 × 250 seats) with the event of the
//!   mixed load, and a venue of 50 seats with the event of the hot-seat fight, both published
//!   (with `--also a,b`, more events laid out as the mixed one, named so in `meta.json`);
//!   N buyers registered through the library (bcrypt cost 4) with an API token each. Writes
//!   `meta.json` (events, seat ids) and `buyers.csv` (buyer, user id, token) to DIR.
//! - `load --base URL --dir DIR --event mixed|hot --clients C --seconds S --acks FILE
//!   --label L [--pay 0.4] [--cancel 0.3] [--decline 0.05]`: C clients, each going round its own
//!   accounts: hold 1–3 random seats; then pay (payment over the API, the gateway's card page
//!   completed with the test card, then the booking polled until it is paid or refunded, at
//!   most 60 s), cancel, pay with the declined card, or let the hold run out. Every
//!   acknowledgement the app gave is appended to the acks file (CSV: kind, reference, value,
//!   flag) for the invariants: `hold,REF,SEAT_ID,` (201), `pay,REF,EXTERNAL_ID,IN_TIME` (the
//!   gateway answered `succeeded`; IN_TIME is 1 when that was before the hold's `expires_at`),
//!   `cancel,REF,,` (200). One `RESULT {json}` line on stdout with the figures. With
//!   `--times FILE`, one line per answer there too (see `Acks::time`).
//! - `probe --base URL --seconds S --out FILE`: `GET /readyz` every 100 ms (2 s timeout);
//!   one line per try: epoch ms, status (0 = no answer), latency ms.
//! - `smtp --port P --mode-file F --log FILE --seconds S`: a loopback SMTP server whose
//!   behaviour is read from F at each connection: `ok` (accepts), `hang` (accepts the
//!   connection, never says a word), `421` (greets with 421 and hangs up), `550` (refuses the
//!   recipient), `drop` (hangs up in the middle of DATA). Logs one line per accepted message
//!   (`epoch_ms accepted MESSAGE-ID`) and per refusal to FILE.
//! - `sse --url URL --seconds S --out FILE [--reconnect 1]`: a live viewer (`sse.rs`).
//!
//! The HTTP side runs on one thread (a current-thread runtime), as the holds bench does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a harness tool: it stops loudly when the run is not what it expected"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use boxoffice::clock::Clock;
use boxoffice::config::DatabaseUrl;
use boxoffice::db::Db;
use serde_json::{Value, json};

#[path = "sse.rs"]
mod sse;

const PASSWORD: &str = "a long enough password";
const GOOD_CARD: &str = "4242424242424242";
const DECLINED_CARD: &str = "4000000000000002";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = Flags::parse(args.get(1..).unwrap_or_default());
    match args.first().map(String::as_str) {
        Some("prepare") => prepare(&flags),
        Some("load") => load(&flags),
        Some("probe") => probe(&flags),
        Some("smtp") => smtp(&flags),
        Some("sse") => sse::sse(&flags),
        // `cargo bench` / `cargo test --benches` run this with no subcommand: nothing to do.
        _ => eprintln!(
            "chaos: the driver of tests/chaos/run; run that script \
             (subcommands: prepare, load, probe, smtp, sse)"
        ),
    }
}

// ----- small helpers -----

#[path = "../bench/flags.rs"]
mod flags;
use flags::Flags;

fn fail(message: &str) -> ! {
    eprintln!("chaos driver: {message}");
    std::process::exit(2)
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn client(connections: usize, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(timeout)
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()))
}

/// xorshift64*: enough randomness for picking seats and actions, and `Send`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// Sends a JSON request; `(status, body)`, status 0 when no answer came.
async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
    idempotency_key: Option<&str>,
) -> (u16, Value) {
    let mut req = client.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = idempotency_key {
        req = req.header("Idempotency-Key", k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
        Err(_) => (0, Value::Null),
    }
}

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

// ----- prepare -----

fn prepare(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let dir = PathBuf::from(flags.get("dir"));
    let buyers = flags.num("buyers", 500.0) as usize;
    let rt = runtime();
    let http = client(2, Duration::from_secs(60));
    let meta = rt.block_on(async {
        let (status, login) = call(
            &http,
            reqwest::Method::POST,
            format!("{base}/api/v1/login"),
            None,
            Some(json!({"email": flags.get("admin-email"), "password": flags.get("admin-password")})),
            None,
        )
        .await;
        if status != 200 {
            fail(&format!("admin login answered {status}: {login}"));
        }
        let admin = login["token"].as_str().unwrap_or_default().to_owned();
        let mut events = BTreeMap::new();
        let mixed = json!([
            {"name": "Stalls", "kind": "seated", "rows": 10, "seats_per_row": 25},
            {"name": "Circle", "kind": "seated", "rows": 10, "seats_per_row": 25}
        ]);
        let hot = json!([{"name": "Pit", "kind": "seated", "rows": 5, "seats_per_row": 10}]);
        // `--also a,b`: more events laid out as the mixed one (tests/scale/run's phases).
        let also = flags.opt("also").unwrap_or("");
        let named = also.split(',').filter(|n| !n.is_empty());
        let all = [("mixed", mixed.clone()), ("hot", hot)]
            .into_iter()
            .chain(named.map(|n| (n, mixed.clone())));
        for (name, sections) in all {
            let post = |path: &str, body: Value| {
                call(
                    &http,
                    reqwest::Method::POST,
                    format!("{base}{path}"),
                    Some(&admin),
                    Some(body),
                    None,
                )
            };
            let (status, venue) = post(
                "/api/v1/admin/venues",
                json!({"name": format!("Chaos {name} hall"), "city": "Bristol", "country": "gb",
                       "address": "1 Fault Lane", "timezone": "Europe/London",
                       "sections": sections}),
            )
            .await;
            if status != 201 {
                fail(&format!("creating a venue answered {status}: {venue}"));
            }
            let section_ids: Vec<i64> = venue["sections"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
                .unwrap_or_default();
            let tiers: serde_json::Map<String, Value> = section_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.to_string(), json!(i.min(1))))
                .collect();
            let starts = (chrono::Utc::now() + chrono::Duration::days(30))
                .format("%Y-%m-%dT20:00:00Z")
                .to_string();
            let (status, event) = post(
                "/api/v1/admin/events",
                json!({"title": format!("Chaos {name}"), "description": "Faults on purpose.",
                       "category": "concert", "venue_id": venue["id"], "starts_at": starts,
                       "currency": "EUR",
                       "tiers": [{"name": "Front", "price_cents": 1600},
                                 {"name": "Back", "price_cents": 900}],
                       "section_tiers": tiers, "max_tickets_per_order": 10}),
            )
            .await;
            if status != 201 {
                fail(&format!("creating an event answered {status}: {event}"));
            }
            let id = event["id"].as_i64().unwrap_or_default();
            let (status, published) = call(
                &http,
                reqwest::Method::PATCH,
                format!("{base}/api/v1/admin/events/{id}"),
                Some(&admin),
                Some(json!({"version": event["version"].as_i64().unwrap_or(1), "status": "published"})),
                None,
            )
            .await;
            if status != 200 {
                fail(&format!("publishing answered {status}: {published}"));
            }
            let (status, seats) = call(
                &http,
                reqwest::Method::GET,
                format!("{base}/api/v1/events/{id}/seats"),
                None,
                None,
                None,
            )
            .await;
            if status != 200 {
                fail(&format!("the seat list answered {status}"));
            }
            let seat_ids: Vec<i64> = seats["seats"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
                .unwrap_or_default();
            events.insert(name, json!({"id": id, "seats": seat_ids}));
        }
        json!({"events": events})
    });

    let db = {
        let url = DatabaseUrl::parse(flags.get("db")).unwrap_or_else(|e| fail(&e.to_string()));
        Db::connect(&url, 4).unwrap_or_else(|e| fail(&e.to_string()))
    };
    let now = Clock::System.now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut made: Vec<(usize, i64, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    use boxoffice::services::accounts::{self, Registration};
                    let mut made = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= buyers {
                            return made;
                        }
                        let registration = Registration::parse(
                            &format!("Chaos buyer {i}"),
                            &format!("chaos.buyer{i}@example.com"),
                            PASSWORD,
                        )
                        .unwrap_or_else(|_| fail("registration refused"));
                        let account = accounts::register(&db, &registration, 4, now)
                            .unwrap_or_else(|e| fail(&format!("register: {e}")));
                        let token = accounts::issue_token(&db, &account, now)
                            .unwrap_or_else(|e| fail(&format!("token: {e}")));
                        made.push((i, account.id.0, token.token));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|_| fail("a worker panicked")))
            .collect()
    });
    made.sort();
    let csv: String = made
        .iter()
        .map(|(i, id, token)| format!("{i},{id},{token}\n"))
        .collect();
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| fail(&format!("{name}: {e}")));
    };
    write("buyers.csv", &csv);
    write("meta.json", &meta.to_string());
    eprintln!("prepare: {buyers} buyers; events {}", meta["events"]);
}

// ----- the load -----

#[derive(Default)]
struct Figures {
    /// (operation, status) → count.
    answers: BTreeMap<String, u64>,
    /// Hold latencies in ms.
    hold_ms: Vec<u64>,
    /// Seconds from the gateway's `succeeded` to the booking seen paid.
    paid_lag_ms: Vec<u64>,
    outcomes: BTreeMap<String, u64>,
}

impl Figures {
    fn count(&mut self, what: &str, status: u16) {
        *self.answers.entry(format!("{what} {status}")).or_default() += 1;
    }

    fn outcome(&mut self, what: &str) {
        *self.outcomes.entry(what.to_owned()).or_default() += 1;
    }

    fn merge(&mut self, other: Figures) {
        for (k, v) in other.answers {
            *self.answers.entry(k).or_default() += v;
        }
        for (k, v) in other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        self.hold_ms.extend(other.hold_ms);
        self.paid_lag_ms.extend(other.paid_lag_ms);
    }
}

/// The acks file, and with `--times FILE` one line per answer (`epoch_ms op status
/// latency_ms seat;seat`, the seats of a hold answered 201): tests/scale/run times the holds
/// around an instance's SIGKILL and matches them to what live viewers received.
struct Acks(Mutex<std::fs::File>, Option<Mutex<std::fs::File>>);

impl Acks {
    fn write(&self, kind: &str, reference: &str, value: &str, flag: &str) {
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line, flushed at once: a SIGKILL of the app never loses an ack.
        let _ = writeln!(f, "{kind},{reference},{value},{flag}");
    }

    /// An answer to `op`, asked at `sent`.
    fn time(&self, op: &str, status: u16, sent: Instant, seats: &[i64]) {
        if let Some(times) = &self.1 {
            let seats: Vec<String> = seats.iter().map(i64::to_string).collect();
            let mut f = times.lock().unwrap_or_else(|e| e.into_inner());
            let ms = sent.elapsed().as_millis();
            let _ = writeln!(f, "{} {op} {status} {ms} {}", epoch_ms(), seats.join(";"));
        }
    }
}

fn read_buyers(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("buyers.csv"))
        .unwrap_or_else(|e| fail(&format!("buyers.csv: {e}")))
        .lines()
        .filter_map(|l| l.split(',').nth(2).map(str::to_owned))
        .collect()
}

fn load(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let dir = PathBuf::from(flags.get("dir"));
    let which = flags.get("event").to_owned();
    let clients = flags.num("clients", 16.0) as usize;
    let seconds = flags.num("seconds", 30.0);
    let p_pay = flags.num("pay", 0.4);
    let p_cancel = flags.num("cancel", 0.3);
    let p_decline = flags.num("decline", 0.05);
    let max_seats = flags.num("max-seats", 3.0) as usize;
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json"))
            .unwrap_or_else(|e| fail(&format!("meta.json: {e}"))),
    )
    .unwrap_or_else(|e| fail(&format!("meta.json: {e}")));
    let event = meta["events"][&which]["id"]
        .as_i64()
        .unwrap_or_else(|| fail("no such event in meta.json"));
    let seats: Arc<Vec<i64>> = Arc::new(
        meta["events"][&which]["seats"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
    );
    let tokens = read_buyers(&dir);
    if tokens.len() < clients {
        fail("fewer buyers than clients");
    }
    let per_client = tokens.len() / clients;
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); clients];
    for (i, t) in tokens.into_iter().take(per_client * clients).enumerate() {
        shares[i % clients].push(t);
    }
    let append = |path: &str| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|e| fail(&format!("{path}: {e}")))
    };
    let times = flags.opt("times").map(|t| Mutex::new(append(t)));
    let acks = Arc::new(Acks(Mutex::new(append(flags.get("acks"))), times));
    let http = client(clients, Duration::from_secs(20));
    let started = Instant::now();
    let figures = runtime().block_on(async {
        let until = started + Duration::from_secs_f64(seconds);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, share) in shares.into_iter().enumerate() {
            let (http, base, seats, acks) =
                (http.clone(), base.clone(), seats.clone(), acks.clone());
            tasks.spawn(async move {
                let mut rng =
                    Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
                let mut f = Figures::default();
                let mut n = 0usize;
                while Instant::now() < until {
                    let token = &share[n % share.len()];
                    n += 1;
                    let k = 1 + rng.below(max_seats);
                    let mut picked: Vec<i64> = Vec::new();
                    while picked.len() < k.min(seats.len()) {
                        let s = seats[rng.below(seats.len())];
                        if !picked.contains(&s) {
                            picked.push(s);
                        }
                    }
                    let sent = Instant::now();
                    let (status, booking) = call(
                        &http,
                        reqwest::Method::POST,
                        format!("{base}/api/v1/events/{event}/holds"),
                        Some(token),
                        Some(json!({"seat_ids": picked})),
                        None,
                    )
                    .await;
                    f.count("hold", status);
                    let held: &[i64] = if status == 201 { &picked } else { &[] };
                    acks.time("hold", status, sent, held);
                    if status != 201 {
                        if status == 0 || status >= 500 {
                            // The app is down or failing: do not spin.
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        continue;
                    }
                    f.hold_ms.push(sent.elapsed().as_millis() as u64);
                    let reference = booking["reference"].as_str().unwrap_or_default().to_owned();
                    for s in &picked {
                        acks.write("hold", &reference, &s.to_string(), "");
                    }
                    let expires = booking["expires_at"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc));
                    let roll = rng.below(1000) as f64 / 1000.0;
                    if roll < p_cancel {
                        let sent = Instant::now();
                        let (status, _) = call(
                            &http,
                            reqwest::Method::DELETE,
                            format!("{base}/api/v1/bookings/{reference}"),
                            Some(token),
                            None,
                            None,
                        )
                        .await;
                        f.count("cancel", status);
                        acks.time("cancel", status, sent, &[]);
                        if status == 200 {
                            acks.write("cancel", &reference, "", "");
                        }
                    } else if roll < p_cancel + p_pay + p_decline {
                        let declined = roll >= p_cancel + p_pay;
                        pay(
                            &http, &base, token, &reference, expires, declined, &acks, &mut f,
                            &mut rng,
                        )
                        .await;
                    }
                }
                f
            });
        }
        let mut all = Figures::default();
        while let Some(done) = tasks.join_next().await {
            all.merge(done.unwrap_or_else(|e| fail(&e.to_string())));
        }
        all
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut hold_ms = figures.hold_ms.clone();
    hold_ms.sort_unstable();
    let mut lag = figures.paid_lag_ms.clone();
    lag.sort_unstable();
    println!(
        "RESULT {}",
        json!({
            "label": flags.get("label"),
            "event": which,
            "clients": clients,
            "seconds": (elapsed * 10.0).round() / 10.0,
            "answers": figures.answers,
            "outcomes": figures.outcomes,
            "holds_ok": hold_ms.len(),
            "hold_p50_ms": percentile(&hold_ms, 0.5),
            "hold_p99_ms": percentile(&hold_ms, 0.99),
            "paid_seen": lag.len(),
            "paid_lag_p50_ms": percentile(&lag, 0.5),
            "paid_lag_p95_ms": percentile(&lag, 0.95),
            "paid_lag_max_ms": lag.last().copied().unwrap_or(0),
        })
    );
}

/// Opens a payment, completes it at the gateway's page, and for a good card polls the booking
/// until it is paid (or refunded), at most 60 s.
#[expect(
    clippy::too_many_arguments,
    reason = "one scenario step names every knob of the run"
)]
async fn pay(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    reference: &str,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    declined: bool,
    acks: &Acks,
    f: &mut Figures,
    rng: &mut Rng,
) {
    let key = format!("chaos-{reference}-{}", rng.below(1 << 30));
    let sent = Instant::now();
    let (status, payment) = call(
        http,
        reqwest::Method::POST,
        format!("{base}/api/v1/bookings/{reference}/payments"),
        Some(token),
        Some(json!({"method": "card"})),
        Some(&key),
    )
    .await;
    f.count("payment", status);
    acks.time("payment", status, sent, &[]);
    if status != 201 && status != 200 {
        return;
    }
    let external = payment["external_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let card = if declined { DECLINED_CARD } else { GOOD_CARD };
    let sent = Instant::now();
    let (status, done) = call(
        http,
        reqwest::Method::POST,
        format!("{base}/gateway/v1/payments/{external}/complete"),
        None,
        Some(json!({"card_number": card})),
        None,
    )
    .await;
    f.count("gateway", status);
    acks.time("gateway", status, sent, &[]);
    if status != 200 || done["status"] != "succeeded" {
        return;
    }
    let accepted = chrono::Utc::now();
    let in_time = expires.is_some_and(|e| accepted + chrono::Duration::seconds(1) < e);
    acks.write("pay", reference, &external, if in_time { "1" } else { "0" });
    let charged = Instant::now();
    while charged.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let sent = Instant::now();
        let (status, booking) = call(
            http,
            reqwest::Method::GET,
            format!("{base}/api/v1/bookings/{reference}"),
            Some(token),
            None,
            None,
        )
        .await;
        acks.time("booking", status, sent, &[]);
        if status != 200 {
            continue;
        }
        match booking["status"].as_str() {
            Some("paid") => {
                f.paid_lag_ms.push(charged.elapsed().as_millis() as u64);
                f.outcome("paid");
                return;
            }
            Some("refunded") => {
                f.outcome(if in_time {
                    "refunded although charged in time"
                } else {
                    "refunded (charged after expiry)"
                });
                return;
            }
            _ => {}
        }
    }
    f.outcome("not paid 60 s after the charge");
}

// ----- readiness probe -----

fn probe(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let seconds = flags.num("seconds", 60.0);
    let mut out = std::fs::File::create(flags.get("out"))
        .unwrap_or_else(|e| fail(&format!("probe out: {e}")));
    let http = client(1, Duration::from_secs(2));
    runtime().block_on(async {
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < seconds {
            let sent = Instant::now();
            let at = epoch_ms();
            let status = match http.get(format!("{base}/readyz")).send().await {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            let _ = writeln!(out, "{at} {status} {}", sent.elapsed().as_millis());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

// ----- fake SMTP server -----

fn smtp(flags: &Flags) {
    let port = flags.num("port", 2525.0) as u16;
    let seconds = flags.num("seconds", 600.0);
    let mode_file = PathBuf::from(flags.get("mode-file"));
    let log = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(flags.get("log"))
            .unwrap_or_else(|e| fail(&format!("smtp log: {e}"))),
    ));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| fail(&format!("smtp bind {port}: {e}")));
    // Bounded: the server ends on its own after `seconds`.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(seconds));
        std::process::exit(0);
    });
    for stream in listener.incoming().flatten() {
        let mode = std::fs::read_to_string(&mode_file)
            .unwrap_or_else(|_| "ok".into())
            .trim()
            .to_owned();
        let log = log.clone();
        std::thread::spawn(move || {
            let _ = converse(stream, &mode, &log);
        });
    }
}

fn log_line(log: &Mutex<std::fs::File>, line: &str) {
    let mut f = log.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(f, "{} {line}", epoch_ms());
}

fn converse(stream: TcpStream, mode: &str, log: &Mutex<std::fs::File>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    match mode {
        "hang" => {
            log_line(log, "hang connection");
            // Never a word; the connection stays open until the client gives up (or 120 s).
            let mut sink = String::new();
            while lines.read_line(&mut sink)? > 0 {
                sink.clear();
            }
            return Ok(());
        }
        "421" => {
            log_line(log, "421 connection");
            out.write_all(b"421 chaos.test Service not available, try later\r\n")?;
            return Ok(());
        }
        _ => {}
    }
    out.write_all(b"220 chaos.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            out.write_all(b"250-chaos.test\r\n250 8BITMIME\r\n")?;
        } else if upper.starts_with("HELO")
            || upper.starts_with("MAIL")
            || upper.starts_with("RSET")
        {
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT") {
            if mode == "550" {
                log_line(log, "550 refused");
                out.write_all(b"550 5.1.1 mailbox unavailable\r\n")?;
            } else {
                out.write_all(b"250 OK\r\n")?;
            }
        } else if upper.starts_with("DATA") {
            out.write_all(b"354 go ahead\r\n")?;
            let mut message_id = String::from("-");
            let mut n = 0;
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                n += 1;
                if mode == "drop" && n >= 3 {
                    log_line(log, "drop mid-DATA");
                    return Ok(()); // hang up in the middle of the message
                }
                let l = line.trim_end();
                if message_id == "-" && l.to_ascii_lowercase().starts_with("message-id:") {
                    message_id = l[11..].trim().to_owned();
                }
                if l == "." {
                    break;
                }
            }
            out.write_all(b"250 2.0.0 queued\r\n")?;
            log_line(log, &format!("accepted {message_id}"));
        } else if upper.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"250 OK\r\n")?;
        }
    }
}
