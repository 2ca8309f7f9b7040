#!/usr/bin/env bash
# What one checkout costs: SQL statements (from /metrics) and wall time, on the release
# binary with the demo data, SQLite by default (set TAAWUN_DATABASE_URL for PostgreSQL).
# Usage: benches/checkout-cost.sh [checkouts=200]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
PORT="${PORT:-18181}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/taawun-target}"
cargo build --release -q
DATA="$(mktemp -d)"
TAAWUN_DATA_DIR="$DATA" TAAWUN_BIND="127.0.0.1:$PORT" TAAWUN_LOG=warn \
  "$CARGO_TARGET_DIR/release/taawun" serve --demo > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done

gql() { curl -sf "$URL/graphql" -H 'content-type: application/json' -d "$1"; }
statements() { curl -sf "$URL/metrics" | awk '/^taawun_db_statements_total/ {print $2}'; }
variant() {
  gql "{\"query\":\"{ product(slug: \\\"$1\\\") { variants(first: 1) { nodes { id } } } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["product"]["variants"]["nodes"][0]["id"])'
}
# Plenty of stock so the run measures checkouts, not sold-out answers.
A=$(variant huile-argan-alimentaire-tighanimine)
B=$(variant tapis-berbere-tissage-taznakht)
TOKEN=$(gql '{"query":"mutation { login(input: {email: \"admin@demo.taawun.ma\", password: \"taawun-demo-2026\"}) { accessToken { token } } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"]["token"])')
for V in "$A" "$B"; do
  curl -sf "$URL/graphql" -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \
    -d "{\"query\":\"mutation { inventoryAdjust(input: {variantId: \\\"$V\\\", delta: 100000}) { userErrors { code } } }\"}" >/dev/null
done

cart() {
  gql "{\"query\":\"mutation { cartCreate(input: {lines: [{variantId: \\\"$A\\\", quantity: 1}, {variantId: \\\"$B\\\", quantity: 1}]}) { cart { id } } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["cartCreate"]["cart"]["id"])'
}
checkout() {
  gql "{\"query\":\"mutation { checkoutComplete(input: {cartId: \\\"$1\\\", email: \\\"b@example.ma\\\", phone: \\\"0612345678\\\", paymentMethod: CASH_ON_DELIVERY, idempotencyKey: \\\"bench-checkout-$2\\\", shippingAddress: {fullName: \\\"B\\\", line1: \\\"1 rue\\\", city: \\\"Rabat\\\", regionCode: \\\"04\\\"}}) { order { number } userErrors { code } } }\"}"
}

CARTS=()
for i in $(seq 1 "$N"); do CARTS+=("$(cart)"); done
ONE=$(cart)
before=$(statements); checkout "$ONE" single >/dev/null; after=$(statements)
echo "statements for one checkout (2 lines, 2 cooperatives, COD): $((after - before))"
start=$(date +%s%N)
for i in $(seq 1 "$N"); do checkout "${CARTS[$((i-1))]}" "$i" | grep -q '"number"' || { echo "checkout $i failed"; exit 1; }; done
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
echo "$N sequential checkouts over HTTP (curl per request): ${ms} ms, $(( ms * 1000 / N )) µs each"
