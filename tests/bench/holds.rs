//! Load generator of `tests/bench/holds.sh` (run that script; it builds this with
//! `cargo bench --no-run --bench holds` and calls the subcommands below on fresh databases
//! against a release server on loopback).
//!
//! Subcommands (flags are `--name value`):
//! - `prepare --base URL --db URL --out DIR [--order seats|spread]`: on a freshly seeded
//!   database, lists the arena's on-sale events, writes their free seats as disjoint pairs
//!   (`pairs.csv`: n, event, buyer, seat, seat), registers and logs in enough buyers through the
//!   library (`buyers.csv`: buyer, user id, token) and writes `meta.json` (the map event and the
//!   50 hot seats). Pairs come in seat order (neighbours, section after section), or with
//!   `spread` in a fixed shuffle, so that buyers at the same moment are in different sections.
//! - `holds --base URL --dir DIR --concurrency C --seconds S --warmup S`: C buyers at once, each
//!   taking the next pair and the next buyer, `POST /api/v1/events/{id}/holds`.
//! - `direct --db URL --dir DIR --concurrency C --seconds S`: the same holds through the library
//!   (`services::holds::hold`) on C threads, no HTTP: the baseline for SQLite.
//! - `hot --base URL --dir DIR --buyers 64 --seconds S`: 64 clients at once fight over 50 seats;
//!   a winner cancels at once (untimed) and tries again. Each client goes round its own share of
//!   the accounts, so none passes the app's per-account hold limit.
//! - `standing --base URL --dir DIR --concurrency C --seconds S --warmup S`: C buyers at once,
//!   each holding one place of the standing area `prepare` chose (its capacity raised so the run
//!   never sells out), each request the next buyer.
//! - `leftovers --db URL --dir DIR --count N`: what a crashed sweeper leaves behind: N pending
//!   bookings whose hold ran out an hour ago, with their items: four in five hold a seat pair
//!   (every k-th pair, k = pairs / their number, at most 5: spread over the arena events,
//!   the held ones included), one in five a place of the standing area. `holds` and
//!   `standing` given the same `--leftovers N` leave those pairs and buyers alone.
//! - `map --base URL --db URL --dir DIR --seconds S`: the arena's full seat map page
//!   (`/events/{id}/seats?section=all`): size by encoding, latency, maps/s at 1, 2 and 4
//!   clients, next to the raw seat query (`db::seatmap::seats_of`) run in this process (and,
//!   for the record, the seat-states query the map runs now that it keeps layouts in memory).
//!
//! Every result is one line `RESULT {json}` on stdout; progress goes to stderr. The client side
//! runs on one thread (a current-thread runtime) so it takes at most one of the machine's cores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a harness tool: it stops loudly when the run is not what it expected"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boxoffice::clock::Clock;
use boxoffice::config::DatabaseUrl;
use boxoffice::db::Db;
use boxoffice::domain::ids::{EventId, SeatId, UserId};
use boxoffice::domain::venue::SeatStatus;
use serde_json::{Value, json};

const ARENA: &str = "Thamesgate Arena";
const HOT_SEATS: usize = 50;
const PASSWORD: &str = "a long enough password";
/// What browsers send; actix answers with brotli.
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = Flags::parse(args.get(1..).unwrap_or_default());
    match args.first().map(String::as_str) {
        Some("prepare") => prepare(&flags),
        Some("holds") => holds(&flags),
        Some("direct") => direct(&flags),
        Some("hot") => hot(&flags),
        Some("standing") => standing(&flags),
        Some("leftovers") => leftovers(&flags),
        Some("map") => map(&flags),
        // `cargo bench` / `cargo test --benches` run this with no subcommand: nothing to do.
        _ => eprintln!(
            "holds: the load generator of tests/bench/holds.sh; run that script \
             (subcommands: prepare, holds, direct, hot, standing, leftovers, map)"
        ),
    }
}

// ----- small helpers -----

impl Flags {
    fn dir(&self) -> PathBuf {
        PathBuf::from(self.get("dir"))
    }
}

#[path = "flags.rs"]
mod flags;
use flags::Flags;

fn fail(message: &str) -> ! {
    eprintln!("holds bench: {message}");
    std::process::exit(2)
}

