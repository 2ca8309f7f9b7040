#!/usr/bin/env python3
"""Load benchmark driver (called by benches/load.sh): builds a dataset, starts the release
server, checks each scenario's answer, drives it with oha at a fixed concurrency and duration,
and prints one table with requests/s, p50, p99, errors, server CPU and peak RSS.

Standard library only. The checkout scenario is driven here (each order is two requests with
fresh ids, which oha cannot vary) by one thread per connection over keep-alive connections."""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "graphql", "examples")


def example(file_name):
    """A storefront operation as clients send it: its text and its `# variables:` line."""
    with open(os.path.join(EXAMPLES, file_name), encoding="utf-8") as f:
        text = f.read()
    variables = {}
    for line in text.splitlines():
        if line.startswith("# variables:"):
            variables = json.loads(line[len("# variables:"):].strip())
    return text, variables


def resolve(server_url, value):
    """Replaces `{{category:slug}}` placeholders (as the contract test does) with ids."""
    if isinstance(value, dict):
        return {k: resolve(server_url, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(server_url, v) for v in value]
    if isinstance(value, str) and value.startswith("{{category:"):
        slug = value[len("{{category:"):-2]
        found = post(server_url, "query($s: String) { category(slug: $s) { id } }", {"s": slug})["data"]["category"]
        return found["id"] if found else None
    return value

SEARCH_TYPO_AR = """{ productSearch(query: "زيت الأرگن", first: 20) { totalCount nodes { highlightedName product { id slug } } } }"""
FIGURES = """{ nationalFigures { cooperatives members women young jobs byRegion { region { code } cooperatives members }
  bySector { sector { code } cooperatives } byLegalForm { legalForm cooperatives } registrationsByYear { year registrations } } }"""


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(cmd, env, **kw):
    log("$", " ".join(cmd))
    subprocess.run(cmd, env=env, check=True, **kw)


def post(url, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(url + "/graphql", data=body, headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.load(res)


def ok(body, what):
    if body.get("errors"):
        raise SystemExit(f"{what}: GraphQL errors: {json.dumps(body)[:500]}")
    return body["data"]


class Server:
    def __init__(self, binary, env, port):
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=open(env["TAAWUN_DATA_DIR"] + "/server.log", "w"))
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url + "/readyz", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("the server did not start; see server.log")

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak(self):
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    def peak_rss_mb(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def oha(args, server, name, method="POST", body=None, path="/graphql"):
    cmd = [args.oha, "-z", f"{args.duration}s", "-c", str(args.connections), "--no-tui", "--output-format", "json", "-m", method]
    if body is not None:
        cmd += ["-H", "content-type: application/json", "-d", json.dumps(body)]
    cmd.append(server.url + path)
    server.reset_peak()
    cpu0 = server.cpu_seconds()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - cpu0
    r = json.loads(out)
    summary = r["summary"]
    codes = r.get("statusCodeDistribution", {})
    # Requests still in flight when the duration ends are cut by oha itself, not failures.
    cut = {k: n for k, n in r.get("errorDistribution", {}).items() if "deadline" not in k}
    errors = sum(n for code, n in codes.items() if code != "200") + sum(cut.values())
    total = sum(codes.values())
    lat = r.get("latencyPercentiles", {})
    return {
        "scenario": name,
        "rps": summary["requestsPerSec"],
        "p50": lat.get("p50", 0) * 1000,
        "p99": lat.get("p99", 0) * 1000,
        "requests": total,
        "errors": errors,
        "cpu": cpu / args.duration * 100,
        "rss": server.peak_rss_mb(),
    }


def checkout_load(args, server, pairs, before):
    """32 buyers, each: cart with one line from each of two cooperatives (pairs of variants taken
    in turn, so buyers spread over several products as real traffic does), then a
    cash-on-delivery checkout. Every variant's stock must end at its start minus what was sold."""
    stop_at = time.time() + args.duration
    lock = threading.Lock()
    results = {"orders": 0, "errors": 0, "lat": []}
    sold = {v: 0 for pair in pairs for v in pair}
    host = server.url.split("//")[1]

    def buyer(n):
        conn = http.client.HTTPConnection(host, timeout=60)
        i = 0
        lat, orders, errors = [], 0, 0
        mine = {v: 0 for v in sold}
        while time.time() < stop_at:
            i += 1
            a, b = pairs[(n + i) % len(pairs)]
            t = time.time()
            try:
                def gql(q):
                    conn.request("POST", "/graphql", json.dumps({"query": q}), {"content-type": "application/json"})
                    return json.loads(conn.getresponse().read())
                cart = gql('mutation { cartCreate(input: {lines: [{variantId: "%s", quantity: 1}, {variantId: "%s", quantity: 1}]}) { cart { id } userErrors { code } } }' % (a, b))
                cart_id = cart["data"]["cartCreate"]["cart"]["id"]
                order = gql('mutation { checkoutComplete(input: {cartId: "%s", email: "b%d@example.ma", phone: "0612345678", paymentMethod: CASH_ON_DELIVERY, idempotencyKey: "load-%d-%d-%d", shippingAddress: {fullName: "Acheteur", line1: "1 rue Atlas", city: "Rabat", regionCode: "04"}}) { order { number } userErrors { code } } }' % (cart_id, n, os.getpid(), n, i))
                if order.get("errors") or not order["data"]["checkoutComplete"]["order"]:
                    errors += 1
                else:
                    orders += 1
                    mine[a] += 1
                    mine[b] += 1
                    lat.append((time.time() - t) * 1000)
            except Exception:
                errors += 1
                conn = http.client.HTTPConnection(host, timeout=60)
        with lock:
            for v, k in mine.items():
                sold[v] += k
            results["orders"] += orders
            results["errors"] += errors
            results["lat"] += lat

    server.reset_peak()
    cpu0 = server.cpu_seconds()
    started = time.time()
    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - started
    cpu = server.cpu_seconds() - cpu0
    lat = sorted(results["lat"]) or [0]
    after = {v: stock(server, v) for v in sold}
    exact = all(after[v] == before[v] - sold[v] for v in sold)
    return {
        "scenario": "checkout (orders/s)",
        "rps": results["orders"] / wall,
        "p50": lat[len(lat) // 2],
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "requests": results["orders"],
        "errors": results["errors"],
        "cpu": cpu / wall * 100,
        "rss": server.peak_rss_mb(),
        "note": f"{len(sold)} variants, {sum(sold.values())} units sold, every stock at start minus sold: {'exact' if exact else 'WRONG'}",
        "exact": exact,
    }


def stock(server, variant_id):
    d = ok(post(server.url, 'query($id: ID!) { node(id: $id) { ... on Variant { quantityAvailable } } }', {"id": variant_id}), "stock")
    return d["node"]["quantityAvailable"]


def oversell_probe(server, token, variant_id, buyers=32, attempts=96, stock_left=40):
    """Many buyers race for the last units: exactly the stock is sold, never more."""
    current = stock(server, variant_id)
    ok(post(server.url, 'mutation($v: ID!, $d: Int!) { inventoryAdjust(input: {variantId: $v, delta: $d}) { userErrors { code } } }',
            {"v": variant_id, "d": stock_left - current}, token), "adjust")
    sold = []
    lock = threading.Lock()

    failures = []

    def buyer(n):
        for i in range(attempts // buyers):
            cart = post(server.url, 'mutation { cartCreate(input: {lines: [{variantId: "%s", quantity: 1}]}) { cart { id } userErrors { code } } }' % variant_id)
            if not (cart.get("data") or {}).get("cartCreate", {}).get("cart"):
                failures.append(json.dumps(cart)[:300])
                continue
            cart_id = cart["data"]["cartCreate"]["cart"]["id"]
            order = post(server.url, 'mutation { checkoutComplete(input: {cartId: "%s", email: "o@example.ma", phone: "0612345678", paymentMethod: CASH_ON_DELIVERY, idempotencyKey: "oversell-%d-%d-%d", shippingAddress: {fullName: "A", line1: "1 rue", city: "Fes", regionCode: "03"}}) { order { number } userErrors { code } } }' % (cart_id, os.getpid(), n, i))
            if order["data"]["checkoutComplete"]["order"]:
                with lock:
                    sold.append(1)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        log(f"oversell probe: {len(failures)} carts refused, first: {failures[0]}")
    return len(sold), stock(server, variant_id)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--oha", default="oha")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--port", type=int, default=18480)
    p.add_argument("--scenarios", default="healthz,product_list,product_filtered,product_page,search,search_typo_ar,national_figures,checkout")
    p.add_argument("--examples", help="the graphql/examples directory to take operations from (an older "
                   "binary is measured with its own commit's examples)")
    p.add_argument("--keep", help="keep the dataset in this directory (reused when it exists)")
    p.add_argument("--response-cache-bytes", type=int, default=0,
                   help="the server's cache of anonymous catalogue answers (0, the default here: every answer computed)")
    args = p.parse_args()
    if args.examples:
        global EXAMPLES
        EXAMPLES = args.examples

    data = args.keep or tempfile.mkdtemp(prefix="taawun-load-")
    os.makedirs(data, exist_ok=True)
    env = dict(os.environ, TAAWUN_DATA_DIR=data, TAAWUN_LOG="warn", TAAWUN_RATE_LIMIT_PER_MINUTE="0",
               TAAWUN_BIND=f"127.0.0.1:{args.port}", TAAWUN_ADMIN_EMAIL="bench@taawun.ma",
               TAAWUN_ADMIN_PASSWORD="bench-password-2026", TAAWUN_RESPONSE_CACHE_BYTES=str(args.response_cache_bytes))
    pg_db = None
    if args.db == "postgres":
        pg_db = f"taawun_load_{args.products}"
        env["TAAWUN_DATABASE_URL"] = f"{args.pg_url}/{pg_db}"
    ready_marker = os.path.join(data, f"ready-{args.db}-{args.products}")
    if not os.path.exists(ready_marker):
        if pg_db:
            subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {pg_db}"], check=True)
            subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"CREATE DATABASE {pg_db}"], check=True)
        else:
            for f in ("taawun.db", "taawun.db-wal", "taawun.db-shm"):
                if os.path.exists(os.path.join(data, f)):
                    os.remove(os.path.join(data, f))
        shutil.rmtree(os.path.join(data, "search"), ignore_errors=True)
        t = time.time()
        run([args.binary, "seed", "national"], env)
        run([args.binary, "seed", "catalog", "--products", str(args.products)], env)
        run([args.binary, "reindex"], env)
        log(f"dataset ready in {time.time() - t:.0f} s")
        open(ready_marker, "w").close()

    server = Server(args.binary, env, args.port)
    rows = []
    try:
        token = ok(post(server.url, 'mutation { login(input: {email: "bench@taawun.ma", password: "bench-password-2026"}) { accessToken { token } } }'), "login")["login"]["accessToken"]["token"]
        # Start from a quiet server: earlier runs on a kept dataset may have left outbox work.
        for _ in range(600):
            pending = ok(post(server.url, "{ outboxMessages(status: PENDING, first: 1) { totalCount } }", None, token), "outbox")
            if pending["outboxMessages"]["totalCount"] == 0:
                break
            time.sleep(1)
        # The listing, filtered listing, product page and search are the storefront's own
        # operations from graphql/examples/ (totalCount included), as clients send them.
        listing_q, listing_v = example("01-product-listing.graphql")
        listing = ok(post(server.url, listing_q, listing_v), "product_list")["products"]["nodes"]
        assert len(listing) == 20, "product_list must return 20 products"
        slug = listing[0]["slug"]
        filtered_q, filtered_v = example("02-product-filtered.graphql")
        page_q, _ = example("03-product-page.graphql")
        search_q, search_v = example("18-product-search.graphql")
        checks = {
            "healthz": None,
            "product_list": (listing_q, listing_v, lambda d: len(d["products"]["nodes"]) == 20 and d["products"]["totalCount"] > 0),
            "product_filtered": (filtered_q, resolve(server.url, filtered_v), lambda d: d["products"]["totalCount"] >= 0),
            "product_page": (page_q, {"slug": slug}, lambda d: d["product"]["slug"] == slug),
            "search": (search_q, search_v, lambda d: "productSearch" in d),
            "search_typo_ar": (SEARCH_TYPO_AR, {}, lambda d: len(d["productSearch"]["nodes"]) == 20),
            "national_figures": (FIGURES, {}, lambda d: d["nationalFigures"]["cooperatives"] == 65315 and d["nationalFigures"]["members"] == 788969),
        }
        healthz = None
        for name in args.scenarios.split(","):
            if name == "checkout":
                pairs = pick_pairs(server)
                variants = sorted({v for pair in pairs for v in pair})
                for v in variants:
                    ok(post(server.url, 'mutation($v: ID!) { inventoryAdjust(input: {variantId: $v, delta: 1000000}) { userErrors { code } } }', {"v": v}, token), "stock")
                before = {v: stock(server, v) for v in variants}
                row = checkout_load(args, server, pairs, before)
                sold, left = oversell_probe(server, token, pairs[0][0])
                row["note"] += f"; race for 40 units: {sold} sold, {left} left"
                row["exact"] = row["exact"] and sold == 40 and left == 0
            elif name == "healthz":
                row = oha(args, server, name, method="GET", path="/healthz")
            else:
                query, variables, check = checks[name]
                data_ = ok(post(server.url, query, variables), name)
                if not check(data_):
                    raise SystemExit(f"{name}: wrong answer: {json.dumps(data_)[:400]}")
                row = oha(args, server, name, body={"query": query, "variables": variables})
            if name == "healthz":
                healthz = row["rps"]
            row["ceiling"] = (row["rps"] / healthz * 100) if healthz else None
            log(f"{name}: {row['rps']:.0f}/s p50 {row['p50']:.1f} ms p99 {row['p99']:.1f} ms errors {row['errors']}")
            rows.append(row)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)

    print(f"\n{args.db}, {args.products:,} products, national register, {args.connections} connections, {args.duration} s per scenario\n")
    # Server CPU per request: the share of a core the server used, over the requests per second.
    print("| scenario | req/s | p50 ms | p99 ms | requests | errors | server CPU | CPU ms/req | peak RSS MB | of healthz |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ceiling = f"{r['ceiling']:.0f}%" if r.get("ceiling") is not None else ""
        per_request = r["cpu"] / 100 / r["rps"] * 1000 if r["rps"] else 0
        print(f"| {r['scenario']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['requests']} | {r['errors']} | {r['cpu']:.0f}% | {per_request:.3f} | {r['rss']:.0f} | {ceiling} |")
    for r in rows:
        if "note" in r:
            print(f"\n{r['scenario']}: {r['note']}")
    if any(r["errors"] for r in rows) or any(r.get("exact") is False for r in rows):
        sys.exit(1)


def pick_pairs(server, count=16):
    """Pairs of in-stock variants, the two of each pair from different cooperatives."""
    nodes = ok(post(server.url, '{ products(first: 100, filter: {inStock: true}) { nodes { cooperative { id } variants(first: 1) { nodes { id } } } } }'), "pick")["products"]["nodes"]
    pairs = []
    for i in range(0, len(nodes) - 1, 2):
        a, b = nodes[i], nodes[i + 1]
        if a["cooperative"]["id"] != b["cooperative"]["id"]:
            pairs.append((a["variants"]["nodes"][0]["id"], b["variants"]["nodes"][0]["id"]))
        if len(pairs) == count:
            break
    return pairs


if __name__ == "__main__":
    main()
