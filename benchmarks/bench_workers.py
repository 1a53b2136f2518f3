"""One schedule tick of many journeys with 1, 2, 4 and 8 worker processes sharing one PostgreSQL.

For each worker count: a fresh database (state + queue) and a fresh loopback Miro sandbox with Miro-like
latency; N journeys (a starter map each, its own board); ``cjm-sync enqueue --all`` then N worker
processes (``--concurrency 1`` each, ``--until-empty``) for the first tick (the initial push of every
board) and again for a second tick (nothing changed: reads only). Prints wall time per tick, the
speed-up over one worker, failed jobs, and a duplicate check (every board holds exactly the items of a
clean push). Figures, not a test: nothing asserts on time.

    .venv/bin/python benchmarks/bench_workers.py                         # 200 journeys, 1/2/4/8 workers
    .venv/bin/python benchmarks/bench_workers.py --journeys 40 --workers 1 4 --latency 100

PostgreSQL: ``CJM_BENCH_POSTGRES_URL`` (a server where the user may create databases), else a
throw-away cluster from the machine's binaries (as the tests make one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pg_cluster import PgCluster, start_cluster  # noqa: E402

TEMPLATE_TITLE = "template"


def cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cjm_sync", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def write_fleet(root: Path, count: int) -> None:
    """``count`` journeys made from one starter map (ids and titles replaced), one board each."""
    (root / "journeys").mkdir(parents=True)
    done = cli(root, dict(os.environ), "init", "--title", TEMPLATE_TITLE, "-o", "template.yaml")
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    template = (root / "template.yaml").read_text(encoding="utf-8")
    (root / "template.yaml").unlink()
    entries = []
    for i in range(count):
        name = f"j{i:04d}"
        text = re.sub(r"(?m)^id: template$", f"id: {name}", template).replace(
            f"title: {TEMPLATE_TITLE}", f"title: Journey {i} · 旅程 {i}"
        )
        (root / "journeys" / f"{name}.yaml").write_text(text, encoding="utf-8")
        entries.append(
            f'[[journeys]]\npath = "journeys/{name}.yaml"\nboard = {{ connector = "miro", target = "uXjV{name}=" }}\n'
        )
    (root / "cjm-sync.toml").write_text("\n".join(entries), encoding="utf-8")


def serve_sandbox(cwd: Path, latency: int, jitter: int, credits: int) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "cjm_sync", "sandbox", "miro", "--port", "0", "--fresh", "--create-boards",
         "--latency", str(latency), "--jitter", str(jitter), "--credits-per-minute", str(credits)],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    while True:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("the sandbox server did not start")
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return server, found.group(0)


def board_items(base: str, board: str) -> int:
    count, cursor = 0, None
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer bench"}, timeout=60) as client:
        while True:
            params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
            page = client.get(f"/v2/boards/{board}/items", params=params).json()
            count += len(page["data"])
            cursor = page.get("cursor")
            if not cursor:
                return count


def tick(root: Path, env: dict[str, str], workers: int) -> tuple[float, int]:
    """Queue every journey, run ``workers`` worker processes until the queue is empty: (seconds, failed)."""
    queued = cli(root, env, "enqueue", "--all")
    if queued.returncode != 0:
        raise SystemExit(queued.stderr)
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "cjm_sync", "-q", "worker", "--concurrency", "1", "--until-empty"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait()
    elapsed = time.monotonic() - started
    jobs = json.loads(cli(root, env, "--json", "jobs", "--limit", "100000").stdout)["jobs"]
    return elapsed, sum(1 for j in jobs if j["status"] != "succeeded")


def run_one(
    cluster: PgCluster, count: int, workers: int, latency: int, jitter: int, credits: int
) -> dict[str, float | int]:
    with TemporaryDirectory(prefix="cjm-bench-workers-") as tmp:
        root = Path(tmp)
        write_fleet(root, count)
        server, base = serve_sandbox(root, latency, jitter, credits)
        try:
            env = {**os.environ, "CJM_STATE_URL": cluster.new_database(), "CJM_MIRO_BASE_URL": base,
                   "MIRO_ACCESS_TOKEN": "bench"}  # fmt: skip
            first, failed_first = tick(root, env, workers)
            second, failed_second = tick(root, env, workers)
            sizes = {board_items(base, f"uXjVj{i:04d}=") for i in range(count)}
        finally:
            server.kill()
            server.wait()
            if server.stdout is not None:
                server.stdout.close()
    return {
        "workers": workers,
        "first_tick_s": round(first, 1),
        "noop_tick_s": round(second, 1),
        "failed_jobs": failed_first + failed_second,
        "distinct_board_sizes": len(sizes),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--latency", type=int, default=100, help="ms per request (plus --jitter)")
    parser.add_argument("--jitter", type=int, default=50)
    parser.add_argument(
        "--credits-per-minute",
        type=int,
        default=100_000,
        help="the sandbox's Miro credit budget for the one token all journeys share (Miro's: 100,000)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    external = os.environ.get("CJM_BENCH_POSTGRES_URL")
    if external:
        os.environ["CJM_TEST_POSTGRES_URL"] = external
    cluster = start_cluster()
    if isinstance(cluster, str):
        raise SystemExit(f"no PostgreSQL: {cluster}")
    try:
        rows = [
            run_one(cluster, args.journeys, n, args.latency, args.jitter, args.credits_per_minute) for n in args.workers
        ]
    finally:
        cluster.stop()
    base_first = rows[0]["first_tick_s"]
    base_noop = rows[0]["noop_tick_s"]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"{args.journeys} journeys, sandbox latency {args.latency}+0..{args.jitter} ms, "
        f"{args.credits_per_minute:,} credits/min for the shared token, {os.cpu_count()} CPU(s)"
    )
    print(f"{'workers':>7} {'first tick s':>13} {'speed-up':>9} {'no-op tick s':>13} {'speed-up':>9} "
          f"{'failed':>7} {'boards ok':>10}")  # fmt: skip
    for row in rows:
        print(
            f"{row['workers']:>7} {row['first_tick_s']:>13} {base_first / row['first_tick_s']:>8.1f}x "
            f"{row['noop_tick_s']:>13} {base_noop / row['noop_tick_s']:>8.1f}x {row['failed_jobs']:>7} "
            f"{'yes' if row['distinct_board_sizes'] == 1 else 'NO':>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
