"""cjm-sync against the official ``miro-api`` SDK, side by side, on the loopback Miro sandbox.

    .venv/bin/python benchmarks/bench_vs_sdk.py --quick      # 10 and 50 touchpoints, 20 ms (+0–10) latency
    .venv/bin/python benchmarks/bench_vs_sdk.py              # 50, 500, 1,000 touchpoints, 100 ms (+0–50) (long)

For each journey size (``bench_sync.make_journey``) every contender gets its own fresh sandbox server,
in a separate process (so its work does not share our interpreter), with the same latency per request
and Miro's credit budget (100,000 credits per minute, 429 beyond it):

* ``cjm-sync push``  — first push of the journey through the real engine and connector (journal and all);
* ``cjm-sync no-op`` — a full ``sync`` right after, nothing changed;
* ``cjm-sync 1%``    — a full ``sync`` after 1 % of the touchpoints' titles changed in the file;
* ``SDK one-by-one`` — the official SDK (``benchmarks/.venv``, created on first use) creating the same
  items (frame, shapes, app cards, sticky notes), tags, connectors and tag attaches one call each, as its
  documentation shows (``benchmarks/sdk_driver.py``);
* ``SDK bulk``       — the same with ``create_items`` (20 items a call) for the items.

Printed per row: requests and credits (counted by the sandbox), wall seconds, requests over the stated
lower bound, the floor = max(credit windows that must pass, critical path of dependent round trips ×
mean latency) (see :func:`floor_of`), and the targets: push ≥ 10× faster than SDK one-by-one,
≤ 1.5× SDK bulk, ≤ 1.2× the floor where credits bind; no-op 0 writes and reads at the page-cap
minimum. MISSED marks a missed target.
Nothing here is tuned to pass; ``--concurrency`` sets the connector's concurrent writes.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import make_journey  # the sibling module, found through the path above

HERE = Path(__file__).resolve().parent
SDK_VENV = HERE / ".venv"
SDK_PACKAGE = "miro-api==2.2.4"
BOARD = "uXjVbenchSdk="
BUDGET = 100_000
LIST_LIMIT, BULK_LIMIT = 50, 20


# --- the sandbox server, in its own process -----------------------------------------------------------


def _serve(conn: Connection, latency: float, jitter: float, credits: int, seed: int) -> None:
    from connectors.miro.sandbox import Latency, MiroSandbox  # noqa: PLC0415 - child process

    sandbox = MiroSandbox(latency=Latency(latency, jitter, seed), credits_per_minute=credits, auto_create_boards=True)
    with sandbox.serve() as server:
        conn.send(server.base_url)
        while (message := conn.recv()) != "stop":
            calls = sandbox.calls
            sandbox.reset_calls()
            answered = [c for c in calls if c.status is not None and c.status != 429]
            conn.send(
                {
                    "requests": len(calls),
                    "credits": sum(c.credits for c in calls),
                    "writes": sum(c.method != "GET" for c in answered),
                    "reads": sum(c.method == "GET" for c in answered),
                    "refused_429": sum(c.status == 429 for c in calls),
                    "board": _shape(sandbox) if message == "shape" else None,
                }
            )


def _shape(sandbox: Any) -> dict[str, Any]:
    board = sandbox.store.board(BOARD)
    tagged = {t.title: sum(t.id in i.tag_ids for i in board.items.values()) for t in board.tags.values()}
    return {"items": len(board.items), "connectors": len(board.connectors), "tags": tagged}


class Server:
    """A fresh sandbox in a child process; :meth:`take` returns (and clears) its call figures."""

    def __init__(self, latency: float, jitter: float, credits: int, seed: int = 0) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, latency, jitter, credits, seed), daemon=True)
        self._process.start()
        self.base_url: str = self._conn.recv()

    def take(self, shape: bool = False) -> dict[str, Any]:
        self._conn.send("shape" if shape else "take")
        figures: dict[str, Any] = self._conn.recv()
        return figures

    def close(self) -> None:
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


# --- what each side must do -------------------------------------------------------------------------


@dataclass
class Row:
    size: int
    who: str
    requests: int = 0
    credits: int = 0
    wall: float = 0.0
    writes: int = 0
    reads: int = 0
    refused: int = 0
    bound: int | None = None
    floor: float = 0.0
    credits_bind: bool = False
    checks: list[tuple[str, bool]] = field(default_factory=list)


def mean_latency(args: argparse.Namespace) -> float:
    return (args.latency + args.jitter / 2) / 1000


def floor_of(credits: int, round_trips: int, args: argparse.Namespace) -> tuple[float, bool]:
    """The least wall time of a run, and whether credits (not round trips) set it.

    Credits: Miro's budget is a fixed one-minute window that opens at a user's first request, so the
    first budget's worth can go at once and each further one waits for a reset:
    (⌈credits ÷ budget⌉ − 1) × 60 s. (The issue's plain credits ÷ budget per minute would call a
    68,000-credit push a 41 s floor although it fits in the first window; this term is never larger.)
    Round trips: those on the critical path, one after another, × the mean latency.
    """
    by_credits = max(0, math.ceil(credits / args.credits_per_minute) - 1) * 60.0
    by_path = round_trips * mean_latency(args)
    return max(by_credits, by_path), by_credits > by_path


def read_bound(shape: dict[str, Any]) -> tuple[int, int]:
    """(requests, round trips on the critical path) of reading the whole board."""
    items = max(1, math.ceil(shape["items"] / LIST_LIMIT))
    lines = max(1, math.ceil(shape["connectors"] / LIST_LIMIT))
    tags = max(1, math.ceil(len(shape["tags"]) / LIST_LIMIT))
    per_tag = [max(1, math.ceil(n / LIST_LIMIT)) for n in shape["tags"].values()]
    return items + lines + tags + sum(per_tag), max(items, lines, tags + max(per_tag, default=0))


def sdk_job(size: int, base_url: str, mode: str) -> dict[str, Any]:
    """The items cjm-sync's first push creates, as request bodies for the SDK driver."""
    from cjm_sync.plugins.whiteboard import OpKind  # noqa: PLC0415
    from connectors.miro.board import Snapshot  # noqa: PLC0415
    from connectors.miro.planner import plan_board  # noqa: PLC0415

    ops = plan_board(make_journey(size), Snapshot({}, {}, {}), {}, {})
    job: dict[str, Any] = {"base_url": base_url, "token": "bench", "board_id": BOARD, "mode": mode}
    job.update(items=[], tags=[], connectors=[], attaches=[])
    for op in ops:
        body = dict(op.payload)
        if op.kind is OpKind.CREATE and op.item_type == "frame":
            job["frame"] = {"key": op.key, "body": body}
        elif op.kind is OpKind.CREATE and op.item_type == "tag":
            job["tags"].append({"key": op.key, "body": body})
        elif op.kind is OpKind.CREATE and op.item_type == "connector":
            job["connectors"].append({"body": body})
        elif op.kind is OpKind.CREATE:
            job["items"].append({"key": op.key, "type": body.pop("type"), "body": body})
        elif op.kind is OpKind.TAG:
            job["attaches"].append({"item": op.key, "tag": f"tag:{body['tag']}"})
    return job


