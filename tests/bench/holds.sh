#!/usr/bin/env bash
# Benchmark: seat holds and the arena's seat map, on SQLite and on PostgreSQL, in one sitting,
# against a release build on loopback, next to baselines measured in the same run:
#   holds     2-seat holds/s and p50/p90/p99 over HTTP (POST /api/v1/events/{id}/holds) at 1, 8,
#             32 and 64 concurrent buyers, every buyer and pair of seats different;
#             baseline on PostgreSQL: the same SQL transaction run by pgbench on the same server
#             (tests/bench/holds_pgbench.sql); on both: the same holds through the library
#             (services::holds::hold, no HTTP) at 1 and 8 threads
#   hot       64 clients at once fighting over 50 seats; a winner cancels at once and tries
#             again (each client goes round its own 133 accounts, so no account passes the app's
#             per-account hold limit, BOXOFFICE_HOLDS_PER_MINUTE, left at its default)
#   expired   with EXPIRED=N (e.g. 10000): seat holds and standing holds over HTTP at
#             EXPIRED_BUYERS (8) buyers, on a clean copy and on a copy with N unswept expired
#             pending holds (holds.rs leftovers: as a crashed sweeper leaves them, a fifth of
#             them in the standing area held on, the rest on seat pairs spread over the arena
#             events, the held ones included); the holds leave the leftovers' own pairs and
#             buyers alone, so the ratio is what their presence costs (a standing hold still
#             ends its area's leftovers, all at once); no warm-up, so that is counted
#   map       GET /events/{id}/seats?section=all of the 20,010-seat arena: latency, bytes as a
#             browser (brotli) and a gzip-only client get it, maps/s at 1, 2 and 4 clients,
#             the first load after a change (a seat held or given back, 40 loads);
#             baseline: the raw seat query (db::seatmap::seats_of) in-process on the same database
# Every phase gets a fresh copy of one seeded database (demo data plus the bench's buyers), a
# fresh server (BOXOFFICE_WORKER=false, RUST_LOG=warn, pool size default) on a free port, and the
# Rust load generator tests/bench/holds.rs (one client thread). The load generator, the server
# and PostgreSQL share the machine's cores: the figures are for that setup.
#
# Usage: tests/bench/holds.sh
#   PostgreSQL runs when 127.0.0.1:5432 answers. BENCH_DATABASE_URL=postgres://USER@HOST:PORT/NAME
#   picks another server; the databases NAME (it must contain "bench") and NAME_run are
#   DROPPED, created for the run and dropped at the end.
#   DATABASES="sqlite" or "postgres" runs one; DURATION (seconds per throughput level, default
#   10), HOT_SECONDS (10), MAP_SECONDS (4), LEVELS ("1 8 32 64").
#   PHASES ("holds hot map", plus "expired" when EXPIRED is set) picks the phases.
#   PAIRS=spread hands out the seat pairs in a fixed shuffle instead of seat order (neighbours,
#   section after section), so that concurrent holds fall in different sections.
# The results (JSON lines) and the summary are kept in target/bench-holds/.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
HOT_SECONDS=${HOT_SECONDS:-10}
MAP_SECONDS=${MAP_SECONDS:-4}
LEVELS=${LEVELS:-"1 8 32 64"}
PAIRS=${PAIRS:-seats}
DATABASES=${DATABASES:-"sqlite postgres"}
EXPIRED=${EXPIRED:-0}
EXPIRED_BUYERS=${EXPIRED_BUYERS:-8}
if [ "$EXPIRED" -gt 0 ]; then
  PHASES=${PHASES:-"holds hot map expired"}
else
  PHASES=${PHASES:-"holds hot map"}
fi
has() { [[ " $PHASES " == *" $1 "* ]]; }
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/boxoffice_bench}

bench=holds.sh
. tests/bench/lib.sh

check_postgres
bench_tmp

build_bins holds
results=$tmp/results.jsonl
: >"$results"

# Runs the load generator (its progress on stderr); its RESULT lines go to the results file.
gen() {
  "$tmp/bin/holds" "$@" >"$tmp/gen.out" || die "the load generator failed ($1)"
  sed -n 's/^RESULT //p' "$tmp/gen.out" | tee -a "$results" | sed 's/^/   /' >&2
}