fn connect(url: &str, pool: u32) -> Db {
    let url = DatabaseUrl::parse(url).unwrap_or_else(|e| fail(&e.to_string()));
    Db::connect(&url, pool).unwrap_or_else(|e| fail(&e.to_string()))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn result(value: Value) {
    println!("RESULT {value}");
}

/// Latencies in microseconds; nearest-rank percentiles in milliseconds.
fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A pair of free seats of one event, and which buyer takes it.
#[derive(Clone, Copy)]
struct Pair {
    event: i64,
    buyer: usize,
    seats: [i64; 2],
}

struct Buyer {
    user_id: i64,
    token: String,
}

fn read_lines(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn read_pairs(dir: &Path) -> Vec<Pair> {
    read_lines(&dir.join("pairs.csv"))
        .iter()
        .map(|f| {
            let n = |i: usize| -> i64 { f[i].parse().unwrap_or_else(|_| fail("bad pairs.csv")) };
            Pair {
                event: n(1),
                buyer: n(2) as usize,
                seats: [n(3), n(4)],
            }
        })
        .collect()
}

fn read_buyers(dir: &Path) -> Vec<Buyer> {
    read_lines(&dir.join("buyers.csv"))
        .into_iter()
        .map(|f| Buyer {
            user_id: f[1].parse().unwrap_or_else(|_| fail("bad buyers.csv")),
            token: f[2].clone(),
        })
        .collect()
}

fn read_meta(dir: &Path) -> Value {
    let raw = std::fs::read_to_string(dir.join("meta.json"))
        .unwrap_or_else(|e| fail(&format!("meta.json: {e}")));
    serde_json::from_str(&raw).unwrap_or_else(|e| fail(&format!("meta.json: {e}")))
}

// ----- prepare -----

fn prepare(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let out = PathBuf::from(flags.get("out"));
    let db = connect(flags.get("db"), 8);
    let now = Clock::System.now();

    let list: Value = runtime().block_on(async {
        client(1)
            .get(format!("{base}/api/v1/events?per_page=50"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| fail(&e.to_string()))
            .json()
            .await
            .unwrap_or_else(|e| fail(&e.to_string()))
    });
    let items = list["items"].as_array().cloned().unwrap_or_default();
    if list["total"].as_u64().unwrap_or(0) as usize > items.len() {
        fail("more events than one page of 50");
    }
    let mut events: Vec<(i64, i64)> = items
        .iter()
        .filter(|e| e["venue"]["name"] == ARENA)
        .filter(|e| matches!(e["sale_state"].as_str(), Some("on_sale" | "few_left")))
        .filter_map(|e| Some((e["id"].as_i64()?, e["available"].as_i64()?)))
        .collect();
    // Most free seats first: the first event is the map's and the hot seats'.
    events.sort_by_key(|&(id, available)| (-available, id));
    if events.is_empty() {
        fail("no on-sale arena event: is the demo seeded?");
    }

    let mut pairs: Vec<(i64, usize, i64, i64)> = Vec::new();
    let mut buyers_needed = 64usize;
    let mut hot_seats = Vec::new();
    let mut arena_seats = 0usize;
    for (i, &(event, _)) in events.iter().enumerate() {
        let mut conn = db.conn().unwrap_or_else(|e| fail(&e.to_string()));
        let seats = boxoffice::db::seatmap::seats_of(&mut conn, EventId(event), None, None)
            .unwrap_or_else(|e| fail(&e.to_string()));
        let free: Vec<i64> = seats
            .iter()
            .filter(|s| s.status == SeatStatus::Available && s.held_until.is_none())
            .map(|s| s.seat_id.0)
            .collect();
        if i == 0 {
            arena_seats = seats.len();
            hot_seats = free.iter().take(HOT_SEATS).copied().collect();
        }
        for (buyer, pair) in free.chunks_exact(2).enumerate() {
            pairs.push((event, buyer, pair[0], pair[1]));
            buyers_needed = buyers_needed.max(buyer + 1);
        }
    }
    let n = pairs.len();
    let order: Vec<usize> = match flags.opt("order") {
        None | Some("seats") => (0..n).collect(),
        // A stride prime to n visits every pair once, consecutive ones far apart.
        Some("spread") => {
            let stride = [997, 991, 983]
                .into_iter()
                .find(|p| !n.is_multiple_of(*p))
                .unwrap_or(1);
            (0..n).map(|i| i * stride % n).collect()
        }
        Some(other) => fail(&format!("--order {other}: expected seats or spread")),
    };
    let pairs: String = order
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            let (event, buyer, a, b) = pairs[j];
            format!("{i},{event},{buyer},{a},{b}\n")
        })
        .collect();
    eprintln!(
        "prepare: {n} seat pairs over arena events {:?}; registering {buyers_needed} buyers",
        events.iter().map(|e| e.0).collect::<Vec<_>>()
    );

    // Registration hashes a password (cost 4) and writes twice: spread it over a few threads.
    let next = AtomicUsize::new(0);
    let mut buyers: Vec<(usize, i64, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    use boxoffice::services::accounts::{self, Registration};
                    let mut made = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= buyers_needed {
                            return made;
                        }
                        let registration = Registration::parse(
                            &format!("Bench buyer {i}"),
                            &format!("bench.buyer{i}@example.com"),
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
    buyers.sort();
    let buyers_csv: String = buyers
        .iter()
        .map(|(i, id, token)| format!("{i},{id},{token}\n"))
        .collect();

    let standing = standing_area(&base, &items, &db, now);

    let meta = json!({
        "standing": standing,
        "events": events.iter().map(|e| e.0).collect::<Vec<_>>(),
        "map_event": events[0].0,
        "map_seats": arena_seats,
        "hot_event": events[0].0,
        "hot_seats": hot_seats,
        "pairs": n,
        "order": flags.opt("order").unwrap_or("seats"),
        "buyers": buyers_needed,
    });
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).unwrap_or_else(|e| fail(&format!("{name}: {e}")));
    };
    write("pairs.csv", &pairs);
    write("buyers.csv", &buyers_csv);
    write("meta.json", &meta.to_string());
    eprintln!("prepare: done ({meta})");
}

/// The on-sale standing area with the most places left (of any venue), its capacity raised by
/// a million places so that a run never sells it out: `{event, section, event_section}`.
fn standing_area(base: &str, events: &[Value], db: &Db, now: chrono::NaiveDateTime) -> Value {
    use boxoffice::db::schema::event_sections;
    use diesel::prelude::*;
    let on_sale: Vec<i64> = events
        .iter()
        .filter(|e| matches!(e["sale_state"].as_str(), Some("on_sale" | "few_left")))
        .filter_map(|e| e["id"].as_i64())
        .collect();
    let mut best: Option<(i64, i64, i64)> = None;
    runtime().block_on(async {
        let client = client(1);
        for event in on_sale {
            let map: Value = client
                .get(format!("{base}/api/v1/events/{event}/seats"))
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .unwrap_or_else(|e| fail(&e.to_string()))
                .json()
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            for area in map["standing"].as_array().cloned().unwrap_or_default() {
                let (Some(section), Some(left)) =
                    (area["section_id"].as_i64(), area["available"].as_i64())
                else {
                    continue;
                };
                if best.is_none_or(|(_, _, most)| left > most) {
                    best = Some((event, section, left));
                }
            }
        }
    });
    let (event, section, _) = best.unwrap_or_else(|| fail("no standing area on sale"));
    let mut conn = db.conn().unwrap_or_else(|e| fail(&e.to_string()));
    let event_section: i64 = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .select(event_sections::id)
        .first(&mut *conn)
        .unwrap_or_else(|e| fail(&e.to_string()));
    diesel::update(event_sections::table.filter(event_sections::id.eq(event_section)))
        .set((
            event_sections::capacity.eq(event_sections::capacity + 1_000_000),
            event_sections::updated_at.eq(now),
        ))
        .execute(&mut *conn)
        .unwrap_or_else(|e| fail(&e.to_string()));
    json!({ "event": event, "section": section, "event_section": event_section })
}

// ----- leftovers: unswept expired holds -----

/// How `leftovers --count N` splits N: `(seated baskets, standing baskets, stride)`: the seated
/// ones hold pairs 0, stride, 2 × stride… (spread over every arena event, the held ones
/// included), each booked by that pair's own buyer for that pair's event; the standing ones are
/// the last buyers' baskets in the standing area. The measured holds leave exactly those pairs
/// and buyers alone (`holds`, `standing` with `--leftovers N`), so what they measure is what
/// the leftovers' presence costs, not the work of ending the ones a hold meets.
fn leftover_split(count: usize, pairs: usize) -> (usize, usize, usize) {
    let places = count / 5;
    let seated = count - places;
    (seated, places, (pairs / seated.max(1)).clamp(1, 5))
}

fn leftovers(flags: &Flags) {
    use boxoffice::db::schema::{
        booking_items, bookings, event_seats, event_sections, events, price_tiers,
    };
    use diesel::prelude::*;
    let dir = flags.dir();
    let count = flags.num("count", 10_000.0) as usize;
    let pairs = read_pairs(&dir);
    let buyers = read_buyers(&dir);
    let meta = read_meta(&dir);
    let standing_event = meta["standing"]["event"]
        .as_i64()
        .unwrap_or_else(|| fail("no standing area"));
    let event_section = meta["standing"]["event_section"]
        .as_i64()
        .unwrap_or_else(|| fail("no standing area"));
    let db = connect(flags.get("db"), 1);
    let now = Clock::System.now();
    let (ran_out, opened) = (
        now - chrono::TimeDelta::hours(1),
        now - chrono::TimeDelta::minutes(75),
    );
    let (seated, places, stride) = leftover_split(count, pairs.len());
    if places > buyers.len() {
        fail("more leftovers than buyers");
    }
    if seated * stride > pairs.len() {
        fail("more seated leftovers than pairs");
    }
    let started = Instant::now();
    let outcome: Result<(), boxoffice::db::DbError> = db.write(|c| {
        let new_booking = |c: &mut boxoffice::db::DbConnection,
                           n: usize,
                           user: i64,
                           event: i64,
                           total: i64|
         -> Result<i64, diesel::result::Error> {
            let currency: String = events::table
                .filter(events::id.eq(event))
                .select(events::currency)
                .first(c)?;
            diesel::insert_into(bookings::table)
                .values((
                    bookings::reference.eq(format!("LEFTOVER{n:06}")),
                    bookings::user_id.eq(user),
                    bookings::event_id.eq(event),
                    bookings::status.eq("pending"),
                    bookings::total_cents.eq(total),
                    bookings::currency.eq(currency),
                    bookings::expires_at.eq(ran_out),
                    bookings::created_at.eq(opened),
                    bookings::updated_at.eq(opened),
                ))
                .returning(bookings::id)
                .get_result(c)
        };
        let tier_price = |c: &mut boxoffice::db::DbConnection, event_section: i64| {
            event_sections::table
                .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
                .filter(event_sections::id.eq(event_section))
                .select((event_sections::tier_id, price_tiers::price_cents))
                .first::<(i64, i64)>(c)
        };
        for (n, pair) in pairs.iter().step_by(stride).take(seated).enumerate() {
            let rows: Vec<(i64, i64)> = event_seats::table
                .inner_join(
                    event_sections::table.on(event_sections::event_id
                        .eq(event_seats::event_id)
                        .and(event_sections::section_id.eq(event_seats::section_id))),
                )
                .filter(event_seats::event_id.eq(pair.event))
                .filter(event_seats::seat_id.eq_any(pair.seats))
                .select((event_seats::id, event_sections::id))
                .load(c)?;
            let mut lines = Vec::new();
            for (event_seat, section) in rows {
                let (tier, price) = tier_price(c, section)?;
                lines.push((event_seat, tier, price));
            }
            let total = lines.iter().map(|l| l.2).sum();
            let booking = new_booking(c, n, buyers[pair.buyer].user_id, pair.event, total)?;
            for (event_seat, tier, price) in lines {
                diesel::insert_into(booking_items::table)
                    .values((
                        booking_items::booking_id.eq(booking),
                        booking_items::event_id.eq(pair.event),
                        booking_items::event_seat_id.eq(Some(event_seat)),
                        booking_items::tier_id.eq(tier),
                        booking_items::quantity.eq(1),
                        booking_items::unit_price_cents.eq(price),
                    ))
                    .execute(c)?;
                diesel::update(event_seats::table.filter(event_seats::id.eq(event_seat)))
                    .set((
                        event_seats::status.eq("held"),
                        event_seats::booking_id.eq(Some(booking)),
                        event_seats::held_until.eq(Some(ran_out)),
                        event_seats::updated_at.eq(opened),
                    ))
                    .execute(c)?;
            }
        }
        let (tier, price) = tier_price(c, event_section)?;
        for (i, buyer) in buyers.iter().rev().take(places).enumerate() {
            let booking = new_booking(c, seated + i, buyer.user_id, standing_event, price)?;
            diesel::insert_into(booking_items::table)
                .values((
                    booking_items::booking_id.eq(booking),
                    booking_items::event_id.eq(standing_event),
                    booking_items::event_section_id.eq(Some(event_section)),
                    booking_items::tier_id.eq(tier),
                    booking_items::quantity.eq(1),
                    booking_items::unit_price_cents.eq(price),
                ))
                .execute(c)?;
        }
        let places = i32::try_from(places).unwrap_or(i32::MAX);
        diesel::update(event_sections::table.filter(event_sections::id.eq(event_section)))
            .set(event_sections::held.eq(event_sections::held + places))
            .execute(c)?;
        Ok(())
    });
    outcome.unwrap_or_else(|e| fail(&format!("leftovers: {e}")));
    eprintln!(
        "leftovers: {seated} seated baskets (every {stride}th pair) and {places} standing ones, \
         run out an hour ago, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// ----- holds over HTTP -----

/// What a run of requests saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    /// A few error answers, for the log.
    samples: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        for s in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(s);
            }
        }
    }

    fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    fn others(&self, allowed: &[u16]) -> BTreeMap<String, u64> {
        self.statuses
            .iter()
            .filter(|(s, _)| !allowed.contains(s))
            .map(|(s, n)| (s.to_string(), *n))
            .collect()
    }

    fn record(&mut self, latency: Duration, status: u16, body: impl FnOnce() -> String) {
        self.latencies.push(micros(latency));
        *self.statuses.entry(status).or_default() += 1;
        if !matches!(status, 200 | 201 | 409) && self.samples.len() < 5 {
            self.samples.push(format!("{status}: {}", body()));
        }
    }

    fn report_samples(&self, what: &str) {
        for s in &self.samples {
            eprintln!("{what}: unexpected answer {s}");
        }
    }
}

