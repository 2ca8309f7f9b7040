#!/usr/bin/env python3
"""Academy benchmark (called by benches/academy.sh): the demo plus N generated learners on
SQLite or PostgreSQL, the release server, then

  events        32 devices sending batches of 100 learning events (fresh UUIDs, the
                storefront example 26's mutation) for signed-in learners taken in turn, at
                an offered rate (--events-rate, 5,000 events/s: each device one batch every
                0.64 s): events/s accepted, p50/p99 per batch, server CPU and peak RSS;
  events_max    the same devices sending as fast as answers come back (capacity; the
                latency is then the queue of 32 devices behind one another);
  progress      a learner's dashboard (example 30) under oha;
  certificate   verification by code (example 29) and the HTML page, under oha.

Reuses load.py's server, oha and table helpers. Standard library only."""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def sessions_of(data):
    rows = []
    with open(os.path.join(data, "academy-sessions.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                rows.append((parts[0], parts[1], parts[2].split(",")))
    return rows


def events_load(args, server, sessions, paced=True):
    record_q, _ = load.example("26-learning-events-record.graphql")
    verbs = ["EXPERIENCED", "PROGRESSED", "COMPLETED"]
    latencies, accepted, failures = [], [0], [0]
    lock = threading.Lock()
    deadline = time.time() + args.duration
    host, port = server.url.replace("http://", "").split(":")

    interval = args.connections * args.batch / args.events_rate
    start = time.time()

    def device(n):
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        rng = random.Random(n)
        i = n
        sent = 0
        while time.time() < deadline:
            if paced:
                due = start + interval * (sent + n / args.connections)
                if due > time.time():
                    time.sleep(due - time.time())
                sent += 1
            token, _, activities = sessions[i % len(sessions)]
            i += args.connections
            now = time.time()
            events = [{
                "id": str(uuid.uuid4()),
                "verb": rng.choice(verbs),
                "activityId": rng.choice(activities),
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - rng.randint(0, 7 * 86400))) + ".000Z",
            } for _ in range(args.batch)]
            body = json.dumps({"query": record_q, "variables": {"input": {"events": events}}})
            started = time.perf_counter()
            conn.request("POST", "/graphql", body, {"content-type": "application/json", "authorization": "Bearer " + token})
            res = json.loads(conn.getresponse().read())
            took = (time.perf_counter() - started) * 1000
            ok = not res.get("errors") and not res["data"]["learningEventsRecord"]["userErrors"]
            with lock:
                latencies.append(took)
                if ok:
                    accepted[0] += len(res["data"]["learningEventsRecord"]["accepted"])
                else:
                    failures[0] += 1
                    if failures[0] == 1:
                        load.log("batch refused: " + json.dumps(res)[:400])

    server.reset_peak()
    cpu0 = server.cpu_seconds()
    t0 = time.time()
    threads = [threading.Thread(target=device, args=(n,)) for n in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    cpu = server.cpu_seconds() - cpu0
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * (len(latencies) - 1)))] if latencies else 0
    return {
        "scenario": f"events, {args.events_rate} offered (batches of {args.batch}, events/s)" if paced
        else f"events, as fast as answered (batches of {args.batch}, events/s)",
        "rps": accepted[0] / elapsed,
        "p50": pick(0.5),
        "p99": pick(0.99),
        "requests": len(latencies),
        "errors": failures[0],
        "cpu": cpu / elapsed * 100,
        "rss": server.peak_rss_mb(),
    }