# pgbench at $1 clients on a fresh copy, with the pair table the script needs.
pgbench_level() {
  local c=$1 url data=$tmp/postgres-data
  url=$(fresh postgres)
  pg "$url" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE bench_raw (n bigint, event_id bigint, buyer int, seat_a bigint, seat_b bigint);
\copy bench_raw FROM '$data/pairs.csv' WITH (FORMAT csv)
CREATE TABLE bench_buyers (buyer int, user_id bigint, token text);
\copy bench_buyers FROM '$data/buyers.csv' WITH (FORMAT csv)
CREATE TABLE bench_pairs AS
SELECT r.n, r.event_id, b.user_id, r.seat_a, r.seat_b, ea.id AS es_a, eb.id AS es_b,
       sa.tier_id AS tier_a, sb.tier_id AS tier_b, pa.price_cents AS price_a,
       pb.price_cents AS price_b, e.currency
  FROM bench_raw r
  JOIN bench_buyers b ON b.buyer = r.buyer
  JOIN events e ON e.id = r.event_id
  JOIN event_seats ea ON ea.event_id = r.event_id AND ea.seat_id = r.seat_a
  JOIN event_seats eb ON eb.event_id = r.event_id AND eb.seat_id = r.seat_b
  JOIN event_sections sa ON sa.event_id = r.event_id AND sa.section_id = ea.section_id
  JOIN event_sections sb ON sb.event_id = r.event_id AND sb.section_id = eb.section_id
  JOIN price_tiers pa ON pa.id = sa.tier_id
  JOIN price_tiers pb ON pb.id = sb.tier_id;
ALTER TABLE bench_pairs ADD PRIMARY KEY (n);
CREATE SEQUENCE bench_seq MINVALUE 0 START 0;
DROP TABLE bench_raw, bench_buyers;
ANALYZE bench_pairs;
SQL
  mkdir -p "$tmp/pgbench"
  rm -f "$tmp/pgbench/"*
  local out rc=0
  out=$(pgbench -n -M prepared -c "$c" -j 2 -T "$DURATION" -f tests/bench/holds_pgbench.sql \
    -l --log-prefix="$tmp/pgbench/log" "$url" 2>&1) || rc=$?
  local used
  used=$(pg "$url" -Atqc "SELECT last_value FROM bench_seq")
  python3 - "$c" "$rc" "$used" "$tmp/pgbench" "$out" >>"$results" <<'PY'
import glob, json, math, re, sys
c, rc, used, folder, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lat = []
for path in glob.glob(folder + "/log*"):
    for line in open(path):
        f = line.split()
        if len(f) >= 3 and f[2].isdigit():
            lat.append(int(f[2]))
lat.sort()
def pct(q):
    return round(lat[max(1, math.ceil(q * len(lat))) - 1] / 1000, 3) if lat else None
tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
failed = re.search(r"number of failed transactions: (\d+)", out)
pairs = sum(1 for _ in open(folder + "/../postgres-data/pairs.csv"))
row = {"phase": "pgbench", "db": "postgres", "concurrency": c,
       "per_s": round(float(tps.group(1)), 3) if tps else None, "transactions": len(lat),
       "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
       "failed": int(failed.group(1)) if failed else None, "exit": rc,
       "pairs_ran_out": used + 1 >= pairs}
if rc != 0:
    print(out, file=sys.stderr)
print(json.dumps(row))
PY
  echo "   $(tail -1 "$results")" >&2
}