async fn post_hold(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    event: i64,
    seats: &[i64],
) -> (u16, Value) {
    post_body(client, base, token, event, &json!({ "seat_ids": seats })).await
}

async fn post_body(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    event: i64,
    body: &Value,
) -> (u16, Value) {
    match client
        .post(format!("{base}/api/v1/events/{event}/holds"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            let body = res.json().await.unwrap_or(Value::Null);
            (status, body)
        }
        // Counted as an error, not a crash: a status no server sends.
        Err(e) => (599, Value::String(e.to_string())),
    }
}

/// One hold request: which event, which buyer, what body.
struct Job {
    event: i64,
    buyer: usize,
    body: Value,
}

/// `concurrency` buyers until `until`, each taking the next job. Answers the tally, the time
/// it took and whether the jobs ran out.
async fn drive_holds(
    client: &reqwest::Client,
    base: &str,
    pairs: &Arc<Vec<Job>>,
    buyers: &Arc<Vec<Buyer>>,
    next: &Arc<AtomicUsize>,
    concurrency: usize,
    seconds: f64,
) -> (Tally, f64, bool) {
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let exhausted = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, base) = (client.clone(), base.to_owned());
        let (pairs, buyers, next, exhausted) = (
            pairs.clone(),
            buyers.clone(),
            next.clone(),
            exhausted.clone(),
        );
        tasks.spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(pair) = pairs.get(i) else {
                    exhausted.store(true, Ordering::Relaxed);
                    break;
                };
                let token = &buyers[pair.buyer].token;
                let sent = Instant::now();
                let (status, body) = post_body(&client, &base, token, pair.event, &pair.body).await;
                tally.record(sent.elapsed(), status, || body.to_string());
            }
            tally
        });
    }
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        tally.merge(done.unwrap_or_else(|e| fail(&e.to_string())));
    }
    let elapsed = start.elapsed().as_secs_f64();
    (tally, elapsed, exhausted.load(Ordering::Relaxed))
}

