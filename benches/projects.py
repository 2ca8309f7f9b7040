#!/usr/bin/env python3
"""Project bank benchmark (called by benches/projects.sh): the demo plus N generated
applications on SQLite or PostgreSQL, the release server, then

  submissions   32 applicants at once, each saving a draft (example 33's mutation, a team of
                five with fresh national IDs) and submitting it (example 34's: the call's rules
                evaluated); submissions/s completed, p50/p99 of the pair;
  search        the public idea search with every facet (example 32) under oha;
  statistics    the anonymised statistics of the call (example 36) under oha, and one client
                at a time for the latency of one answer.

Reuses load.py's server, oha and table helpers. Standard library only."""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def tokens_of(data):
    """The signed-in applicants not used by an earlier run on this dataset (each applies once)."""
    with open(os.path.join(data, "project-sessions.tsv"), encoding="utf-8") as f:
        tokens = [line.strip() for line in f if line.strip()]
    used = os.path.join(data, "project-sessions.used")
    start = int(open(used).read()) if os.path.exists(used) else 0
    return start, tokens[start:]


def mark_used(data, count):
    used = os.path.join(data, "project-sessions.used")
    start = int(open(used).read()) if os.path.exists(used) else 0
    with open(used, "w") as f:
        f.write(str(start + count))


def submissions(args, server, start, tokens):
    save_q, save_v = load.example("33-project-application-save.graphql")
    submit_q, _ = load.example("34-project-application-submit.graphql")
    latencies, outcomes, failures = [], {}, [0]
    lock = threading.Lock()
    next_token = [0]
    deadline = time.time() + args.duration
    host, port = server.url.replace("http://", "").split(":")

    def applicant(n):
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while time.time() < deadline:
            with lock:
                k = next_token[0]
                next_token[0] += 1
            if k >= len(tokens):
                return
            token = tokens[k]
            k += start  # national IDs unique across runs on the same dataset
            variables = json.loads(json.dumps(save_v))
            app = variables["input"]
            # As example 33 sends it, with a team of its own: fresh national IDs, no member's
            # email (the example's is one demo account's).
            for i, m in enumerate(app["members"]):
                m["nationalId"] = f"Z{(k * 5 + i) % 1_000_000:06d}" if k * 5 + i < 1_000_000 else f"ZY{(k * 5 + i) % 1_000_000:06d}"
                m.pop("email", None)
            if k % 4 == 3:
                app["members"][2]["birthDate"] = "1950-01-01"  # some are ineligible, with a reason
            headers = {"content-type": "application/json", "authorization": "Bearer " + token}
            started = time.perf_counter()
            conn.request("POST", "/graphql", json.dumps({"query": save_q, "variables": variables}), headers)
            saved = json.loads(conn.getresponse().read())
            payload = (saved.get("data") or {}).get("projectApplicationSave") or {}
            if saved.get("errors") or payload.get("userErrors"):
                with lock:
                    failures[0] += 1
                    if failures[0] == 1:
                        load.log("save refused: " + json.dumps(saved)[:400])
                continue
            body = {"query": submit_q, "variables": {"input": {"id": payload["application"]["id"]}}}
            conn.request("POST", "/graphql", json.dumps(body), headers)
            done = json.loads(conn.getresponse().read())
            took = (time.perf_counter() - started) * 1000
            sub = (done.get("data") or {}).get("projectApplicationSubmit") or {}
            with lock:
                if done.get("errors") or sub.get("userErrors"):
                    failures[0] += 1
                    if failures[0] == 1:
                        load.log("submit refused: " + json.dumps(done)[:400])
                else:
                    latencies.append(took)
                    stage = sub["application"]["stage"]
                    outcomes[stage] = outcomes.get(stage, 0) + 1

    server.reset_peak()
    cpu0 = server.cpu_seconds()
    t0 = time.time()
    threads = [threading.Thread(target=applicant, args=(n,)) for n in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    cpu = server.cpu_seconds() - cpu0
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * (len(latencies) - 1)))] if latencies else 0
    load.log(f"submissions: {outcomes}")
    return {
        "scenario": f"submissions (save + submit, eligibility evaluated; {outcomes.get('ELIGIBLE', 0)} eligible, {outcomes.get('INELIGIBLE', 0)} not)",
        "rps": len(latencies) / elapsed,
        "p50": pick(0.5),
        "p99": pick(0.99),
        "requests": len(latencies),
        "errors": failures[0],
        "cpu": cpu / elapsed * 100,
        "rss": server.peak_rss_mb(),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--oha", default="oha")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--applications", type=int, default=150_000)
    p.add_argument("--applicants", type=int, default=20_000)
    p.add_argument("--duration", type=int, default=15)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--port", type=int, default=18491)
    p.add_argument("--scenarios", default="submissions,search,statistics,statistics_one")
    p.add_argument("--keep", help="keep the dataset in this directory (reused when it exists)")
    args = p.parse_args()

    data = args.keep or tempfile.mkdtemp(prefix="taawun-projects-")
    os.makedirs(data, exist_ok=True)
    env = dict(os.environ, TAAWUN_DATA_DIR=data, TAAWUN_LOG="warn", TAAWUN_RATE_LIMIT_PER_MINUTE="0",
               TAAWUN_BIND=f"127.0.0.1:{args.port}")
    pg_db = None
    if args.db == "postgres":
        pg_db = f"taawun_projects_{args.applications}"
        env["TAAWUN_DATABASE_URL"] = f"{args.pg_url}/{pg_db}"
    ready = os.path.join(data, f"ready-{args.db}-{args.applications}")
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
        load.run([args.binary, "seed", "projects", "--applications", str(args.applications),
                  "--applicants", str(args.applicants)], env)
        load.log(f"dataset ready in {time.time() - t:.0f} s")
        open(ready, "w").close()
    start, tokens = tokens_of(data)
    server = load.Server(args.binary, env, args.port)
    rows = []
    try:
        wanted = args.scenarios.split(",")
        # The demo's index updates delivered first.
        time.sleep(2)
        if "submissions" in wanted:
            rows.append(submissions(args, server, start, tokens))
            mark_used(data, rows[-1]["requests"] + rows[-1]["errors"] + args.connections)
        if "search" in wanted:
            q, v = load.example("32-project-idea-search.graphql")
            found = load.ok(load.post(server.url, q, v), "search")["projectIdeaSearch"]
            assert found["totalCount"] > 0, found
            rows.append(load.oha(args, server, "idea search (example 32, all facets)", body={"query": q, "variables": v}))
            v2 = dict(v, query="")
            rows.append(load.oha(args, server, "idea browse (example 32, no query, all facets)", body={"query": q, "variables": v2}))
        q, v = load.example("36-project-bank-statistics.graphql")
        stats = load.ok(load.post(server.url, q, v), "statistics")["projectBankStatistics"]
        assert stats["total"] >= args.applications, stats["total"]
        if "statistics" in wanted:
            rows.append(load.oha(args, server, f"statistics (example 36, {stats['total']} applications)", body={"query": q, "variables": v}))
        if "statistics_one" in wanted:
            saved = args.connections
            args.connections = 1
            rows.append(load.oha(args, server, "statistics, one client at a time", body={"query": q, "variables": v}))
            args.connections = saved
    finally:
        server.stop()
    print(f"\n{args.db}, {args.applications} applications, {args.connections} connections, {args.duration} s per scenario\n")
    print("| scenario | rate | p50 ms | p99 ms | requests | errors | server CPU | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['scenario']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['requests']} | {r['errors']} | {r['cpu']:.0f}% | {r['rss']:.0f} |")
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
