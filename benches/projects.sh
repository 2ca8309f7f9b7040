#!/usr/bin/env bash
# Project bank benchmark: release build, the demo plus N generated applications, the server on a
# local port; submissions by 32 applicants, the idea search and the statistics query.
# Usage: benches/projects.sh [--db sqlite|postgres] [--applications 150000] [--duration 15] [--connections 32]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/taawun-target}"
if ! command -v oha >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/oha" ]; then
  echo "== installing oha (HTTP load generator) from crates.io" >&2
  cargo install oha --locked --quiet
fi
cargo build --release -q
exec python3 benches/projects.py --binary "$CARGO_TARGET_DIR/release/taawun" --oha "$(command -v oha || echo "$HOME/.cargo/bin/oha")" "$@"
