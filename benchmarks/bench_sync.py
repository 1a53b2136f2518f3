"""Sync benchmark: time, memory, API calls and Miro credits of each sync phase against the Miro sandbox.

    .venv/bin/python benchmarks/bench_sync.py                    # 10, 100, 300 touchpoints (~30 s)
    .venv/bin/python benchmarks/bench_sync.py --items 50 1000 --json

For each size a synthetic journey (CJK text, pain points, opportunities, notes, connections, channels,
moments of truth) goes through five phases with the real engine and connector, the sandbox in-process:

* ``push``   — initial push to an empty board;
* ``no-op``  — a full sync with nothing changed on either side;
* ``edited`` — a full sync after people edited ``--edit-fraction`` (5 %) of the items on the board;
* ``pull``   — a pull after another round of such edits.

Each phase runs twice from identical state: once timed, once under ``tracemalloc`` for peak memory
(tracemalloc slows Python down, so it never runs while timing). Calls by kind and credits come from
the connector's own counters (``connector.api_calls()``); the sandbox's call log and the credits it
charged are compared with them. ``min`` is the theoretical minimum number of calls for what the phase
had to do (see benchmarks/README.md); a phase that made more calls is flagged ``OVER``.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cjm_sync.engine import SyncEngine, SyncReport, SyncRequest
from cjm_sync.files import render_journey
from cjm_sync.http import retry
from cjm_sync.plugins.whiteboard import OpKind
from cjm_sync.schema import (
    Channel,
    Connection,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    MapType,
    Note,
    Opportunity,
    Owner,
    PainPoint,
    Stage,
    StageKind,
    Touchpoint,
)
from cjm_sync.state import open_store
from connectors.miro.connector import MiroConnector
from connectors.miro.resources import BULK_LIMIT, ITEM_TYPES, LIST_LIMIT
from connectors.miro.sandbox import ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

BOARD = "uXjVbench="
HUMAN = "3458764599999999999"
MIRO_CREDITS_PER_MINUTE = 100_000
KINDS = ("list", "tag", "bulk", "create", "update", "delete", "get")
PHASES = ("push", "no-op", "edited", "pull")


# --- synthetic journeys ------------------------------------------------------------------------------


def make_journey(touchpoints: int) -> Journey:
    """A current-state map with ``touchpoints`` touchpoints over ~one stage per 10 of them, plus one pain
    point per 4, one opportunity per 10 and one note per 2 touchpoints; CJK text throughout."""
    n_stages = max(3, min(15, touchpoints // 10))
    kinds = [StageKind.STANDARD] * (n_stages - 1) + [StageKind.EXIT]
    stages = [Stage(id=f"s{i}", title=f"阶段 {i} · Stage {i}", kind=kinds[i]) for i in range(n_stages)]
    lanes = [
        Lane(id="actions", kind=LaneKind.ACTIONS, title="行動 (actions)"),
        Lane(id="touchpoints", kind=LaneKind.TOUCHPOINTS),
        Lane(id="thoughts", kind=LaneKind.THOUGHTS, title="想法"),
        Lane(id="emotions", kind=LaneKind.EMOTIONS),
        Lane(id="pain-points", kind=LaneKind.PAIN_POINTS),
        Lane(id="opportunities", kind=LaneKind.OPPORTUNITIES),
    ]
    channels = list(Channel)
    tps = [
        Touchpoint(
            id=f"tp{i}",
            title=f"触点 {i} — 顧客がフォームを送信する",
            stage=stages[i * n_stages // touchpoints].id,
            channel=channels[i % len(channels)] if i % 5 else None,
            moment_of_truth=i % 7 == 0,
            description=f"说明 {i}: 客户在这里填写表单。" if i % 2 else None,
            actions=[f"行为 {i}"],
            thoughts=["これでいいのかな?"] if i % 3 == 0 else [],
            owner=Owner(department="客服", region="APAC"),
            emotion=Emotion(score=(i % 5) - 2, label="😀" if i % 2 else None) if i % 4 != 3 else None,
        )
        for i in range(touchpoints)
    ]
    for a, b in itertools.pairwise(tps):
        if a.stage == b.stage or int(a.id[2:]) % 3 == 0:
            a.connections.append(Connection(to=b.id, label="次へ" if int(a.id[2:]) % 4 == 0 else None))
    pains = [
        PainPoint(id=f"pp{i}", title=f"痛点 {i}: 太慢了 & 重い", stage=tps[i * 4].stage, touchpoint=tps[i * 4].id)
        for i in range(max(1, touchpoints // 4))
    ]
    opportunities = [
        Opportunity(id=f"op{i}", title=f"机会 {i}: 一键购买", stage=tps[i * 10].stage)
        for i in range(max(1, touchpoints // 10))
    ]
    notes = [
        Note(
            id=f"n{i}",
            lane="actions" if i % 2 else "thoughts",
            stage=tps[(i * 2) % touchpoints].stage,
            text=f"笔记 {i} — 参加者のメモ",
        )
        for i in range(max(1, touchpoints // 2))
    ]
    return Journey(
        id=f"bench-{touchpoints}",
        title=f"基准测试 {touchpoints} · Benchmark",
        map_type=MapType.CURRENT_STATE,
        stages=stages,
        lanes=lanes,
        touchpoints=tps,
        pain_points=pains,
        opportunities=opportunities,
        notes=notes,
    )


# --- people on the board -----------------------------------------------------------------------------


def human_edits(sandbox: MiroSandbox, ids: dict[str, str], fraction: float, round_no: int) -> int:
    """People edit ``fraction`` of the board's items: retitle cards, rewrite notes, move pain points to
    the next stage column. Returns how many items were edited."""
    human = sandbox.as_user(HUMAN)
    board = sandbox.store.board(BOARD)
    editable = sorted(k for k in ids if k.split(":")[0] in ("touchpoint", "note", "pain_point"))
    count = max(1, round(len(board.items) * fraction))
    headers = sorted((board.items[v] for k, v in ids.items() if k.startswith("stage:")), key=lambda i: i.x)
    step = max(1, len(editable) // count)
    edited = 0
    for key in editable[round_no % step :: step][:count]:
        kind, entity = key.split(":", 1)
        item_id = ids[key]
        if kind == "touchpoint":
            human.update_item(BOARD, item_id, data={"title": f"改名 {entity} r{round_no}"})
        elif kind == "note":
            human.update_item(BOARD, item_id, data={"content": f"<p>编辑过的笔记 {entity} r{round_no}</p>"})
        else:
            item = board.items[item_id]
            here = min(range(len(headers)), key=lambda i: abs(headers[i].x - item.x))
            column = headers[(here + 1) % len(headers)]
            human.move_item(BOARD, item_id, column.x, item.y, parent_id=item.parent_id)
        edited += 1
    return edited


# --- measuring ---------------------------------------------------------------------------------------


@dataclass
class Phase:
    """The figures of one phase."""

    name: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mib: float = 0.0
    calls: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    credits: int = 0
    sandbox_calls: int = 0
    sandbox_credits: int = 0
    minimum: int = 0
    min_detail: str = ""
    ops: dict[str, int] = field(default_factory=dict)
    edited: int = 0
    file_written: bool = False
    file_changes: int = 0
    conflicts: int = 0

    @property
    def over(self) -> int:
        return self.calls - self.minimum


@dataclass
class BoardShape:
    items: int
    connectors: int
    tags: dict[str, int]  # tag title -> items carrying it


def board_shape(sandbox: MiroSandbox) -> BoardShape:
    board = sandbox.store.board(BOARD)
    tagged = {t.title: sum(t.id in i.tag_ids for i in board.items.values()) for t in board.tags.values()}
    return BoardShape(len(board.items), len(board.connectors), tagged)


def read_minimum(shape: BoardShape) -> tuple[int, str]:
    """Listing the whole board: items and connectors (cursor, 50 a page), tags (offset, 50 a page) and the
    items of each tag (offset, 50 a page; the item listing does not say which tags an item has)."""
    items = max(1, math.ceil(shape.items / LIST_LIMIT))
    lines = max(1, math.ceil(shape.connectors / LIST_LIMIT))
    tags = max(1, math.ceil(len(shape.tags) / LIST_LIMIT))
    per_tag = sum(max(1, math.ceil(n / LIST_LIMIT)) for n in shape.tags.values())
    return items + lines + tags + per_tag, f"read {items}+{lines}+{tags}+{per_tag}"


def write_minimum(report: SyncReport) -> tuple[int, str]:
    """One call per op, except item creates: ``ceil(n/20)`` bulk calls (frames are created alone)."""
    ops = report.board_ops
    bulkable = sum(
        1 for op in ops if op.kind is OpKind.CREATE and op.item_type in ITEM_TYPES and ITEM_TYPES[op.item_type].in_bulk
    )
    others = len(ops) - bulkable
    bulk = math.ceil(bulkable / BULK_LIMIT)
    return bulk + others, f"write {bulk} bulk + {others} single" if ops else "write 0"


def op_counts(report: SyncReport) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for op in report.board_ops:
        counts[f"{op.kind.value} {op.item_type}"] += 1
    return dict(sorted(counts.items()))


class Bench:
    """One journey on one fresh sandbox board, phase by phase."""

    def __init__(self, workdir: Path, journey: Journey) -> None:
        self.clock = ManualClock()
        # No credit limit in the emulator: the benchmark reports credits, it does not wait for them.
        self.sandbox = MiroSandbox(clock=self.clock, credits_per_minute=10**12)
        self.sandbox.create_board("Benchmark", BOARD)
        self.path = workdir / "journey.yaml"
        self.path.write_text(render_journey(journey), encoding="utf-8")
        self.store = open_store(workdir / "state.db")
        self.connector = MiroConnector(
            MiroSettings(access_token=SecretStr("bench"), board_id=BOARD), transport=self.sandbox.transport()
        )
        self.engine = SyncEngine(self.store, self.connector, author="bench")
        self.journey_id = journey.id

    def ids(self) -> dict[str, str]:
        return self.store.get_id_map(self.journey_id, "miro", BOARD)

    def run(self, request: SyncRequest) -> SyncReport:
        report = self.engine.run(request)
        self.clock.advance(60)
        return report

    def close(self) -> None:
        self.connector.close()
        self.store.close()


def _kinds(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, dict[str, int], int]:
    by_kind = {k: after["by_kind"][k] - before["by_kind"].get(k, 0) for k in after["by_kind"]}
    return (
        after["calls"] - before["calls"],
        {k: v for k, v in by_kind.items() if v},
        after["credits"] - before["credits"],
    )


def measure(bench: Bench, name: str, request: SyncRequest, *, trace: bool) -> Phase:
    phase = Phase(name)
    shape = board_shape(bench.sandbox)
    before = bench.connector.api_calls() or {"calls": 0, "by_kind": Counter(), "credits": 0}  # {} before 1st call
    bench.sandbox.reset_calls()
    gc.collect()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    report = bench.run(request)
    phase.seconds, phase.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if trace:
        phase.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    after = bench.connector.api_calls()
    phase.calls, phase.by_kind, phase.credits = _kinds(before, after)
    log = bench.sandbox.calls
    phase.sandbox_calls, phase.sandbox_credits = len(log), sum(c.credits for c in log)
    read_min, read_detail = read_minimum(shape)
    write_min, write_detail = write_minimum(report) if request.write_board else (0, "write 0")
    phase.minimum = read_min + write_min
    phase.min_detail = f"{read_detail}; {write_detail}"
    phase.ops = op_counts(report)
    phase.file_written = report.file_written
    phase.file_changes = len(report.file_changes)
    phase.conflicts = len(report.conflicts)
    return phase


def run_size(touchpoints: int, fraction: float, *, trace: bool) -> tuple[list[Phase], BoardShape]:
    """All phases for one journey size, and the board after the push; with ``trace`` the figures are
    memory, otherwise time."""
    journey = make_journey(touchpoints)
    with tempfile.TemporaryDirectory(prefix="cjm-bench-") as tmp:
        bench = Bench(Path(tmp), journey)
        try:
            push = SyncRequest(bench.path, BOARD, command="push", write_file=False)
            phases = [measure(bench, "push", push, trace=trace)]
            shape = board_shape(bench.sandbox)
            phases.append(measure(bench, "no-op", SyncRequest(bench.path, BOARD), trace=trace))
            edited = human_edits(bench.sandbox, bench.ids(), fraction, 1)
            bench.clock.advance(60)
            phases.append(measure(bench, "edited", SyncRequest(bench.path, BOARD), trace=trace))
            phases[-1].edited = edited
            edited = human_edits(bench.sandbox, bench.ids(), fraction, 2)
            bench.clock.advance(60)
            pull = SyncRequest(bench.path, BOARD, command="pull", write_board=False)
            phases.append(measure(bench, "pull", pull, trace=trace))
            phases[-1].edited = edited
            return phases, shape
        finally:
            bench.close()


@dataclass
class SizeResult:
    touchpoints: int
    items: int
    connectors: int
    tags: int
    phases: list[Phase]


def bench_size(touchpoints: int, fraction: float, *, memory: bool = True) -> SizeResult:
    timed, shape = run_size(touchpoints, fraction, trace=False)
    traced, _ = run_size(touchpoints, fraction, trace=True) if memory else (timed, shape)
    for t, m in zip(timed, traced, strict=True):
        t.peak_mib = m.peak_mib
        if (t.calls, t.credits) != (m.calls, m.credits):
            print(f"warning: {touchpoints}/{t.name}: the traced run made different calls", file=sys.stderr)
    return SizeResult(touchpoints, shape.items, shape.connectors, len(shape.tags), timed)


# --- output ------------------------------------------------------------------------------------------


def _kind_text(by_kind: dict[str, int]) -> str:
    return " ".join(f"{k}:{by_kind[k]}" for k in KINDS if by_kind.get(k))


def table(results: list[SizeResult]) -> str:
    head = (
        f"{'size':>5} {'phase':<7} {'wall s':>7} {'cpu s':>6} {'peak MiB':>8} {'calls':>6} {'min':>5} {'':<9} "
        f"{'credits':>8} {'Miro min':>8}  calls by kind"
    )
    lines = [head, "-" * len(head)]
    notes: list[str] = []
    for r in results:
        for p in r.phases:
            flag = f"OVER +{p.over}" if p.over > 0 else ("ok" if p.over == 0 else f"under {p.over}")
            minutes = p.credits / MIRO_CREDITS_PER_MINUTE
            lines.append(
                f"{r.touchpoints:>5} {p.name:<7} {p.seconds:>7.2f} {p.cpu_seconds:>6.2f} {p.peak_mib:>8.1f} "
                f"{p.calls:>6} {p.minimum:>5} {flag:<9} {p.credits:>8} {minutes:>8.2f}  {_kind_text(p.by_kind)}"
            )
            if p.sandbox_calls != p.calls or p.sandbox_credits != p.credits:
                notes.append(
                    f"size {r.touchpoints} {p.name}: the sandbox saw {p.sandbox_calls} calls / charged "
                    f"{p.sandbox_credits} credits, the connector counted {p.calls} / {p.credits}"
                )
        lines.append(
            f"{'':>5} board: {r.items} items, {r.connectors} connectors, {r.tags} tags; "
            + "; ".join(f"{p.name}: {p.min_detail}" for p in r.phases)
        )
        edits = [p for p in r.phases if p.edited]
        lines.append(
            f"{'':>5} people edited "
            + ", ".join(f"{p.edited} items before {p.name}" for p in edits)
            + "; board ops: "
            + ", ".join(f"{p.name} {sum(p.ops.values())}" for p in r.phases)
            + "; file changes: "
            + ", ".join(f"{p.name} {p.file_changes}" for p in r.phases)
            + "; conflicts: "
            + ", ".join(f"{p.name} {p.conflicts}" for p in r.phases)
        )
    if notes:
        lines += ["", "Call/credit accounting mismatches:", *notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10, 100, 300], help="touchpoints per journey")
    parser.add_argument("--edit-fraction", type=float, default=0.05, help="share of items people edit")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs (about half the time)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    retry.set_testing(True)  # no real back-off sleeps (there are no faults; this is belt and braces)
    started = time.perf_counter()
    results = [bench_size(n, args.edit_fraction, memory=not args.no_memory) for n in args.items]
    elapsed = time.perf_counter() - started
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "edit_fraction": args.edit_fraction,
        "seconds": round(elapsed, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    if args.json:
        out = [{**asdict(r), "phases": [{**asdict(p), "over": p.over} for p in r.phases]} for r in results]
        print(json.dumps({"meta": meta, "results": out}, indent=2, ensure_ascii=False))
    else:
        print(
            f"bench_sync — {meta['date']}, Python {meta['python']}, {meta['machine']}, "
            f"{meta['cpus']} CPUs, load {meta['load_average'][0]}"
        )
        print(table(results))
        print(f"\n(total {elapsed:.1f} s; 'Miro min' = credits / {MIRO_CREDITS_PER_MINUTE:,} per minute)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