def push_bound(job: dict[str, Any]) -> int:
    """Requests a first push needs at least: 3 reads of the empty board, the frame, ⌈items/20⌉ bulk
    calls, one call per tag, connector and attach (Miro has no bulk form of those). cjm-sync creates the
    grid's headers and labels in their own bulk call(s) first (crash safety), at most one call more."""
    n = len(job["items"])
    return 3 + 1 + math.ceil(n / BULK_LIMIT) + len(job["tags"]) + len(job["connectors"]) + len(job["attaches"])


# --- running ----------------------------------------------------------------------------------------


def ensure_sdk() -> Path:
    """The SDK's interpreter in ``benchmarks/.venv`` (created and filled on first use)."""
    python = SDK_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"creating {SDK_VENV} with {SDK_PACKAGE} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(SDK_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", SDK_PACKAGE], check=True)
    return python


def run_sdk(size: int, mode: str, args: argparse.Namespace, python: Path) -> Row:
    server = Server(args.latency / 1000, args.jitter / 1000, args.credits_per_minute, args.seed)
    try:
        job = sdk_job(size, server.base_url, mode)
        done = subprocess.run(
            [str(python), str(HERE / "sdk_driver.py")],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"SDK driver failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout)
        figures = server.take(shape=True)
    finally:
        server.close()
    row = Row(size, f"SDK {mode}", figures["requests"], figures["credits"], result["wall_s"])
    row.writes, row.reads, row.refused = figures["writes"], figures["reads"], figures["refused_429"]
    row.floor, row.credits_bind = floor_of(row.credits, 3, args)  # frame → items → connectors/attaches
    return row


def run_ours(size: int, args: argparse.Namespace) -> list[Row]:
    from pydantic import SecretStr  # noqa: PLC0415

    from cjm_sync.engine import SyncEngine, SyncRequest  # noqa: PLC0415
    from cjm_sync.files import render_journey  # noqa: PLC0415
    from cjm_sync.state import open_store  # noqa: PLC0415
    from connectors.miro.connector import MiroConnector  # noqa: PLC0415
    from connectors.miro.settings import MiroSettings  # noqa: PLC0415

    server = Server(args.latency / 1000, args.jitter / 1000, args.credits_per_minute, args.seed)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-sdk-") as workdir:
        path = Path(workdir) / "journey.yaml"
        journey = make_journey(size)
        path.write_text(render_journey(journey), encoding="utf-8")
        store = open_store(Path(workdir) / "state.db")
        settings = MiroSettings(base_url=server.base_url, access_token=SecretStr("bench"), board_id=BOARD)
        connector = MiroConnector(settings, concurrency=args.concurrency)
        engine = SyncEngine(store, connector, author="bench")
        job = sdk_job(size, server.base_url, "bulk")

        def phase(name: str, request: SyncRequest, prepare: Callable[[], None] | None = None) -> Row:
            if prepare is not None:
                prepare()
            server.take()
            started = time.perf_counter()
            engine.run(request)
            wall = time.perf_counter() - started
            figures = server.take(shape=True)
            row = Row(size, f"cjm-sync {name}", figures["requests"], figures["credits"], wall)
            row.writes, row.reads, row.refused = figures["writes"], figures["reads"], figures["refused_429"]
            reads, path_rts = read_bound(figures["board"])
            if name == "push":
                row.bound = push_bound(job)
                row.floor, row.credits_bind = floor_of(row.credits, 1 + 3, args)  # empty reads, then 3 levels
            elif name == "no-op":
                row.bound = reads
                row.floor, row.credits_bind = floor_of(row.credits, path_rts, args)
                row.checks.append(("0 writes", row.writes == 0))
                row.checks.append(("reads at minimum", row.reads == reads))
            else:
                changed = max(1, len(journey.touchpoints[::100]))
                row.bound = reads + changed
                row.floor, row.credits_bind = floor_of(row.credits, path_rts + 1, args)
            return row

        def edit_one_percent() -> None:
            edited = journey.model_copy(deep=True)
            for tp in edited.touchpoints[::100]:
                tp.title += " (改)"
            path.write_text(render_journey(edited), encoding="utf-8")

        rows.append(phase("push", SyncRequest(path, BOARD, command="push", write_file=False)))
        rows.append(phase("no-op", SyncRequest(path, BOARD)))
        rows.append(phase("1%", SyncRequest(path, BOARD), edit_one_percent))
        connector.close()
        store.close()
    server.close()
    return rows


# --- the table ----------------------------------------------------------------------------------------


def judge(rows: list[Row]) -> None:
    """Attach the push targets (vs the SDK and the floor) to the push rows."""
    by = {(r.size, r.who): r for r in rows}
    for row in rows:
        if row.who != "cjm-sync push":
            continue
        one, bulk = by.get((row.size, "SDK one-by-one")), by.get((row.size, "SDK bulk"))
        if one is not None:
            row.checks.append((f"{one.wall / row.wall:.1f}x faster than one-by-one (≥10x)", one.wall >= 10 * row.wall))
        if bulk is not None:
            row.checks.append((f"{row.wall / bulk.wall:.2f}x SDK bulk (≤1.5x)", row.wall <= 1.5 * bulk.wall))
        if row.credits_bind:
            row.checks.append((f"{row.wall / row.floor:.2f}x floor (≤1.2x)", row.wall <= 1.2 * row.floor))


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"bench_vs_sdk — latency {args.latency:g} ms + 0–{args.jitter:g} ms jitter, "
        f"{args.credits_per_minute:,} credits/min, concurrency {args.concurrency}, Python {sys.version.split()[0]}"
    )
    head = f"{'size':>5} {'who':<18} {'requests':>8} {'bound':>6} {'excess':>6} {'writes':>6} {'reads':>5}"
    print(f"{head} {'429':>4} {'credits':>9} {'wall s':>8} {'floor s':>8} {'/floor':>6}  targets")
    for r in rows:
        bound = f"{r.bound:>6}" if r.bound is not None else f"{'':>6}"
        excess = f"{r.requests - r.refused - r.bound:>+6}" if r.bound is not None else f"{'':>6}"
        checks = "; ".join(f"{text} {'ok' if good else 'MISSED'}" for text, good in r.checks)
        print(
            f"{r.size:>5} {r.who:<18} {r.requests:>8} {bound} {excess} {r.writes:>6} {r.reads:>5} {r.refused:>4} "
            f"{r.credits:>9,} {r.wall:>8.2f} {r.floor:>8.2f} {r.wall / r.floor:>6.2f}  {checks}"
        )
    print(
        "floor = max((⌈credits ÷ budget⌉ − 1) × 60 s, critical-path round trips × mean latency); "
        "bound = fewest requests for the same work (excess = requests − 429s − bound); "
        "ratios ours/theirs are wall-time ratios of the push rows."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes 10 and 50, 20 ms + 0–10 ms latency")
    parser.add_argument("--sizes", type=int, nargs="+", help="touchpoints per journey (default 50 500 1000)")
    parser.add_argument("--latency", type=float, help="ms per request (default 100; --quick 20)")
    parser.add_argument("--jitter", type=float, help="plus uniform 0..ms (default 50; --quick 10)")
    parser.add_argument("--credits-per-minute", type=int, default=BUDGET)
    parser.add_argument("--concurrency", type=int, default=8, help="the connector's concurrent writes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sdk", action="store_true", help="only cjm-sync's rows")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or ([10, 50] if args.quick else [50, 500, 1000])
    args.latency = args.latency if args.latency is not None else (20.0 if args.quick else 100.0)
    args.jitter = args.jitter if args.jitter is not None else (10.0 if args.quick else 50.0)
    python = None if args.no_sdk else ensure_sdk()
    rows: list[Row] = []
    for size in args.sizes:
        rows += run_ours(size, args)
        if python is not None:
            rows.append(run_sdk(size, "one-by-one", args, python))
            rows.append(run_sdk(size, "bulk", args, python))
        print(f"  … {size} touchpoints done", file=sys.stderr, flush=True)
    judge(rows)
    print_table(rows, args)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
