//! Load generator of `tests/bench/onsale.sh` (run that script: it seeds a database with
//! `holds prepare`, starts a release server and calls this).
//!
//! `run --base URL --dir DIR --viewers N --signed-in K --sample S --rate R --maps M
//!      --seconds T --warmup W --server-pid PID --label L`
//!
//! An on-sale of the arena, as the server sees it:
//! - N live viewers of the arena's map (`GET /events/{id}/live`, `?section=all` with
//!   `--scope all`, the default; `--scope overview` watches the page the arena opens on), server-sent
//!   events), 16 to a client address (127.x.y.z: loopback has a whole /8, and the server caps
//!   streams per address). The first K are signed in (the login form, each from an address of
//!   its own) and hold a pair of seats before the run, so their streams carry a basket.
//! - Holds at a steady R per second (`POST /api/v1/events/{id}/holds`, two seats, a different
//!   buyer and pair each time), and loads of the whole map page at M per second with a
//!   browser's `Accept-Encoding`.
//!
//! Delivery: S of the viewers (spread evenly, signed-in ones among them) read their stream
//! whole and note, for every seat the run held, when a message first named it
//! (`data-seat-id="…"`); the delay runs from the moment the hold request was sent. A viewer told
//! to `refresh` fetches the map, as the browser would, and counts every hold sent before as
//! delivered when the map arrived. The other viewers read and discard (so the load generator
//! stays off the critical path: it runs on one thread). A hold counts when it was sent inside
//! the measured window and at least 1 s before its end; a sampled viewer that never names it
//! counts as not updated.
//!
//! Server CPU and memory come from `/proc/PID/stat` and `/proc/PID/status` over the measured
//! window; the load generator's own CPU from `/proc/self/stat` (to show it is not the limit).
//! One line `RESULT {json}` on stdout; progress on stderr.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a harness tool: it stops loudly when the run is not what it expected"
)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "a long enough password";
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";
/// Viewers per client address: a household or a small office behind one address.
const VIEWERS_PER_ADDRESS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = Flags::parse(args.get(1..).unwrap_or_default());
    match args.first().map(String::as_str) {
        Some("run") => run(&flags),
        // `cargo bench` / `cargo test --benches` run this with no subcommand: nothing to do.
        _ => eprintln!("onsale: the load generator of tests/bench/onsale.sh; run that script"),
    }
}

#[path = "flags.rs"]
mod flags;
use flags::Flags;

fn fail(message: &str) -> ! {
    eprintln!("onsale bench: {message}");
    std::process::exit(2)
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn percentile(sorted: &[u64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some((sorted[rank - 1] as f64 / 1000.0 * 1000.0).round() / 1000.0)
}

fn read_lines(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// The client address of viewer `v` (16 to an address) or of signed-in viewer `j` (one each).
fn viewer_address(v: usize) -> IpAddr {
    let a = v / VIEWERS_PER_ADDRESS;
    IpAddr::V4(Ipv4Addr::new(127, 2, (a / 250) as u8, (a % 250 + 1) as u8))
}

fn login_address(j: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 3, (j / 250) as u8, (j % 250 + 1) as u8))
}

// ----- /proc -----

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / 100.0
}

/// VmRSS and VmHWM of a process, in MiB.
fn memory_mib(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ----- shared state of a run -----

/// When each held seat's hold request was sent, and whether it is measured.
#[derive(Default)]
struct Sent {
    seats: Mutex<HashMap<i64, (Instant, bool)>>,
}

impl Sent {
    fn mark(&self, seats: [i64; 2], at: Instant, measured: bool) {
        let mut map = self.seats.lock().unwrap();
        for s in seats {
            map.insert(s, (at, measured));
        }
    }

    fn get(&self, seat: i64) -> Option<(Instant, bool)> {
        self.seats.lock().unwrap().get(&seat).copied()
    }

    fn before(&self, at: Instant) -> Vec<(i64, Instant)> {
        self.seats
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, (t, _))| *t <= at)
            .map(|(s, (t, _))| (*s, *t))
            .collect()
    }
}

/// What one sampled viewer saw: the delay of each seat's first mention, in microseconds.
#[derive(Default)]
struct Seen {
    first: HashMap<i64, u64>,
    refreshes: usize,
    reconnects: usize,
    connected_at: Option<Instant>,
}

#[derive(Default)]
struct Totals {
    bytes: AtomicU64,
    messages: AtomicU64,
    ended: AtomicUsize,
}

// ----- the run -----

