#!/usr/bin/env bash
# Benchmark: the waiting room (issue 20 item 6; shared/WAITING_ROOM.md §4 E2-E5), on SQLite and
# PostgreSQL, against a release build on loopback. Per database, on a fresh database seeded with
# the demo, one server (BOXOFFICE_WORKER=false: nothing ticks but this script; the server trusts
# 127.0.0.1 as a proxy, so each join can come from its own X-Forwarded-For address, as 100,000
# people do; every limit keeps its default):
#   joins   (E3) JOINS pre-queue joins in JOIN_SECONDS from 32 clients, each as a fresh browser:
#           GET the queue page (session cookie, CSRF token), POST the join form; joins/s, POST
#           p50/p99, errors
#   draw    (E4) the sale's start moved into the past, the draw run by the load generator through
#           the library (services::queue::tick_room, timed) while a client polls the server back
#           to back (polls answered during the draw, their longest; where fewer than
#           DRAW_TICKETS joined over HTTP, the rest join through the library first, so the draw
#           numbers DRAW_TICKETS, 100,000, on both databases); then every ticket's first
#           poll after the draw (one primary-key read each, the numbered cookie) at RENEW_RATE/s
#   polls   (E2) an idle baseline of the CPU (10 s), /healthz open-loop at RATE/s (the latency's
#           baseline: same server, same rate, no queue), then RATE polls/s open-loop for
#           POLL_SECONDS spread over all the tickets, alternating the HTML fragment and the JSON
#           twin; p50/p99, errors, 429s, achieved rate, server CPU, PostgreSQL CPU above idle
#   e5      (E5) clients obeying poll_after_seconds with 100,000 waiting at R = 600/min,
#           simulated in process with the status logic (services::queue::status::status) over
#           E5_SECONDS of queue time: polls/s
# The load generator is tests/bench/queue.rs (Rust, tokio on two threads); it shares the machine's
# cores with the server and PostgreSQL, and reports its own CPU.
#
# Usage: tests/bench/queue.sh
#   DATABASES ("sqlite postgres"), JOINS (per database: 20000 on SQLite, 100000 on PostgreSQL),
#   JOIN_SECONDS (60), DRAW_TICKETS (100000), RATE (10000), POLL_SECONDS (60), RENEW_RATE (5000),
#   E5_SECONDS (600), BENCH_DATABASE_URL (as holds.sh: its name must say "bench"; NAME and NAME_run are dropped).
# Results (JSON lines) and a summary are kept in target/bench-queue/.
set -euo pipefail
cd "$(dirname "$0")/../.."

DATABASES=${DATABASES:-"sqlite postgres"}
JOIN_SECONDS=${JOIN_SECONDS:-60}
RATE=${RATE:-10000}
POLL_SECONDS=${POLL_SECONDS:-60}
RENEW_RATE=${RENEW_RATE:-5000}
E5_SECONDS=${E5_SECONDS:-600}
DRAW_TICKETS=${DRAW_TICKETS:-100000}
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/boxoffice_bench}

bench=queue.sh
. tests/bench/lib.sh

check_postgres
bench_tmp
ulimit -n "$(ulimit -Hn)"

build_bins queue
results=$tmp/results.jsonl
: >"$results"

gen() {
  "$tmp/bin/queue" "$@" >"$tmp/gen.out" || die "the load generator failed ($1)"
  sed -n 's/^RESULT //p' "$tmp/gen.out" | tee -a "$results" | sed 's/^/   /' >&2
}

for db in $DATABASES; do
  case $db in
    sqlite)
      joins=${JOINS:-20000}
      mkdir -p "$tmp/sqlite"
      url=sqlite://$tmp/sqlite/boxoffice.db
      pg_flag=()
      ;;
    postgres)
      joins=${JOINS:-100000}
      pg "$pg_admin" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" \
        -c "CREATE DATABASE $pg_name" >/dev/null
      url=$PG_URL
      pg_flag=(--pg "$pg_name")
      ;;
  esac
  say "$db: the demo, a room in its pre-queue"
  # The first start seeds the demo; the room is set up with no server running.
  start_server "$url"
  stop_server
  event=$("$tmp/bin/queue" setup --db "$url") || die "setting up the room failed"
  start_server "$url" BOXOFFICE_TRUSTED_PROXIES=127.0.0.1
  say "$db: $joins joins in ${JOIN_SECONDS}s (event $event)"
  gen joins --base "$base" --event "$event" --count "$joins" --clients 32 --seconds "$JOIN_SECONDS" \
    --out "$tmp/tokens" --server-pid "$server" --label "$db" "${pg_flag[@]}"
  say "$db: the draw"
  extra=$((DRAW_TICKETS > joins ? DRAW_TICKETS - joins : 0))
  gen draw --db "$url" --base "$base" --event "$event" --tokens "$tmp/tokens" --renew-rate "$RENEW_RATE" \
    --extra "$extra" --label "$db"
  if [ "$db" = postgres ]; then pg "$url" -q -c 'VACUUM ANALYZE' >/dev/null; fi
  say "$db: polls"
  gen polls --base "$base" --event "$event" --tokens "$tmp/tokens" --rate "$RATE" --seconds "$POLL_SECONDS" \
    --server-pid "$server" --label "$db" "${pg_flag[@]}"
  stop_server
