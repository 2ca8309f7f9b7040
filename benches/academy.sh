#!/usr/bin/env bash
# Academy benchmark: release build, the demo plus N generated learners, the server on a local
# port; learning-event batches from 32 devices, the progress query and certificate checks.
# Usage: benches/academy.sh [--db sqlite|postgres] [--learners 100000] [--duration 15] [--connections 32]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/taawun-target}"
if ! command -v oha >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/oha" ]; then
  echo "== installing oha (HTTP load generator) from crates.io" >&2
  cargo install oha --locked --quiet
fi
cargo build --release -q
exec python3 benches/academy.py --binary "$CARGO_TARGET_DIR/release/taawun" --oha "$(command -v oha || echo "$HOME/.cargo/bin/oha")" "$@"