fn holds(flags: &Flags) {
    let pairs = read_pairs(&flags.dir());
    let (seated, _, stride) = leftover_split(flags.num("leftovers", 0.0) as usize, pairs.len());
    let jobs = pairs
        .into_iter()
        .enumerate()
        // The pairs the leftovers hold (none without them) are not asked for.
        .filter(|&(i, _)| seated == 0 || i % stride != 0 || i / stride >= seated)
        .map(|(_, p)| Job {
            event: p.event,
            buyer: p.buyer,
            body: json!({ "seat_ids": p.seats }),
        })
        .collect();
    run_holds(flags, "holds", jobs);
}

/// One place at a time in the standing area `prepare` chose, each request the next buyer.
fn standing(flags: &Flags) {
    let meta = read_meta(&flags.dir());
    let event = meta["standing"]["event"]
        .as_i64()
        .unwrap_or_else(|| fail("no standing area"));
    let section = meta["standing"]["section"]
        .as_i64()
        .unwrap_or_else(|| fail("no standing area"));
    // The buyers with a standing leftover (the last ones) do not hold.
    let (_, places, _) = leftover_split(flags.num("leftovers", 0.0) as usize, 1);
    let buyers = read_buyers(&flags.dir())
        .len()
        .saturating_sub(places)
        .max(1);
    // Each buyer's basket takes one place per request, 4 at most (the demo's standing events
    // allow 6 or 8 per order): enough for any run of this length.
    let jobs = (0..buyers * 4)
        .map(|i| Job {
            event,
            buyer: i % buyers,
            body: json!({ "standing": { "section_id": section, "quantity": 1 } }),
        })
        .collect();
    run_holds(flags, "standing", jobs);
}

