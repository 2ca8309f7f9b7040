#!/usr/bin/env bash
# The national register: time `seed national` (65,315 cooperatives, 788,969 members, filings)
# and `nationalFigures` on it, on SQLite and, when PG_URL is set (a server with trust auth),
# on PostgreSQL in a fresh database. Release build.
# Usage: benches/registry.sh            (SQLite)
#        PG_URL=postgres://postgres@127.0.0.1:5432 benches/registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/taawun-target}"
cargo build --release -q
BIN="$CARGO_TARGET_DIR/release/taawun"
ROUNDS="${ROUNDS:-20}"

run() {
  local label="$1"
  echo "== $label: seed national"
  /usr/bin/time -f "   wall %e s, peak RSS %M KiB" "$BIN" seed national
  echo "== $label: nationalFigures ($ROUNDS rounds)"
  "$BIN" bench figures --rounds "$ROUNDS"
}

DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT
TAAWUN_DATA_DIR="$DATA" TAAWUN_LOG=warn run "SQLite ($DATA/taawun.db)"
ls -la "$DATA/taawun.db" | awk '{printf "   database file %.0f MB\n", $5/1048576}'

if [ -n "${PG_URL:-}" ]; then
  DB="taawun_bench_registry_$$"
  psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB"
  trap 'psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null; rm -rf "$DATA"' EXIT
  TAAWUN_DATABASE_URL="$PG_URL/$DB" TAAWUN_LOG=warn run "PostgreSQL ($DB)"
fi