done
say "E5: obeying clients, in process"
gen e5 --waiting 100000 --rate 600 --seconds "$E5_SECONDS"

mkdir -p target/bench-queue
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$results" "target/bench-queue/$stamp.jsonl"
{
  echo "tests/bench/queue.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ changed since)')"
  echo "machine: $machine; the server, PostgreSQL and the load generator share these cores"
  python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def f(x, d=1):
    return "-" if x is None else f"{x:,.{d}f}"
def get(db, phase):
    return next((r for r in rows if r.get("db") == db and r["phase"] == phase), None)
dbs = [d for d in ("sqlite", "postgres") if get(d, "joins")]
print(f"\n{'check':42} " + " ".join(f"{d:>22}" for d in dbs))
def line(name, cell):
    print(f"{name:42} " + " ".join(f"{cell(d):>22}" for d in dbs))
j = lambda d: get(d, "joins")
line("E3 joins (count in s)", lambda d: f"{j(d)['ok']:,} in {j(d)['seconds']:.1f}")
line("E3 joins/s", lambda d: f(j(d)["per_s"]))
line("E3 join POST p50 / p99 ms", lambda d: f"{f(j(d)['p50_ms'])} / {f(j(d)['p99_ms'])}")
line("E3 queue page GET p50 / p99 ms", lambda d: f"{f(j(d)['get_p50_ms'])} / {f(j(d)['get_p99_ms'])}")
line("E3 errors", lambda d: f"{j(d)['errors']}")
line("E3 server / db cores", lambda d: f"{f(j(d)['server_cores'], 2)} / {f(j(d)['db_cores'], 2)}")
w = lambda d: get(d, "draw")
line("E4 draw (tickets in s)", lambda d: f"{w(d)['drew']:,} in {w(d)['draw_s']:.2f}")
line("E4 polls during the draw (ok/sent)", lambda d: f"{w(d)['polls_during_ok']}/{w(d)['polls_during']}")
line("E4 longest poll during the draw ms", lambda d: f(w(d)["poll_max_during_ms"]))
r = lambda d: get(d, "first_polls")
line("first poll after the draw: per s", lambda d: f"{f(r(d)['per_s'], 0)} (asked {f(r(d)['rate'], 0)})")
line("first poll after the draw p50 / p99 ms", lambda d: f"{f(r(d)['p50_ms'])} / {f(r(d)['p99_ms'])}")
line("first poll after the draw errors/shed", lambda d: f"{r(d)['errors']}/{r(d)['shed']}")
p = lambda d: get(d, "polls")
h = lambda d: get(d, "health")
line("E2 polls/s achieved (asked)", lambda d: f"{f(p(d)['per_s'], 0)} ({f(p(d)['rate'], 0)})")
line("E2 poll p50 / p99 ms (from sent)", lambda d: f"{f(p(d)['p50_ms'], 2)} / {f(p(d)['p99_ms'], 2)}")
line("E2 poll p99 ms from due (open loop)", lambda d: f(p(d)["p99_due_ms"], 2))
line("  /healthz p50 / p99 ms, same rate", lambda d: f"{f(h(d)['p50_ms'], 2)} / {f(h(d)['p99_ms'], 2)}")
line("  poll p99 / healthz p99", lambda d: f"{p(d)['p99_ms'] / h(d)['p99_ms']:.2f}x" if p(d)['p99_ms'] and h(d)['p99_ms'] else "-")
line("E2 errors (non-200, not 429) / 429 / shed", lambda d: f"{p(d)['errors']} / {p(d)['too_many']} / {p(d)['shed']}")
line("E2 server cores (healthz at same rate)", lambda d: f"{f(p(d)['server_cores'], 2)} ({f(h(d)['server_cores'], 2)})")
line("E2 database CPU above idle, pp of a core", lambda d: f(p(d)["db_pp"], 2) if p(d)["db_pp"] is not None else "in-process")
line("E2 load generator cores", lambda d: f(p(d)["loadgen_cores"], 2))
line("load average (1 min) at the end of joins / polls", lambda d: f"{f(j(d).get('loadavg'), 1)} / {f(p(d).get('loadavg'), 1)}")
for phase, how in (("e5", "as the app words the delays"), ("e5_jitter_after_cap", "with the jitter after the 30 s cap instead")):
    e = next((r for r in rows if r["phase"] == phase), None)
    if e:
        print(f"\nE5 (in process, status logic), {how}: {e['waiting']:,} waiting at R = {e['rate_per_minute']:.0f}/min "
              f"over {e['seconds']} s: {e['mean_per_s_after_60s']:,.0f} polls/s on average after the first minute "
              f"(p99 second {e['p99_second_after_60s']:,}/s, busiest {e['peak_per_s_after_60s']:,}/s); "
              f"{e['first_5s_per_s']:,}/s in the draw's first 5 s, busiest second 30-60 s: {e['peak_per_s_30_to_60s']:,}/s")
PY
} | tee "target/bench-queue/$stamp.txt"