fn run_holds(flags: &Flags, phase: &str, jobs: Vec<Job>) {
    let base = flags.get("base").to_owned();
    let dir = flags.dir();
    let concurrency = flags.num("concurrency", 1.0) as usize;
    let seconds = flags.num("seconds", 10.0);
    let warmup = flags.num("warmup", 1.0);
    let pairs = Arc::new(jobs);
    let buyers = Arc::new(read_buyers(&dir));
    let next = Arc::new(AtomicUsize::new(0));
    let client = client(concurrency);
    let (tally, elapsed, exhausted) = runtime().block_on(async {
        // Warm-up: the server's pool opens its connections; not counted.
        drive_holds(&client, &base, &pairs, &buyers, &next, concurrency, warmup).await;
        drive_holds(&client, &base, &pairs, &buyers, &next, concurrency, seconds).await
    });
    tally.report_samples(phase);
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    let ok = tally.count(201);
    result(json!({
        "phase": phase,
        // Set by the comparison with unswept expired holds (holds.sh, EXPIRED).
        "leftovers": flags.num("leftovers", 0.0) as u64,
        "compare": flags.opt("leftovers").is_some(),
        "db": flags.get("label"),
        "concurrency": concurrency,
        "seconds": round3(elapsed),
        "requests": latencies.len(),
        "ok": ok,
        "per_s": round3(ok as f64 / elapsed),
        "p50_ms": round3(percentile(&latencies, 0.50)),
        "p90_ms": round3(percentile(&latencies, 0.90)),
        "p99_ms": round3(percentile(&latencies, 0.99)),
        "errors": tally.others(&[201]),
        "pairs_ran_out": exhausted,
    }));
}

// ----- holds through the library (no HTTP) -----