fn run(flags: &Flags) {
    let base = flags.get("base").trim_end_matches('/').to_owned();
    let dir = PathBuf::from(flags.get("dir"));
    let viewers = flags.num("viewers", 100.0) as usize;
    let signed_in = (flags.num("signed-in", 0.0) as usize).min(viewers);
    let sample = (flags.num("sample", 100.0) as usize).clamp(1, viewers.max(1));
    let rate = flags.num("rate", 20.0);
    let maps_rate = flags.num("maps", 0.0);
    let seconds = flags.num("seconds", 10.0);
    let warmup = flags.num("warmup", 2.0);
    let pid = flags.get("server-pid").to_owned();
    let label = flags.opt("label").unwrap_or_default().to_owned();
    let scope = flags.opt("scope").unwrap_or("all").to_owned();

    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json")).unwrap_or_else(|e| fail(&e.to_string())),
    )
    .unwrap_or_else(|e| fail(&e.to_string()));
    let event = meta["map_event"]
        .as_i64()
        .unwrap_or_else(|| fail("meta.json: no map_event"));
    let tokens: Vec<String> = read_lines(&dir.join("buyers.csv"))
        .into_iter()
        .map(|f| f[2].clone())
        .collect();
    // The map event's pairs, each with its buyer's index.
    let pairs: Vec<(usize, [i64; 2])> = read_lines(&dir.join("pairs.csv"))
        .iter()
        .filter(|f| f[1].parse::<i64>().ok() == Some(event))
        .map(|f| {
            let n = |i: usize| -> i64 { f[i].parse().unwrap_or_else(|_| fail("bad pairs.csv")) };
            (n(2) as usize, [n(3), n(4)])
        })
        .collect();
    let needed = signed_in + (rate * (seconds + warmup + 2.0)).ceil() as usize;
    if pairs.len() < needed {
        fail(&format!(
            "the run needs {needed} pairs of the map event, it has {}",
            pairs.len()
        ));
    }
    let server: SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|_| fail("--base must be http://IP:PORT"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let row = rt.block_on(async {
        // Signed-in viewers: log in through the form, then hold a pair (their basket).
        eprintln!("onsale: {signed_in} viewers sign in and hold a pair each");
        let mut cookies = Vec::with_capacity(signed_in);
        let api = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|e| fail(&e.to_string()));
        for (j, (buyer, seats)) in pairs.iter().take(signed_in).enumerate() {
            cookies.push(sign_in(&base, *buyer, login_address(j)).await);
            let (status, _) = post_hold(&api, &base, &tokens[*buyer], event, seats).await;
            if status != 201 && status != 200 {
                fail(&format!("the basket hold of signed-in viewer {j} answered {status}"));
            }
        }

        eprintln!("onsale: opening {viewers} live streams ({sample} read whole)");
        let sent = Arc::new(Sent::default());
        let totals = Arc::new(Totals::default());
        let stride = (viewers / sample).max(1);
        let mut seen: Vec<Arc<Mutex<Seen>>> = Vec::new();
        // Viewers watch the part of the venue `--scope` says: `overview` (the arena's map page
        // as it opens, sections only) or `all` (every seat). Map loads are always of every seat.
        let query = match scope.as_str() {
            "all" => "?section=all",
            _ => "",
        };
        let path = format!("/events/{event}/live{query}");
        let refresh_url = format!("{base}/events/{event}/seats{query}");
        let map_url = format!("{base}/events/{event}/seats?section=all");
        let mut streams = tokio::task::JoinSet::new();
        for v in 0..viewers {
            let cookie = cookies.get(v).cloned();
            let record = (v % stride == 0 && seen.len() < sample).then(|| {
                let s = Arc::new(Mutex::new(Seen::default()));
                seen.push(s.clone());
                s
            });
            let viewer = Viewer {
                server,
                from: viewer_address(v),
                path: path.clone(),
                cookie,
                map_url: refresh_url.clone(),
                sent: sent.clone(),
                totals: totals.clone(),
                record,
            };
            // Open them a few hundred at a time: the accept queue is not the test.
            let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
            streams.spawn(viewer.watch(ready_tx));
            if v % 200 == 199 || v + 1 == viewers {
                let _ = ready_rx.await;
            }
        }
        // Let every stream get its answer.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let open_failed = totals.ended.load(Ordering::Relaxed);
        if open_failed > 0 {
            eprintln!("onsale: {open_failed} streams ended already (refused?)");
        }

        eprintln!("onsale: holds at {rate}/s, maps at {maps_rate}/s, {warmup}s warm-up + {seconds}s");
        let start = Instant::now();
        let measure_from = start + Duration::from_secs_f64(warmup);
        let measure_to = measure_from + Duration::from_secs_f64(seconds);
        let holds_until = measure_to;
        let count_until = measure_to - Duration::from_secs(1);
        let hold_lat = Arc::new(Mutex::new(Vec::new()));
        let hold_bad = Arc::new(AtomicUsize::new(0));
        let map_lat = Arc::new(Mutex::new(Vec::new()));
        let map_bad = Arc::new(AtomicUsize::new(0));
        let map_bytes = Arc::new(AtomicU64::new(0));

        let mut work = tokio::task::JoinSet::new();
        {
            // The holds, at a steady rate.
            let (api, base, tokens, sent) = (api.clone(), base.clone(), tokens.clone(), sent.clone());
            let (hold_lat, hold_bad) = (hold_lat.clone(), hold_bad.clone());
            let pairs = pairs[signed_in..].to_vec();
            work.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let mut inner = tokio::task::JoinSet::new();
                for (buyer, seats) in pairs {
                    let at = tick.tick().await;
                    let at = at.into_std();
                    if at >= holds_until {
                        break;
                    }
                    // Timed when inside the window; its deliveries counted when at least 1 s
                    // before the window ends.
                    let measured = at >= measure_from;
                    sent.mark(seats, Instant::now(), measured && at < count_until);
                    let (api, base, token) = (api.clone(), base.clone(), tokens[buyer].clone());
                    let (hold_lat, hold_bad) = (hold_lat.clone(), hold_bad.clone());
                    inner.spawn(async move {
                        let began = Instant::now();
                        let (status, _) = post_hold(&api, &base, &token, event, &seats).await;
                        if status == 201 || status == 200 {
                            if measured {
                                hold_lat.lock().unwrap().push(began.elapsed().as_micros() as u64);
                            }
                        } else {
                            hold_bad.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
                while inner.join_next().await.is_some() {}
            });
        }
        if maps_rate > 0.0 {
            // Whole-map loads, at a steady rate.
            let (api, map_url) = (api.clone(), map_url.clone());
            let (map_lat, map_bad, map_bytes) = (map_lat.clone(), map_bad.clone(), map_bytes.clone());
            work.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / maps_rate));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let mut inner = tokio::task::JoinSet::new();
                loop {
                    let at = tick.tick().await.into_std();
                    if at >= holds_until {
                        break;
                    }
                    let measured = at >= measure_from;
                    let (api, map_url) = (api.clone(), map_url.clone());
                    let (map_lat, map_bad, map_bytes) =
                        (map_lat.clone(), map_bad.clone(), map_bytes.clone());
                    inner.spawn(async move {
                        let began = Instant::now();
                        match get_map(&api, &map_url).await {
                            Some(bytes) if measured => {
                                map_lat.lock().unwrap().push(began.elapsed().as_micros() as u64);
                                map_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
                            }
                            Some(_) => {}
                            None => {
                                map_bad.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    });
                }
                while inner.join_next().await.is_some() {}
            });
        }

        // The measured window's CPU and memory.
        tokio::time::sleep_until(measure_from.into()).await;
        let (server_cpu0, own_cpu0) = (cpu_seconds(&pid), cpu_seconds("self"));
        let bytes0 = totals.bytes.load(Ordering::Relaxed);
        let messages0 = totals.messages.load(Ordering::Relaxed);
        let mut rss_max: f64 = 0.0;
        while Instant::now() < measure_to {
            tokio::time::sleep(Duration::from_millis(500)).await;
            rss_max = rss_max.max(memory_mib(&pid).0);
        }
        let window = measure_to.duration_since(measure_from).as_secs_f64();
        let server_cores = (cpu_seconds(&pid) - server_cpu0) / window;
        let own_cores = (cpu_seconds("self") - own_cpu0) / window;
        let bytes = totals.bytes.load(Ordering::Relaxed) - bytes0;
        let messages = totals.messages.load(Ordering::Relaxed) - messages0;
        let (_, hwm) = memory_mib(&pid);
        // The last holds' deliveries: wait a little past the window.
        while work.join_next().await.is_some() {}
        tokio::time::sleep(Duration::from_secs(2)).await;
        streams.abort_all();

        // Deliveries: every measured seat on every sampled viewer open before it was held.
        let measured: Vec<(i64, Instant)> = sent
            .seats
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, (_, m))| *m)
            .map(|(s, (t, _))| (*s, *t))
            .collect();
        let mut delays: Vec<u64> = Vec::new();
        let (mut expected, mut within, mut missing) = (0usize, 0usize, 0usize);
        let (mut refreshes, mut reconnects) = (0usize, 0usize);
        for viewer in &seen {
            let viewer = viewer.lock().unwrap();
            refreshes += viewer.refreshes;
            reconnects += viewer.reconnects;
            let Some(open) = viewer.connected_at else { continue };
            for (seat, at) in &measured {
                if *at < open {
                    continue;
                }
                expected += 1;
                match viewer.first.get(seat) {
                    Some(d) => {
                        delays.push(*d);
                        if *d <= 1_000_000 {
                            within += 1;
                        }
                    }
                    None => missing += 1,
                }
            }
        }
        delays.sort_unstable();
        let mut hold_lat = hold_lat.lock().unwrap().clone();
        hold_lat.sort_unstable();
        let mut map_lat = map_lat.lock().unwrap().clone();
        map_lat.sort_unstable();
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "phase": "onsale", "db": label, "viewers": viewers, "signed_in": signed_in,
            "sampled": seen.len(), "seconds": seconds,
            "holds_per_s_target": rate,
            "holds_per_s": round(hold_lat.len() as f64 / window),
            "hold_p50_ms": percentile(&hold_lat, 0.5), "hold_p99_ms": percentile(&hold_lat, 0.99),
            "hold_errors": hold_bad.load(Ordering::Relaxed),
            "deliveries_expected": expected,
            "within_1s": if expected > 0 { Some(round(within as f64 / expected as f64)) } else { None },
            "delivery_p50_ms": percentile(&delays, 0.5), "delivery_p99_ms": percentile(&delays, 0.99),
            "missing": missing, "refreshes": refreshes, "reconnects": reconnects,
            "streams_ended_early": open_failed,
            "messages_per_viewer_s": round(messages as f64 / seen.len().max(1) as f64 / window),
            "stream_mib_per_s": round(bytes as f64 / window / 1_048_576.0),
            "maps_per_s_target": maps_rate,
            "maps_per_s": round(map_lat.len() as f64 / window),
            "map_p50_ms": percentile(&map_lat, 0.5), "map_p99_ms": percentile(&map_lat, 0.99),
            "map_errors": map_bad.load(Ordering::Relaxed),
            "map_kib": if map_lat.is_empty() { None } else {
                Some(round(map_bytes.load(Ordering::Relaxed) as f64 / map_lat.len() as f64 / 1024.0))
            },
            "server_cores": round(server_cores), "server_rss_mib": rss_max, "server_hwm_mib": hwm,
            "loadgen_cores": round(own_cores),
        })
    });
    println!("RESULT {row}");
}

