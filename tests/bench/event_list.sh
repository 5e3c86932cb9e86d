#!/usr/bin/env bash
# Benchmark: the public event list page with 20 events, measured from a second process (wrk) on
# loopback against a release build, next to a baseline measured in the same run:
#   baseline  GET /healthz                      routing, middleware, logging; no database
#   page      GET /events?per_page=20           search + inventory queries + askama render
#   api       GET /api/v1/events?per_page=20    the same queries, JSON
# Figures are quoted as ratios to the baseline because absolute numbers depend on the machine.
#
# Usage: tests/bench/event_list.sh            (SQLite in a temp folder, demo data)
#        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/bench_db tests/bench/event_list.sh
#        DURATION=20s CONNECTIONS=1 tests/bench/event_list.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-1}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db_url=${BENCH_DATABASE_URL:-sqlite://$tmp/bench.db}
DATABASE_URL=$db_url BOXOFFICE_BIND=127.0.0.1:$port BOXOFFICE_BCRYPT_COST=4 \
  BOXOFFICE_LOG_FORMAT=json target/release/boxoffice serve >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT

base=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/readyz" >/dev/null || { echo "the server did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
events=$(curl -fs "$base/api/v1/events?per_page=20" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
[ "$events" = 20 ] || { echo "expected a page of 20 events, got $events" >&2; exit 1; }

# wrk prints latencies as 123.45us / 1.23ms / 1.02s: convert to milliseconds.
to_ms() {
  python3 -c 'import re,sys
v, u = re.match(r"([\d.]+)(us|ms|s)", sys.argv[1]).groups()
print("%.3f" % (float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]))' "$1"
}

run() {
  local path=$1
  wrk -t1 -c"$CONNECTIONS" -d2s "$base$path" >/dev/null # warm-up
  local out
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$base$path")
  local p50 p99 rps
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
  echo "$p50 $p99 $rps"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "database: ${db_url%%://*}; wrk: 1 thread, $CONNECTIONS connection(s), $DURATION per URL"
read -r b50 b99 brps < <(run /healthz)
printf '%-30s %10s %10s %10s %12s\n' "url" "p50 ms" "p99 ms" "req/s" "p50/baseline"
printf '%-30s %10s %10s %10s %12s\n' "/healthz (baseline)" "$b50" "$b99" "$brps" "1.0"
for path in "/events?per_page=20" "/api/v1/events?per_page=20"; do
  read -r p50 p99 rps < <(run "$path")
  ratio=$(python3 -c "print(f'{$p50/$b50:.1f}')")
  printf '%-30s %10s %10s %10s %12s\n' "$path" "$p50" "$p99" "$rps" "$ratio"
done