fn direct(flags: &Flags) {
    use boxoffice::services::holds::{self, HoldRequest};
    let dir = flags.dir();
    let concurrency = flags.num("concurrency", 1.0) as usize;
    let seconds = flags.num("seconds", 10.0);
    let pool = flags.num("pool", 10.0) as u32;
    let pairs = read_pairs(&dir);
    let buyers = read_buyers(&dir);
    let db = connect(flags.get("db"), pool);
    let live = boxoffice::services::live::LiveHub::new();
    let next = AtomicUsize::new(0);
    let hold_for = chrono::TimeDelta::seconds(900);
    let run = |seconds: f64| -> (Tally, f64) {
        let start = Instant::now();
        let until = start + Duration::from_secs_f64(seconds);
        let tally = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..concurrency)
                .map(|_| {
                    scope.spawn(|| {
                        let mut tally = Tally::default();
                        while Instant::now() < until {
                            let Some(pair) = pairs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                                break;
                            };
                            let request = HoldRequest::Seats(pair.seats.map(SeatId).to_vec());
                            let sent = Instant::now();
                            let outcome = holds::hold(
                                &db,
                                &live,
                                UserId(buyers[pair.buyer].user_id),
                                EventId(pair.event),
                                &request,
                                hold_for,
                                Clock::System.now(),
                            );
                            let status = if outcome.is_ok() { 201 } else { 500 };
                            tally.record(sent.elapsed(), status, || format!("{outcome:?}"));
                        }
                        tally
                    })
                })
                .collect();
            let mut tally = Tally::default();
            for w in workers {
                tally.merge(w.join().unwrap_or_else(|_| fail("a worker panicked")));
            }
            tally
        });
        (tally, start.elapsed().as_secs_f64())
    };
    run(1.0);
    let (tally, elapsed) = run(seconds);
    tally.report_samples("direct");
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    let ok = tally.count(201);
    result(json!({
        "phase": "direct",
        "db": flags.get("label"),
        "concurrency": concurrency,
        "seconds": round3(elapsed),
        "ok": ok,
        "per_s": round3(ok as f64 / elapsed),
        "p50_ms": round3(percentile(&latencies, 0.50)),
        "p90_ms": round3(percentile(&latencies, 0.90)),
        "p99_ms": round3(percentile(&latencies, 0.99)),
        "errors": tally.others(&[201]),
    }));
}

// ----- hot seats -----

/// xorshift64*: enough randomness for picking seats, and `Send` (the tasks move between
/// polls).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

fn hot(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let dir = flags.dir();
    let count = flags.num("buyers", 64.0) as usize;
    let seconds = flags.num("seconds", 10.0);
    let meta = read_meta(&dir);
    let event = meta["hot_event"]
        .as_i64()
        .unwrap_or_else(|| fail("no hot_event"));
    let seats: Arc<Vec<i64>> = Arc::new(
        meta["hot_seats"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
    );
    if seats.len() < HOT_SEATS {
        fail("not enough hot seats");
    }
    // The app limits holds per account (BOXOFFICE_HOLDS_PER_MINUTE, 60 by default): each
    // client goes round its own share of the accounts, so no account passes the limit and every
    // answer is about the seats. A `429` still counts as an error.
    let tokens: Vec<String> = read_buyers(&dir).into_iter().map(|b| b.token).collect();
    let per_client = tokens.len() / count;
    if per_client == 0 {
        fail("fewer accounts than clients");
    }
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); count];
    for (i, token) in tokens.into_iter().take(per_client * count).enumerate() {
        shares[i % count].push(token);
    }
    let client = client(count);
    let (tally, cancel_errors, elapsed) = runtime().block_on(async {
        let start = Instant::now();
        let until = start + Duration::from_secs_f64(seconds);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, share) in shares.into_iter().enumerate() {
            let (client, base, seats) = (client.clone(), base.clone(), seats.clone());
            tasks.spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((i as u64 + 1) * 0xD1B5_4A32_D192_ED03));
                let mut tally = Tally::default();
                let mut cancel_errors = 0u64;
                for token in share.iter().cycle() {
                    if Instant::now() >= until {
                        break;
                    }
                    let a = rng.below(seats.len());
                    let b = (a + 1 + rng.below(seats.len() - 1)) % seats.len();
                    let sent = Instant::now();
                    let (status, body) =
                        post_hold(&client, &base, token, event, &[seats[a], seats[b]]).await;
                    tally.record(sent.elapsed(), status, || body.to_string());
                    if status == 201 {
                        // Give the seats back at once (not timed) so the fight goes on.
                        let reference = body["reference"].as_str().unwrap_or_default();
                        let answer = client
                            .delete(format!("{base}/api/v1/bookings/{reference}"))
                            .bearer_auth(token)
                            .send()
                            .await;
                        match answer {
                            Ok(r) if r.status().is_success() => {}
                            Ok(r) => {
                                cancel_errors += 1;
                                let status = r.status().as_u16();
                                let text = r.text().await.unwrap_or_default();
                                eprintln!("hot: cancelling {reference} answered {status}: {text}");
                            }
                            Err(e) => {
                                cancel_errors += 1;
                                eprintln!("hot: cancelling {reference} failed: {e}");
                            }
                        }
                    }
                }
                (tally, cancel_errors)
            });
        }
        let mut tally = Tally::default();
        let mut cancel_errors = 0;
        while let Some(done) = tasks.join_next().await {
            let (t, c) = done.unwrap_or_else(|e| fail(&e.to_string()));
            tally.merge(t);
            cancel_errors += c;
        }
        (tally, cancel_errors, start.elapsed().as_secs_f64())
    });
    tally.report_samples("hot");
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    result(json!({
        "phase": "hot",
        "db": flags.get("label"),
        "buyers": count,
        "accounts": per_client * count,
        "seats": seats.len(),
        "seconds": round3(elapsed),
        "requests": latencies.len(),
        "ok_per_s": round3(tally.count(201) as f64 / elapsed),
        "taken_per_s": round3(tally.count(409) as f64 / elapsed),
        "p50_ms": round3(percentile(&latencies, 0.50)),
        "p99_ms": round3(percentile(&latencies, 0.99)),
        "errors": tally.others(&[201, 409]),
        "cancel_errors": cancel_errors,
    }));
}

