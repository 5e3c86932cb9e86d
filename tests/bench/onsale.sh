#!/usr/bin/env bash
# Benchmark: an on-sale of the arena, live viewers and all (issue 18), on SQLite and PostgreSQL,
# against a release build on loopback:
#   N live viewers of the arena's map (server-sent events; SCOPE below; the first K signed in with a
#   basket), holds at a steady R per second, whole-map page loads at M per second. Reports the
#   delivery delay (p50/p99) and the fraction of screens updated within 1 s (measured on S of
#   the viewers, who read every message), server CPU (cores, from /proc) and memory, holds/s
#   and their latency, maps/s and their latency. The load generator is tests/bench/onsale.rs
#   (Rust, one thread); its own CPU is reported beside the server's.
# With BASELINE=<commit>, every level also runs against that commit's server (built in a git
# worktree kept at target/bench-baseline/tree, seeded by that commit's own `holds prepare`): the
# figures to compare with, measured in the same sitting.
#
# Usage: tests/bench/onsale.sh
#   VIEWERS ("100 1000"; levels), RATE (holds/s, 20), MAPS (map loads/s, 2), SCOPE (what the
#   viewers watch: "overview", the page the arena's map opens on, or "all", every seat), SIGNED_IN (per
#   level, 10% of the viewers up to 200), SAMPLE (100), RUN_SECONDS (10), WARMUP (3),
#   DATABASES ("sqlite postgres"), SERVER_ENV (more VAR=value settings for the server, e.g.
#   BOXOFFICE_LIVE_RELAY=false), BENCH_DATABASE_URL (as holds.sh: its name must say "bench";
#   the databases NAME and NAME_run are dropped), BASELINE (a commit, optional).
# Results (JSON lines) and a summary are kept in target/bench-onsale/.
set -euo pipefail
cd "$(dirname "$0")/../.."

VIEWERS=${VIEWERS:-"100 1000"}
RATE=${RATE:-20}
SCOPE=${SCOPE:-overview}
MAPS=${MAPS:-2}
SAMPLE=${SAMPLE:-100}
SECONDS_PER_RUN=${RUN_SECONDS:-10}
WARMUP=${WARMUP:-3}
DATABASES=${DATABASES:-"sqlite postgres"}
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/boxoffice_bench}
BASELINE=${BASELINE:-}

bench=onsale.sh
. tests/bench/lib.sh

check_postgres
bench_tmp
# Every viewer is a connection on both sides.
ulimit -n "$(ulimit -Hn)"
max_viewers=$(printf '%s\n' $VIEWERS | sort -n | tail -1)
[ "$(ulimit -n)" -gt $((max_viewers + 1000)) ] ||
  die "$max_viewers viewers need more open files than this shell's limit ($(ulimit -n))"

build_bins holds onsale
if [ -n "$BASELINE" ]; then
  say "building the baseline $BASELINE (release) in target/bench-baseline/"
  rev=$(git rev-parse --verify "$BASELINE^{commit}") || die "no such commit: $BASELINE"
  # Kept in target/bench-baseline/tree (a git worktree), so a second run on the same commit
  # compiles nothing.
  tree=$PWD/target/bench-baseline/tree
  if [ "$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null)" != "$tree" ] ||
    [ "$(git -C "$tree" rev-parse HEAD)" != "$rev" ]; then
    git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
    git worktree prune
    git worktree add --detach "$tree" "$rev" >/dev/null
  fi
  (
    cd "$tree"
    export CARGO_TARGET_DIR=$OLDPWD/target/bench-baseline
    cargo bench --no-run --bench holds --message-format=json-render-diagnostics >"$tmp/base-build.json"
    cargo build --release --quiet
  )
  mkdir -p "$tmp/base-bin"
  python3 -c 'import json,sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "holds" and m.get("executable"):
        print(m["executable"])' "$tmp/base-build.json" | tail -1 | xargs -I{} cp {} "$tmp/base-bin/holds"
  cp target/bench-baseline/release/boxoffice "$tmp/base-bin/boxoffice"
