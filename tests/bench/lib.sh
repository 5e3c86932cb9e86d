# Shared by the benchmark scripts (tests/bench/holds.sh, tests/bench/onsale.sh); sourced from
# the repository's root. Expects PG_URL, DATABASES and the script's name in $bench.
# shellcheck shell=bash

say() { echo "== $*" >&2; }
pg() { PGOPTIONS="-c client_min_messages=warning" psql "$@"; }
die() {
  echo "$bench: $*" >&2
  exit 1
}

pg_name=${PG_URL##*/}
pg_admin=${PG_URL%/*}/postgres

# PostgreSQL runs when it answers (or fails when BENCH_DATABASE_URL names one that does not);
# its database name must say "bench", since it is dropped.
check_postgres() {
  if [[ " $DATABASES " == *" postgres "* ]]; then
    command -v pgbench >/dev/null && command -v psql >/dev/null ||
      die "pgbench and psql are needed for PostgreSQL: apt-get install postgresql-client postgresql-contrib"
    if ! pg "$pg_admin" -Atqc 'SELECT 1' >/dev/null 2>&1; then
      if [ -n "${BENCH_DATABASE_URL:-}" ]; then die "PostgreSQL at $PG_URL does not answer"; fi
      say "no PostgreSQL on 127.0.0.1:5432: SQLite only"
      DATABASES=${DATABASES//postgres/}
    fi
  fi
  [[ " $DATABASES " != *" postgres "* || $pg_name == *bench* ]] ||
    die "the PostgreSQL database name must contain \"bench\" (it is dropped): $pg_name"
}

# A scratch folder, removed (with the server and the PostgreSQL databases) on exit.
bench_tmp() {
  tmp=$(mktemp -d)
  server=
  trap cleanup EXIT
}
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}
cleanup() {
  stop_server
  if [[ " $DATABASES " == *" postgres "* ]]; then
    pg "$pg_admin" -q -c "DROP DATABASE IF EXISTS ${pg_name}_run WITH (FORCE)" \
      -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}

# Builds the load generator $1 (a [[bench]] target, with the crate's test-hooks feature), then
# the plain release server; copies both to $tmp/bin so a build elsewhere during the run cannot
# change them.
build_bins() {
  local gen_bin
  say "building (release): the load generators ($*), then the server"
  mkdir -p "$tmp/bin"
  for name in "$@"; do
    cargo bench --no-run --bench "$name" --message-format=json-render-diagnostics >"$tmp/build.json"
    gen_bin=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[2] and m.get("executable"):
        print(m["executable"])' "$tmp/build.json" "$name" | tail -1)
    [ -x "$gen_bin" ] || die "cannot find the $name bench executable"
    cp "$gen_bin" "$tmp/bin/$name"
  done
  cargo build --release --quiet
  cp target/release/boxoffice "$tmp/bin/boxoffice"
}

# Starts the release server ($bin/boxoffice; $bin defaults to $tmp/bin) on DATABASE_URL=$1 and
# a free port, with any further VAR=value settings; sets $base and $server.
start_server() {
  local port url=$1
  shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  # The abuse limits on accounts are off: the buyers here are unconfirmed accounts holding
  # many pairs, and the hot fight cancels and re-holds the same seats at once, which is what
  # the limits exist to refuse; this measures the hold path itself.
  env DATABASE_URL="$url" BOXOFFICE_BIND=127.0.0.1:$port BOXOFFICE_BCRYPT_COST=4 BOXOFFICE_WORKER=false \
    BOXOFFICE_UNVERIFIED_HOLD_LIMIT=0 BOXOFFICE_REHOLD_COOLDOWN_SECONDS=0 \
    BOXOFFICE_LOG_FORMAT=json RUST_LOG=warn "$@" "${bin:-$tmp/bin}/boxoffice" serve >>"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$tmp/server.log" >&2
  die "the server did not start on $url"
}

# A fresh copy of the seeded database: prints its URL.
fresh() {
  case $1 in
    sqlite)
      rm -rf "$tmp/sqlite-run"
      mkdir -p "$tmp/sqlite-run"
      cp "$tmp/sqlite-seed"/boxoffice.db* "$tmp/sqlite-run/"
      echo "sqlite://$tmp/sqlite-run/boxoffice.db"
      ;;
    postgres)
      pg "$pg_admin" -q -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS ${pg_name}_run WITH (FORCE)" \
        -c "CREATE DATABASE ${pg_name}_run TEMPLATE $pg_name" >/dev/null
      echo "${PG_URL%/*}/${pg_name}_run"
      ;;
  esac
}

# Seeds the demo (the server does it on an empty database), adds the bench's buyers with
# `holds prepare` (pairs.csv, buyers.csv, meta.json in $tmp/$1-data), freezes the result. Uses
# the binaries in $bin (default $tmp/bin).
seed() {
  local url
  case $1 in
    sqlite)
      rm -rf "$tmp/sqlite-seed" # a second seeding (BASELINE) starts empty too
      mkdir -p "$tmp/sqlite-seed"
      url=sqlite://$tmp/sqlite-seed/boxoffice.db
      ;;
    postgres)
      pg "$pg_admin" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS ${pg_name}_run WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" -c "CREATE DATABASE $pg_name" >/dev/null
      url=$PG_URL
      ;;
  esac
  mkdir -p "$tmp/$1-data"
  start_server "$url"
  "${bin:-$tmp/bin}/holds" prepare --base "$base" --db "$url" --out "$tmp/$1-data" --order "${PAIRS:-seats}" ||
    die "preparing the buyers failed"
  stop_server
  if [ "$1" = postgres ]; then
    pg "$url" -q -c 'VACUUM ANALYZE' >/dev/null # the copies start with fresh statistics
  fi
}

machine="$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/{print $2}') GiB"