// ----- the arena's seat map -----

async fn get_map(client: &reqwest::Client, url: &str, encoding: &str) -> (u16, String, usize) {
    match client
        .get(url)
        .header(reqwest::header::ACCEPT_ENCODING, encoding)
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            let used = res
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("identity")
                .to_owned();
            let bytes = res.bytes().await.map(|b| b.len()).unwrap_or(0);
            (status, used, bytes)
        }
        Err(_) => (599, String::new(), 0),
    }
}

/// `concurrency` clients fetching the map for `seconds`: (maps/s, sorted latencies, errors).
async fn drive_map(
    client: &reqwest::Client,
    url: &str,
    encoding: &str,
    concurrency: usize,
    seconds: f64,
) -> (f64, Vec<u32>, u64) {
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, encoding) = (client.clone(), url.to_owned(), encoding.to_owned());
        tasks.spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < until {
                let sent = Instant::now();
                let (status, _, _) = get_map(&client, &url, &encoding).await;
                latencies.push(micros(sent.elapsed()));
                if status != 200 {
                    errors += 1;
                }
            }
            (latencies, errors)
        });
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        let (l, e) = done.unwrap_or_else(|e| fail(&e.to_string()));
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let ok = latencies.len() as u64 - errors;
    (ok as f64 / elapsed, latencies, errors)
}

/// The first map load after a change, as a browser asks: `rounds` times, a buyer holds one
/// free seat of the map (then gives it back), and the next load draws the map again. Each load
/// after a change is timed, and a second load after it (the state unchanged) beside it.
async fn after_changes(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    event: i64,
    url: &str,
    rounds: usize,
) -> Value {
    let seats: Vec<i64> = match client
        .get(format!("{base}/api/v1/events/{event}/seats"))
        .send()
        .await
    {
        Ok(res) => res.json::<Value>().await.unwrap_or(Value::Null)["seats"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|s| s["status"] == "available")
            .filter_map(|s| s["id"].as_i64())
            .take(rounds)
            .collect(),
        Err(e) => fail(&format!("the map's seats: {e}")),
    };
    if seats.len() < rounds {
        fail("too few free seats on the map for the after-a-change loads");
    }
    let (mut changed, mut unchanged, mut errors) = (Vec::new(), Vec::new(), 0u64);
    let load = async |into: &mut Vec<u32>| {
        let sent = Instant::now();
        let (status, _, _) = get_map(client, url, BROWSER_ENCODINGS).await;
        into.push(micros(sent.elapsed()));
        u64::from(status != 200)
    };
    for seat in seats {
        let (status, body) = post_hold(client, base, token, event, &[seat]).await;
        if status != 201 {
            errors += 1;
            continue;
        }
        errors += load(&mut changed).await;
        errors += load(&mut unchanged).await;
        let reference = body["reference"].as_str().unwrap_or_default();
        let gone = client
            .delete(format!("{base}/api/v1/bookings/{reference}"))
            .bearer_auth(token)
            .send()
            .await;
        if !gone.is_ok_and(|r| r.status().is_success()) {
            errors += 1;
            continue;
        }
        errors += load(&mut changed).await;
        errors += load(&mut unchanged).await;
    }
    changed.sort_unstable();
    unchanged.sort_unstable();
    json!({
        "loads": changed.len(),
        "p50_ms": round3(percentile(&changed, 0.5)),
        "p99_ms": round3(percentile(&changed, 0.99)),
        "unchanged_p50_ms": round3(percentile(&unchanged, 0.5)),
        "errors": errors,
    })
}

/// `threads` threads running `f` on their own pooled connection for `seconds`: (calls/s,
/// sorted latencies).
fn drive_raw(
    db: &Db,
    threads: usize,
    seconds: f64,
    f: impl Fn(&mut boxoffice::db::DbConnection) + Sync,
) -> (f64, Vec<u32>) {
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut latencies: Vec<u32> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut conn = db.conn().unwrap_or_else(|e| fail(&e.to_string()));
                    let mut latencies = Vec::new();
                    while Instant::now() < until {
                        let sent = Instant::now();
                        f(&mut conn);
                        latencies.push(micros(sent.elapsed()));
                    }
                    latencies
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|_| fail("a worker panicked")))
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    (latencies.len() as f64 / elapsed, latencies)
}