fi

results=$tmp/results.jsonl
: >"$results"

# One level: $1 database, $2 viewers, $3 label ("now" or "baseline"); binaries from $bin.
level() {
  local db=$1 n=$2 label=$3 signed=${SIGNED_IN:-}
  [ -n "$signed" ] || signed=$((n / 10 < 200 ? n / 10 : 200))
  say "$db ($label): $n viewers ($signed signed in), $RATE holds/s, $MAPS maps/s, ${SECONDS_PER_RUN}s"
  # shellcheck disable=SC2086 # SERVER_ENV is a list of VAR=value words
  start_server "$(fresh "$db")" BOXOFFICE_LIVE_STREAMS_TOTAL=$((n + 500)) BOXOFFICE_LIVE_STREAMS_PER_CLIENT=32 ${SERVER_ENV:-}
  "$tmp/bin/onsale" run --base "$base" --dir "$tmp/$db-data" --viewers "$n" --signed-in "$signed" \
    --sample "$SAMPLE" --rate "$RATE" --maps "$MAPS" --scope "$SCOPE" --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" \
    --server-pid "$server" --label "$db $label" >"$tmp/gen.out" || die "the load generator failed"
  sed -n 's/^RESULT //p' "$tmp/gen.out" | tee -a "$results" | sed 's/^/   /' >&2
  stop_server
}

for db in $DATABASES; do
  # The sqlite-seed / postgres seed are per binary: the baseline's schema may differ.
  if [ -n "$BASELINE" ]; then
    say "$db: seeding with the baseline"
    bin=$tmp/base-bin seed "$db"
    for n in $VIEWERS; do bin=$tmp/base-bin level "$db" "$n" baseline; done
  fi
  say "$db: seeding the demo and the buyers"
  bin=$tmp/bin seed "$db"
  for n in $VIEWERS; do bin=$tmp/bin level "$db" "$n" now; done
done

mkdir -p target/bench-onsale
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$results" "target/bench-onsale/$stamp.jsonl"
{
  echo "tests/bench/onsale.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ changed since)')${BASELINE:+, baseline $BASELINE}"
  echo "machine: $machine; the server, PostgreSQL and the load generator (one thread) share these cores"
  echo "viewers on $SCOPE; holds ${RATE}/s, whole-map loads ${MAPS}/s, ${SECONDS_PER_RUN}s measured after ${WARMUP}s; deliveries measured on up to $SAMPLE viewers"
  python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def f(x, d=1):
    return "-" if x is None else f"{x:,.{d}f}"
print(f"\n{'run':20} {'viewers':>7} {'holds/s':>8} {'hold p99':>9} {'deliv p50':>9} {'deliv p99':>9} "
      f"{'<=1s':>6} {'missing':>7} {'refresh':>7} {'server':>7} {'RSS MiB':>8} {'maps/s':>7} {'map p50':>8} {'loadgen':>7}")
for r in rows:
    print(f"{r['db']:20} {r['viewers']:>7} {f(r['holds_per_s']):>8} {f(r['hold_p99_ms'], 1):>9} "
          f"{f(r['delivery_p50_ms'], 1):>9} {f(r['delivery_p99_ms'], 1):>9} {f(r['within_1s'], 3):>6} "
          f"{r['missing']:>7} {r['refreshes']:>7} {f(r['server_cores'], 2):>7} {f(r['server_rss_mib'], 0):>8} "
          f"{f(r['maps_per_s']):>7} {f(r['map_p50_ms'], 1):>8} {f(r['loadgen_cores'], 2):>7}")
print("\n(delivery in ms from the hold request; <=1s: fraction of (hold, sampled screen) pairs updated "
      "within 1 s; server and loadgen in cores over the measured window)")
PY
} | tee "target/bench-onsale/$stamp.txt"
