#!/usr/bin/env bash
# Load benchmark: release build, a dataset (national register + N generated products),
# the server on a local port, oha at a fixed concurrency and duration per scenario, one table.
# Usage: benches/load.sh [--db sqlite|postgres] [--products 10000] [--duration 10] [--connections 32]
#        [--response-cache-bytes N]  (default 0: every answer computed; the server's own default is 16 MiB)
#        (PostgreSQL: a server at --pg-url, default postgres://postgres@127.0.0.1:5432, trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/taawun-target}"
if ! command -v oha >/dev/null 2>&1; then
  echo "== installing oha (HTTP load generator) from crates.io" >&2
  cargo install oha --locked --quiet
fi
cargo build --release -q
exec python3 benches/load.py --binary "$CARGO_TARGET_DIR/release/taawun" --oha "$(command -v oha || echo "$HOME/.cargo/bin/oha")" "$@"