def oha_with_token(args, server, name, body, token):
    """load.oha with a bearer token (oha sends the same request every time)."""
    cmd = [args.oha, "-z", f"{args.duration}s", "-c", str(args.connections), "--no-tui", "--output-format", "json",
           "-m", "POST", "-H", "content-type: application/json", "-H", f"authorization: Bearer {token}",
           "-d", json.dumps(body), server.url + "/graphql"]
    server.reset_peak()
    cpu0 = server.cpu_seconds()
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    cpu = server.cpu_seconds() - cpu0
    codes = r.get("statusCodeDistribution", {})
    lat = r.get("latencyPercentiles", {})
    cut = {k: n for k, n in r.get("errorDistribution", {}).items() if "deadline" not in k}
    return {
        "scenario": name, "rps": r["summary"]["requestsPerSec"], "p50": lat.get("p50", 0) * 1000,
        "p99": lat.get("p99", 0) * 1000, "requests": sum(codes.values()),
        "errors": sum(n for c, n in codes.items() if c != "200") + sum(cut.values()),
        "cpu": cpu / args.duration * 100, "rss": server.peak_rss_mb(),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--oha", default="oha")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--learners", type=int, default=100_000)
    p.add_argument("--sessions", type=int, default=256)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--events-rate", type=int, default=5000)
    p.add_argument("--duration", type=int, default=15)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--port", type=int, default=18481)
    p.add_argument("--scenarios", default="events,events_max,progress,certificate,certificate_page")
    p.add_argument("--keep", help="keep the dataset in this directory (reused when it exists)")
    args = p.parse_args()

    data = args.keep or tempfile.mkdtemp(prefix="taawun-academy-")
    os.makedirs(data, exist_ok=True)
    env = dict(os.environ, TAAWUN_DATA_DIR=data, TAAWUN_LOG="warn", TAAWUN_RATE_LIMIT_PER_MINUTE="0",
               TAAWUN_BIND=f"127.0.0.1:{args.port}")
    pg_db = None
    if args.db == "postgres":
        pg_db = f"taawun_academy_{args.learners}"
        env["TAAWUN_DATABASE_URL"] = f"{args.pg_url}/{pg_db}"
    ready = os.path.join(data, f"ready-{args.db}-{args.learners}")
    if not os.path.exists(ready):
        if pg_db:
            subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {pg_db}"], check=True)
            subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"CREATE DATABASE {pg_db}"], check=True)
        else:
            for f in ("taawun.db", "taawun.db-wal", "taawun.db-shm"):
                if os.path.exists(os.path.join(data, f)):
                    os.remove(os.path.join(data, f))
        t = time.time()
        load.run([args.binary, "seed", "demo"], env)
        load.run([args.binary, "seed", "academy", "--learners", str(args.learners), "--sessions", str(args.sessions)], env)
        load.log(f"dataset ready in {time.time() - t:.0f} s")
        open(ready, "w").close()
    sessions = sessions_of(data)
    server = load.Server(args.binary, env, args.port)
    rows = []
    try:
        wanted = args.scenarios.split(",")
        if "events" in wanted:
            rows.append(events_load(args, server, sessions))
        if "events_max" in wanted:
            rows.append(events_load(args, server, sessions, paced=False))
        token = sessions[0][0]
        if "progress" in wanted:
            q, v = load.example("30-my-learning.graphql")
            load.ok(load.post(server.url, q, v, token), "progress")
            rows.append(oha_with_token(args, server, "progress (example 30, a learner's dashboard)", {"query": q, "variables": v}, token))
        code = None
        demo = load.ok(load.post(server.url, 'mutation { login(input: {email: "learner@demo.taawun.ma", password: "taawun-demo-2026"}) { accessToken { token } } }'), "login")
        demo_token = demo["login"]["accessToken"]["token"]
        code = load.ok(load.post(server.url, "{ myCertificates { code } }", None, demo_token), "certificates")["myCertificates"][0]["code"]
        if "certificate" in wanted:
            q, _ = load.example("29-certificate-verify.graphql")
            body = {"query": q, "variables": {"code": code}}
            assert load.ok(load.post(server.url, q, {"code": code}), "verify")["certificate"]["code"] == code
            rows.append(load.oha(args, server, "certificate (example 29, by code)", body=body))
        if "certificate_page" in wanted:
            rows.append(load.oha(args, server, "certificate page (HTML)", method="GET", path=f"/certificates/{code}"))
    finally:
        server.stop()
    print(f"\n{args.db}, {args.learners} learners, {args.connections} connections, {args.duration} s per scenario\n")
    print("| scenario | rate | p50 ms | p99 ms | requests | errors | server CPU | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['scenario']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['requests']} | {r['errors']} | {r['cpu']:.0f}% | {r['rss']:.0f} |")
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