// ----- HTTP pieces -----

async fn post_hold(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    event: i64,
    seats: &[i64],
) -> (u16, Value) {
    match client
        .post(format!("{base}/api/v1/events/{event}/holds"))
        .bearer_auth(token)
        .json(&json!({ "seat_ids": seats }))
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.json().await.unwrap_or(Value::Null))
        }
        Err(e) => (599, Value::String(e.to_string())),
    }
}

/// The whole map as a browser gets it; its size on the wire, or `None` on an error.
async fn get_map(client: &reqwest::Client, url: &str) -> Option<usize> {
    let res = client
        .get(url)
        .header(reqwest::header::ACCEPT_ENCODING, BROWSER_ENCODINGS)
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    Some(res.bytes().await.ok()?.len())
}

/// Signs buyer `buyer` in through the login form from address `from`: the session cookie.
async fn sign_in(base: &str, buyer: usize, from: IpAddr) -> String {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .local_address(from)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("GET /login: {e}")))
        .text()
        .await
        .unwrap_or_default();
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| fail("no CSRF token on /login"))
        .to_owned();
    let email = format!("bench.buyer{buyer}@example.com");
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("POST /login: {e}")));
    if res.status().as_u16() != 303 {
        fail(&format!("signing in {email} answered {}", res.status()));
    }
    let url: reqwest::Url = base.parse().unwrap_or_else(|_| fail("bad --base"));
    use reqwest::cookie::CookieStore;
    jar.cookies(&url)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| fail("no session cookie after signing in"))
}