for db in $DATABASES; do
  say "$db: seeding the demo and the buyers"
  seed "$db"
  data=$tmp/$db-data
  if has expired; then
    for what in holds standing; do
      for left in 0 "$EXPIRED"; do
        say "$db: $what over HTTP, $EXPIRED_BUYERS buyers, ${DURATION}s, $left unswept expired holds"
        url=$(fresh "$db")
        if [ "$left" -gt 0 ]; then
          "$tmp/bin/holds" leftovers --db "$url" --dir "$data" --count "$left" || die "seeding leftovers failed"
        fi
        if [ "$db" = postgres ]; then pg "$url" -q -c 'ANALYZE' >/dev/null; fi
        start_server "$url"
        gen "$what" --base "$base" --dir "$data" --concurrency "$EXPIRED_BUYERS" --seconds "$DURATION" \
          --warmup 0 --label "$db" --leftovers "$left"
        stop_server
      done
    done
  fi
  if has holds; then
    for c in $LEVELS; do
      if [ "$db" = postgres ]; then
        say "$db: pgbench, $c clients, ${DURATION}s"
        pgbench_level "$c"
      fi
      if [ "$c" = 1 ] || [ "$c" = 8 ]; then
        say "$db: holds through the library, $c threads, ${DURATION}s"
        gen direct --db "$(fresh "$db")" --dir "$data" --concurrency "$c" --seconds "$DURATION" --label "$db"
      fi
      say "$db: holds over HTTP, $c buyers, ${DURATION}s"
      start_server "$(fresh "$db")"
      gen holds --base "$base" --dir "$data" --concurrency "$c" --seconds "$DURATION" --warmup 1 --label "$db"
      stop_server
    done
  fi
  if has hot; then
    say "$db: 64 buyers on 50 hot seats, ${HOT_SECONDS}s"
    start_server "$(fresh "$db")"
    gen hot --base "$base" --dir "$data" --buyers 64 --seconds "$HOT_SECONDS" --label "$db"
    stop_server
  fi
  if has map; then
    say "$db: the arena's seat map, ${MAP_SECONDS}s per measurement"
    url=$(fresh "$db")
    start_server "$url"
    gen map --base "$base" --db "$url" --dir "$data" --seconds "$MAP_SECONDS" --label "$db"
    stop_server
  fi
done

