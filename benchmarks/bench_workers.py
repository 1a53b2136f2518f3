"""One schedule tick of many journeys with 1, 2, 4 and 8 worker processes sharing one PostgreSQL.

For each worker count: a fresh database (state + queue), a fresh loopback Miro sandbox with Miro-like
latency (served from this process, so its call log and credit windows can be read and reset), and
N journeys (a starter map each, its own board). The worker processes (``cjm-sync worker
--concurrency C``, long-running as in production) start first; a tick is then ``enqueue`` of every
journey until the queue holds no job waiting or running. Two ticks: the first pushes every board, the
second finds nothing changed (reads only).

**Credit windows between ticks.** Real ticks are 15-30 minutes apart, so each starts with a fresh
Miro credit window; the benchmark resets the sandbox's windows between ticks instead of sleeping.

**Tokens.** Miro's budget (100,000 credits a minute) is per user per app (api-facts). ``--tokens K``
gives the journeys K real per-journey credentials, as an agency reaching each client's boards with that
client's user: journey i's board names ``token_env = "BENCH_MIRO_TOKEN_<i mod K>"`` in the config and
the worker processes' environment holds K distinct tokens. The sandbox maps each distinct token to its
own user with its own 100,000 credits a minute (its lenient token registry), so the budgets are the
vendor's, not a multiplied one. ``--tokens 1`` is one token for every journey: the tick then cannot end
before ``(⌈credits ÷ 100,000⌉ − 1) × 60 s`` whatever the number of workers (the printed "budget floor";
with K tokens it is computed on K × 100,000, exact since the round-robin spreads the load evenly).

Prints per worker count: wall time per tick, speed-up over the first row, failed jobs, the duplicate
check (every board holds the same number of items, every journey ran once per tick and no two runs
of a journey overlapped), requests, 429 answers and credits per tick (tick 1 + tick 2), the CPU the
worker processes used (start-up included), the longest job of each tick and the 1-minute load average
before → after. Figures, not a test: nothing asserts on time.

    .venv/bin/python benchmarks/bench_workers.py                           # 200 journeys, 1/2/4/8, 20 tokens
    .venv/bin/python benchmarks/bench_workers.py --tokens 1 --workers 1 4  # one shared token: the floor
    .venv/bin/python benchmarks/bench_workers.py --journeys 40 --workers 1 4 --latency 100

PostgreSQL: ``CJM_BENCH_POSTGRES_URL`` (a server where the user may create databases), else a
throw-away cluster from the machine's binaries (as the tests make one).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pg_cluster import PgCluster, start_cluster  # noqa: E402

from cjm_sync.state import open_store  # noqa: E402
from cjm_sync.workers.queue import enqueue, ensure_schema, make_app  # noqa: E402
from connectors.miro.sandbox import Latency, MiroSandbox  # noqa: E402
from connectors.miro.sandbox.ratelimit import RateLimiter  # noqa: E402

TEMPLATE_TITLE = "template"
MIRO_BUDGET = 100_000
"""Credits per minute per user per app (developers.miro.com/reference/rate-limiting; api-facts.md)."""


def token_variable(index: int) -> str:
    """The environment variable holding token ``index`` (``BENCH_MIRO_TOKEN_00``...)."""
    return f"BENCH_MIRO_TOKEN_{index:02d}"


def write_fleet(root: Path, count: int, tokens: int) -> list[str]:
    """``count`` journeys made from one starter map (ids and titles replaced), one board each, journey i's
    board reached with token ``i mod tokens`` (``token_env``); their keys."""
    (root / "journeys").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "cjm_sync", "init", "--title", TEMPLATE_TITLE, "-o", "template.yaml"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    template = (root / "template.yaml").read_text(encoding="utf-8")
    (root / "template.yaml").unlink()
    entries, keys = [], []
    for i in range(count):
        name = f"j{i:04d}"
        text = re.sub(r"(?m)^id: template$", f"id: {name}", template).replace(
            f"title: {TEMPLATE_TITLE}", f"title: Journey {i} · 旅程 {i}"
        )
        (root / "journeys" / f"{name}.yaml").write_text(text, encoding="utf-8")
        entries.append(
            f'[[journeys]]\npath = "journeys/{name}.yaml"\nboard = {{ connector = "miro", target = "uXjV{name}=", '
            f'token_env = "{token_variable(i % tokens)}" }}\n'
        )
        keys.append(f"journeys/{name}.yaml")
    (root / "cjm-sync.toml").write_text("\n".join(entries), encoding="utf-8")
    return keys


@dataclass
class Tick:
    """One tick's figures."""

    seconds: float
    failed: int
    requests: int
    throttled: int
    credits: int
    users: int
    """Distinct Miro users (tokens) the sandbox charged."""