/// One live viewer.
struct Viewer {
    server: SocketAddr,
    from: IpAddr,
    path: String,
    cookie: Option<String>,
    map_url: String,
    sent: Arc<Sent>,
    totals: Arc<Totals>,
    /// Set for the sampled viewers, who read every message.
    record: Option<Arc<Mutex<Seen>>>,
}

impl Viewer {
    /// Opens the stream (says so on `ready`) and reads it until the run ends; reconnects when
    /// the server ends it, as a browser's EventSource does.
    async fn watch(self, ready: tokio::sync::oneshot::Sender<()>) {
        let mut ready = Some(ready);
        let mut first = true;
        loop {
            let stream = self.open().await;
            if let Some(tx) = ready.take() {
                let _ = tx.send(());
            }
            let Some(mut stream) = stream else {
                self.totals.ended.fetch_add(1, Ordering::Relaxed);
                return;
            };
            if let Some(seen) = &self.record {
                let mut seen = seen.lock().unwrap();
                if first {
                    seen.connected_at = Some(Instant::now());
                } else {
                    seen.reconnects += 1;
                }
            }
            first = false;
            self.read(&mut stream).await;
            self.totals.ended.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    async fn open(&self) -> Option<tokio::net::TcpStream> {
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind(SocketAddr::new(self.from, 0)).ok()?;
        let mut stream = socket.connect(self.server).await.ok()?;
        let cookie = self
            .cookie
            .as_ref()
            .map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n{cookie}\r\n",
            self.path, self.server
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        Some(stream)
    }

    /// Reads until the server ends the stream. Sampled viewers parse every message.
    async fn read(&self, stream: &mut tokio::net::TcpStream) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut head: Vec<u8> = Vec::new();
        let mut body: Option<Option<Chunked>> = None;
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let now = Instant::now();
            self.totals.bytes.fetch_add(n as u64, Ordering::Relaxed);
            if self.record.is_none() && body.is_some() {
                continue; // read and discarded
            }
            let mut input: Vec<u8> = buf[..n].to_vec();
            if body.is_none() {
                head.extend_from_slice(&input);
                let Some(end) = find(&head, b"\r\n\r\n") else {
                    continue;
                };
                if !head.starts_with(b"HTTP/1.1 200") {
                    return;
                }
                let headers = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
                body = Some(
                    headers
                        .contains("transfer-encoding: chunked")
                        .then(Chunked::default),
                );
                input = head.split_off(end + 4);
            }
            let Some(record) = &self.record else { continue };
            match &mut body {
                Some(Some(chunked)) => chunked.feed(&input, &mut pending),
                _ => pending.extend_from_slice(&input),
            }
            // Whole messages end with a blank line.
            while let Some(end) = find(&pending, b"\n\n") {
                let message: Vec<u8> = pending.drain(..end + 2).collect();
                self.totals.messages.fetch_add(1, Ordering::Relaxed);
                self.message(&message, now, record).await;
            }
        }
    }