mkdir -p target/bench-holds
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$results" "target/bench-holds/$stamp.jsonl"
{
  echo "tests/bench/holds.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ changed since)')"
  echo "machine: $machine; the server, PostgreSQL and the load generator (one client thread) share these cores"
  echo "pairs in $PAIRS order; ${DURATION}s per throughput level; server pool size default (10)"
  python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def find(phase, db, c=None):
    for r in rows:
        if r.get("compare"):
            continue
        if r["phase"] == phase and r["db"] == db and (c is None or r.get("concurrency") == c):
            return r
    return None
def fmt(x, d=1):
    return "-" if x is None else f"{x:,.{d}f}"
def errs(r):
    e = r.get("errors") or {}
    n = sum(e.values()) + (r.get("failed") or 0)
    return (str(n) + (" (ran out of seats)" if r.get("pairs_ran_out") else "")
            + (f" (pgbench exit {r['exit']})" if r.get("exit") else ""))
dbs = sorted({r["db"] for r in rows}, key=lambda d: d != "sqlite")
levels = sorted({r["concurrency"] for r in rows if "concurrency" in r and not r.get("compare")})

compare = [r for r in rows if r.get("compare")]
if compare:
    print("\nholds with unswept expired holds (no sweeper; no warm-up): holds/s; latency ms")
    print(f"{'database':9} {'what':14} {'buyers':>6} {'leftovers':>9} {'holds/s':>9} {'p50':>8} {'p99':>8}  errors  ratio")
    for db in dbs:
        for what, label in (("holds", "2 seats"), ("standing", "1 place")):
            clean = next((r for r in compare if r["db"] == db and r["phase"] == what and r["leftovers"] == 0), None)
            for r in (r for r in compare if r["db"] == db and r["phase"] == what):
                ratio = "" if r["leftovers"] == 0 or not clean else f"{r['per_s'] / clean['per_s']:.2f}"
                print(f"{db:9} {label:14} {r['concurrency']:>6} {r['leftovers']:>9,} {fmt(r['per_s']):>9} "
                      f"{fmt(r['p50_ms'], 2):>8} {fmt(r['p99_ms'], 2):>8}  {errs(r):6}  {ratio}")

print("\n2-seat holds (holds/s; latency ms)")
print(f"{'database':9} {'what':22} {'buyers':>6} {'holds/s':>9} {'p50':>8} {'p90':>8} {'p99':>8}  errors")
for db in dbs:
    for c in levels:
        for phase, what in (("pgbench", "pgbench, same SQL"), ("direct", "library, no HTTP"), ("holds", "HTTP")):
            r = find(phase, db, c)
            if r:
                print(f"{db:9} {what:22} {c:>6} {fmt(r['per_s']):>9} {fmt(r['p50_ms'], 2):>8} "
                      f"{fmt(r['p90_ms'], 2):>8} {fmt(r['p99_ms'], 2):>8}  {errs(r)}")

hot = [r for r in rows if r["phase"] == "hot"]
if hot:
    print(f"\nhot seats: {hot[0]['buyers']} clients at once on {hot[0]['seats']} seats "
          f"({hot[0]['accounts'] // hot[0]['buyers']} accounts each, in turn); a winner cancels at once")
print(f"{'database':9} {'holds/s':>9} {'taken/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
for db in dbs:
    r = find("hot", db)
    if r:
        n = sum(r["errors"].values()) + r["cancel_errors"]
        print(f"{db:9} {fmt(r['ok_per_s']):>9} {fmt(r['taken_per_s']):>9} {fmt(r['p50_ms'], 2):>8} "
              f"{fmt(r['p99_ms'], 2):>8}  {n}")

print("\narena seat map (GET /events/{id}/seats?section=all)")
for db in dbs:
    r = find("map", db)
    if not r:
        continue
    s, one, cl, raw = r["sizes"], r["one_client"], r["clients"], r["raw_query"]
    best_maps = max([one["browser"]["per_s"]] + [v["per_s"] for v in cl.values()])
    best_raw = max(v["per_s"] for v in raw.values())
    print(f"{db}: event {r['event']}, {r['seats']:,} seats; bytes {s['browser']['encoding']} "
          f"{s['browser']['bytes']/1000:,.0f} KB, {s['gzip']['encoding']} {s['gzip']['bytes']/1000:,.0f} KB, "
          f"uncompressed {s['identity']['bytes']/1000:,.0f} KB")
    print(f"  1 client: p50 {one['browser']['p50_ms']:.1f} ms (p99 {one['browser']['p99_ms']:.1f}) as a browser, "
          f"{one['gzip']['p50_ms']:.1f} ms gzip, {one['identity']['p50_ms']:.1f} ms uncompressed")
    print("  maps/s: " + ", ".join([f"1 client {one['browser']['per_s']:.1f}"] +
          [f"{k} clients {v['per_s']:.1f} (p99 {v['p99_ms']:.0f} ms)" for k, v in cl.items()]))
    ac = r.get("after_change")
    if ac:
        print(f"  first load after a change (one seat held or given back): p50 {ac['p50_ms']:.1f} ms, "
              f"p99 {ac['p99_ms']:.1f} ms over {ac['loads']} loads; the next load {ac['unchanged_p50_ms']:.1f} ms; "
              f"errors {ac['errors']}")
    print("  raw seat query in-process: " + ", ".join(
        f"{k} thread{'s' if k != '1' else ''} {v['per_s']:.1f}/s (p50 {v['p50_ms']:.1f} ms)" for k, v in raw.items())
        + f"; seatmap::load (all queries + views) {r['load_in_process']['p50_ms']:.1f} ms")
    st = r.get("states_query_2_threads")
    if st:
        print(f"  seat states alone (what the map reads; layouts are kept in memory): 2 threads "
              f"{st['per_s']:.1f}/s (p50 {st['p50_ms']:.1f} ms)")

print("\ngoals (ratios against baselines of this run)")
def line(ok, text):
    print(f"  [{'met ' if ok else 'MISS'}] {text}")
for r in compare:
    clean = next((x for x in compare if x["db"] == r["db"] and x["phase"] == r["phase"] and x["leftovers"] == 0), None)
    if r["leftovers"] and clean:
        ratio = r["per_s"] / clean["per_s"]
        line(ratio >= 0.8, f"{r['db']}: {r['phase']} with {r['leftovers']:,} unswept expired holds / clean = "
             f"{r['per_s']:,.0f} / {clean['per_s']:,.0f} = {ratio:.2f} (goal >= 0.80)")
pg_best = max((r["per_s"] or 0 for r in rows if r["phase"] == "pgbench"), default=None)
if pg_best:
    best_c = max((r for r in rows if r["phase"] == "pgbench"), key=lambda r: r["per_s"] or 0)["concurrency"]
    h32, h1, p1 = find("holds", "postgres", 32), find("holds", "postgres", 1), find("pgbench", "postgres", 1)
    if h32:
        ratio = h32["per_s"] / pg_best
        line(ratio >= 0.6, f"postgres: HTTP holds/s at 32 buyers / pgbench best ({pg_best:,.0f}/s at {best_c}) "
             f"= {h32['per_s']:,.0f} / {pg_best:,.0f} = {ratio:.2f} (goal >= 0.60)")
    if h1 and p1:
        d = h1["p50_ms"] - p1["p50_ms"]
        line(d <= 1.0, f"postgres: p50 at 1 buyer - pgbench p50 at 1 client = {h1['p50_ms']:.2f} - "
             f"{p1['p50_ms']:.2f} = {d:.2f} ms (goal <= 1 ms; ratio {h1['p50_ms']/p1['p50_ms']:.1f}x)")
p1, d1, h1 = find("pgbench", "postgres", 1), find("direct", "postgres", 1), find("holds", "postgres", 1)
if p1 and d1 and h1:
    print(f"  [info] postgres: p50 at 1: pgbench {p1['p50_ms']:.2f} ms, library {d1['p50_ms']:.2f} ms, "
          f"HTTP {h1['p50_ms']:.2f} ms")
for db in dbs:
    d1, h1 = find("direct", db, 1), find("holds", db, 1)
    if d1 and h1:
        print(f"  [info] {db}: HTTP / library at 1: {h1['per_s']:,.0f} / {d1['per_s']:,.0f} holds/s = "
              f"{h1['per_s']/d1['per_s']:.2f}; p50 {h1['p50_ms']:.2f} vs {d1['p50_ms']:.2f} ms")
    d8, h8 = find("direct", db, 8), find("holds", db, 8)
    if d8 and h8:
        print(f"  [info] {db}: HTTP / library at 8: {h8['per_s']:,.0f} / {d8['per_s']:,.0f} holds/s = "
              f"{h8['per_s']/d8['per_s']:.2f}")
    r = find("hot", db)
    if r:
        n = sum(r["errors"].values()) + r["cancel_errors"]
        line(r["p99_ms"] < 100 and n == 0, f"{db}: hot-seat p99 {r['p99_ms']:.1f} ms (goal < 100), errors {n} (goal 0)")
    m = find("map", db)
    if m:
        p50 = m["one_client"]["browser"]["p50_ms"]
        kb = m["sizes"]["browser"]["bytes"] / 1000
        gz = m["sizes"]["gzip"]["bytes"] / 1000
        best_maps = max([m["one_client"]["browser"]["per_s"]] + [v["per_s"] for v in m["clients"].values()])
        best_raw = max(v["per_s"] for v in m["raw_query"].values())
        line(p50 < 50, f"{db}: arena map p50 {p50:.1f} ms (goal < 50)")
        line(kb < 300, f"{db}: arena map {kb:,.0f} KB {m['sizes']['browser']['encoding']} "
             f"(goal < 300; gzip-only clients get {gz:,.0f} KB)")
        line(best_maps / best_raw >= 0.4, f"{db}: maps/s / raw query/s = {best_maps:.1f} / {best_raw:.1f} = "
             f"{best_maps/best_raw:.2f} (goal >= 0.40)")
        c4 = m["clients"].get("4")
        if c4:
            line(c4["per_s"] >= 500 and c4["p50_ms"] < 5,
                 f"{db}: unchanged map at 4 clients {c4['per_s']:,.0f} maps/s, p50 {c4['p50_ms']:.1f} ms "
                 f"(issue 18: >= 500, p50 < 5 ms)")
        ac = m.get("after_change")
        if ac:
            line(ac["p50_ms"] < 50 and ac["errors"] == 0,
                 f"{db}: first load after a change p50 {ac['p50_ms']:.1f} ms, p99 {ac['p99_ms']:.1f} ms "
                 f"(issue 18: < 50 ms), errors {ac['errors']}")
PY
} | tee "target/bench-holds/$stamp.txt"