def open_jobs(url: str) -> tuple[int, int]:
    """(jobs waiting or running, jobs failed) in the queue."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status IN ('todo', 'doing')), count(*) FILTER (WHERE status = 'failed') "
            "FROM procrastinate_jobs"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def run_tick(url: str, keys: list[str], sandbox: MiroSandbox, timeout: float) -> Tick:
    """Queue every journey and wait until no job waits or runs; the sandbox starts a fresh credit window
    for every user."""
    sandbox.rate_limiter = RateLimiter(sandbox.clock, MIRO_BUDGET)  # ticks 15+ minutes apart: fresh windows
    sandbox.reset_calls()
    _, failed_before = open_jobs(url)
    started = time.monotonic()
    asyncio.run(enqueue(make_app(url), keys, options={}))
    while time.monotonic() - started < timeout:
        waiting, failed = open_jobs(url)
        if waiting == 0:
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"the tick did not finish within {timeout:g} s")
    elapsed = time.monotonic() - started
    calls = sandbox.calls
    return Tick(
        seconds=round(elapsed, 1),
        failed=failed - failed_before,
        requests=len(calls),
        throttled=sum(1 for c in calls if c.status == 429),
        credits=sum(c.credits for c in calls),
        users=len({c.user for c in calls if c.user is not None and c.credits}),
    )


def start_workers(
    root: Path, env: dict[str, str], url: str, count: int, concurrency: int
) -> list[subprocess.Popen[bytes]]:
    """``count`` long-running worker processes, returned once all have registered with the queue."""
    command = [sys.executable, "-m", "cjm_sync", "-q", "worker", "--concurrency", str(concurrency)]
    out = subprocess.DEVNULL
    procs = [subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=out) for _ in range(count)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
        if row is not None and row[0] >= count:
            return procs
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a worker exited at start")
        time.sleep(0.2)
    raise SystemExit("the workers did not start")


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def no_duplicates(url: str, keys: list[str], sandbox: MiroSandbox, ticks: int) -> bool:
    """Every board holds the same non-zero number of items, every journey ran ``ticks`` times (once a
    tick) and no two runs of one journey overlapped."""
    sizes = {len(board.items) for board in sandbox.store.boards.values()}
    if len(sandbox.store.boards) != len(keys) or len(sizes) != 1 or 0 in sizes:
        return False
    store = open_store(url)
    try:
        for key in keys:
            runs = sorted(store.runs(Path(key).stem, limit=ticks + 5), key=lambda r: r.started_at)
            if len(runs) != ticks or any(r.outcome is None or r.outcome.value != "ok" for r in runs):
                return False
            for earlier, later in itertools.pairwise(runs):
                if earlier.ended_at is None or earlier.ended_at > later.started_at:
                    return False
    finally:
        store.close()
    return True


def slowest_runs(url: str, keys: list[str], ticks: int) -> list[float]:
    """The longest run of each tick (seconds from a run's start to its end, waits for credits included)."""
    slowest = [0.0] * ticks
    store = open_store(url)
    try:
        for key in keys:
            runs = sorted(store.runs(Path(key).stem, limit=ticks + 5), key=lambda r: r.started_at)
            for tick, run in enumerate(runs[:ticks]):
                if run.ended_at is not None:
                    slowest[tick] = max(slowest[tick], (run.ended_at - run.started_at).total_seconds())
    finally:
        store.close()
    return [round(s, 1) for s in slowest]


@dataclass
class Row:
    """One worker count's figures."""

    workers: int
    first: Tick
    noop: Tick
    no_duplicates: bool
    load: str
    worker_cpu: float
    """CPU seconds the worker processes used, start-up and both ticks included."""
    slowest: list[float]
    """The longest job of each tick, in seconds."""


def run_one(cluster: PgCluster, args: argparse.Namespace, workers: int) -> Row:
    sandbox = MiroSandbox(
        credits_per_minute=MIRO_BUDGET,
        latency=Latency(args.latency / 1000, args.jitter / 1000),
        auto_create_boards=True,
    )
    server = sandbox.serve()
    with TemporaryDirectory(prefix="cjm-bench-workers-") as tmp:
        root = Path(tmp)
        keys = write_fleet(root, args.journeys, args.tokens)
        url = cluster.new_database()
        tokens = {token_variable(i): f"bench-token-{i:02d}-{secrets.token_hex(8)}" for i in range(args.tokens)}
        env = {**os.environ, "CJM_STATE_URL": url, "CJM_MIRO_BASE_URL": server.base_url, **tokens}
        asyncio.run(ensure_schema(make_app(url), url))
        open_store(url).close()  # migrate the state once, before the workers race to
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        procs = start_workers(root, env, url, workers, args.concurrency)
        try:
            before = os.getloadavg()[0]
            first = run_tick(url, keys, sandbox, args.timeout)
            noop = run_tick(url, keys, sandbox, args.timeout)
            after = os.getloadavg()[0]
        finally:
            stop_workers(procs)
            server.shutdown()
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
        return Row(
            workers,
            first,
            noop,
            no_duplicates(url, keys, sandbox, 2),
            f"{before:.1f}→{after:.1f}",
            round(used, 1),
            slowest_runs(url, keys, 2),
        )


def floor_seconds(credits: int, budget: int) -> int:
    """The least time Miro's fixed one-minute windows force on ``credits`` spent against ``budget``."""
    return max(0, math.ceil(credits / budget) - 1) * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8], help="worker processes per row")
    parser.add_argument("--concurrency", type=int, default=1, help="jobs each worker process runs at once")
    parser.add_argument("--latency", type=int, default=100, help="ms per request (plus --jitter)")
    parser.add_argument("--jitter", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=20, help="Miro tokens the journeys' boards spread over")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds a tick may take at most")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    external = os.environ.get("CJM_BENCH_POSTGRES_URL")
    if external:
        os.environ["CJM_TEST_POSTGRES_URL"] = external
    cluster = start_cluster()
    if isinstance(cluster, str):
        raise SystemExit(f"no PostgreSQL: {cluster}")
    rows: list[Row] = []
    try:
        for n in args.workers:
            rows.append(run_one(cluster, args, n))
            print(json.dumps(asdict(rows[-1])), file=sys.stderr, flush=True)  # progress: one row at a time
    finally:
        cluster.stop()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    budget = args.tokens * MIRO_BUDGET
    print(
        f"{args.journeys} journeys, Miro sandbox latency {args.latency}+0..{args.jitter} ms, {args.tokens} token(s) "
        f"(token_env round-robin) × {MIRO_BUDGET:,} credits/min each,\n"
        f"worker processes × {args.concurrency} job(s) each, {os.cpu_count()} CPU(s)"
    )
    print(
        f"{'workers':>7} {'tick 1 s':>9} {'speed-up':>8} {'floor s':>7} {'tick 2 s':>9} {'speed-up':>8} "
        f"{'failed':>6} {'no dup':>6} {'requests':>9} {'429s':>5} {'credits':>17} {'CPU s':>6} "
        f"{'users':>5} {'slowest s':>10} {'load':>9}"
    )
    for row in rows:
        first, noop = row.first, row.noop
        print(
            f"{row.workers:>7} {first.seconds:>9} {rows[0].first.seconds / first.seconds:>7.1f}× "
            f"{floor_seconds(first.credits, budget):>7} {noop.seconds:>9} "
            f"{rows[0].noop.seconds / noop.seconds:>7.1f}× {first.failed + noop.failed:>6} "
            f"{'yes' if row.no_duplicates else 'NO':>6} {f'{first.requests}+{noop.requests}':>9} "
            f"{first.throttled + noop.throttled:>5} {f'{first.credits:,}+{noop.credits:,}':>17} "
            f"{row.worker_cpu:>6} {max(first.users, noop.users):>5} {'/'.join(map(str, row.slowest)):>10} {row.load:>9}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