    async fn message(&self, message: &[u8], now: Instant, record: &Arc<Mutex<Seen>>) {
        let text = String::from_utf8_lossy(message);
        if text.contains("event: refresh") {
            // The browser reloads the map: every hold sent so far shows once it arrives.
            let fetched = reqwest::Client::new()
                .get(&self.map_url)
                .header(reqwest::header::ACCEPT_ENCODING, BROWSER_ENCODINGS)
                .send()
                .await
                .is_ok();
            let done = Instant::now();
            let mut seen = record.lock().unwrap();
            seen.refreshes += 1;
            if fetched {
                for (seat, at) in self.sent.before(now) {
                    let delay = done.duration_since(at).as_micros() as u64;
                    seen.first.entry(seat).or_insert(delay);
                }
            }
            return;
        }
        for part in text.split("data-seat-id=\"").skip(1) {
            let Some(seat) = part.split('"').next().and_then(|s| s.parse::<i64>().ok()) else {
                continue;
            };
            let Some((at, _)) = self.sent.get(seat) else {
                continue;
            };
            if now >= at {
                let delay = now.duration_since(at).as_micros() as u64;
                record.lock().unwrap().first.entry(seat).or_insert(delay);
            }
        }
    }
}

/// HTTP/1.1 chunked transfer coding, undone as bytes arrive.
#[derive(Default)]
struct Chunked {
    /// Bytes left in the current chunk.
    left: usize,
    /// The size line being read.
    line: Vec<u8>,
}

impl Chunked {
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            if self.left > 0 {
                let take = self.left.min(input.len());
                out.extend_from_slice(&input[..take]);
                self.left -= take;
                input = &input[take..];
                continue;
            }
            let byte = input[0];
            input = &input[1..];
            if byte != b'\n' {
                self.line.push(byte);
                continue;
            }
            let line = String::from_utf8_lossy(&self.line).trim().to_owned();
            self.line.clear();
            // An empty line is the CRLF that closes a chunk.
            if let Some(size) = line.split(';').next().filter(|s| !s.is_empty()) {
                self.left = usize::from_str_radix(size, 16).unwrap_or(0);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