fn map(flags: &Flags) {
    let base = flags.get("base").to_owned();
    let dir = flags.dir();
    let seconds = flags.num("seconds", 4.0);
    let meta = read_meta(&dir);
    let event = meta["map_event"]
        .as_i64()
        .unwrap_or_else(|| fail("no map_event"));
    let url = format!("{base}/events/{event}/seats?section=all");
    let client = client(4);
    let rt = runtime();

    // Sizes as each kind of client gets them.
    let mut sizes = BTreeMap::new();
    for (name, header) in [
        ("browser", BROWSER_ENCODINGS),
        ("gzip", "gzip"),
        ("identity", "identity"),
    ] {
        let (status, used, bytes) = rt.block_on(get_map(&client, &url, header));
        if status != 200 {
            fail(&format!("GET {url} answered {status}"));
        }
        sizes.insert(name, json!({ "encoding": used, "bytes": bytes }));
    }

    // Latency at one client per encoding (so compression's share shows), then maps/s at 1, 2
    // and 4 clients as a browser asks.
    let mut latency = BTreeMap::new();
    for (name, header) in [
        ("identity", "identity"),
        ("gzip", "gzip"),
        ("browser", BROWSER_ENCODINGS),
    ] {
        rt.block_on(drive_map(&client, &url, header, 1, 0.5));
        let (rate, l, errors) = rt.block_on(drive_map(&client, &url, header, 1, seconds));
        latency.insert(
            name,
            json!({
                "per_s": round3(rate),
                "p50_ms": round3(percentile(&l, 0.5)),
                "p99_ms": round3(percentile(&l, 0.99)),
                "errors": errors,
            }),
        );
    }
    let mut rates = BTreeMap::new();
    for clients in [2usize, 4] {
        let (rate, l, errors) = rt.block_on(drive_map(
            &client,
            &url,
            BROWSER_ENCODINGS,
            clients,
            seconds,
        ));
        rates.insert(
            clients.to_string(),
            json!({
                "per_s": round3(rate),
                "p50_ms": round3(percentile(&l, 0.5)),
                "p99_ms": round3(percentile(&l, 0.99)),
                "errors": errors,
            }),
        );
    }
    let after_change = rt.block_on(after_changes(
        &client,
        &base,
        &read_buyers(&dir)[0].token,
        event,
        &url,
        20,
    ));
    drop(rt);

    // In this process on the same database: the raw seat query, and everything the page's
    // handler does before the template (all of the map's queries plus building its views).
    let db = connect(flags.get("db"), 2);
    let seats = |c: &mut boxoffice::db::DbConnection| {
        let rows = boxoffice::db::seatmap::seats_of(c, EventId(event), None, None)
            .unwrap_or_else(|e| fail(&e.to_string()));
        assert!(rows.len() > 1000);
    };
    // Like the server, the venue's layout is read once and kept.
    let layouts = boxoffice::services::seatmap::Layouts::new();
    let load = |c: &mut boxoffice::db::DbConnection| {
        boxoffice::web::pages::seatmap::view::load(
            c,
            &layouts,
            EventId(event),
            Some("all"),
            Clock::System.now(),
        )
        .unwrap_or_else(|e| fail(&format!("{e:?}")));
    };
    let mut raw = BTreeMap::new();
    for threads in [1usize, 2] {
        drive_raw(&db, threads, 0.5, seats);
        let (rate, l) = drive_raw(&db, threads, seconds, seats);
        raw.insert(
            threads.to_string(),
            json!({ "per_s": round3(rate), "p50_ms": round3(percentile(&l, 0.5)) }),
        );
    }
    // What the map itself reads from the database since it keeps venue layouts in memory: the
    // event's seat states alone. Reported beside the raw query, for the record.
    let states = |c: &mut boxoffice::db::DbConnection| {
        let rows = boxoffice::db::seatmap::seat_states(c, EventId(event), None)
            .unwrap_or_else(|e| fail(&e.to_string()));
        assert!(rows.len() > 1000);
    };
    drive_raw(&db, 2, 0.5, states);
    let (states_rate, l) = drive_raw(&db, 2, seconds, states);
    let states_2 = json!({ "per_s": round3(states_rate), "p50_ms": round3(percentile(&l, 0.5)) });
    let (load_rate, l) = drive_raw(&db, 1, seconds, load);
    let load_1 = json!({ "per_s": round3(load_rate), "p50_ms": round3(percentile(&l, 0.5)) });

    result(json!({
        "phase": "map",
        "db": flags.get("label"),
        "event": event,
        "seats": meta["map_seats"],
        "sizes": sizes,
        "one_client": latency,
        "clients": rates,
        "after_change": after_change,
        "raw_query": raw,
        "states_query_2_threads": states_2,
        "load_in_process": load_1,
    }));
}
