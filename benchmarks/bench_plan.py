"""Merge + plan benchmark: CPU and peak memory of the client-side work of a sync, without the network.

    .venv/bin/python benchmarks/bench_plan.py                      # 5,000 touchpoints (target < 1 s CPU)
    .venv/bin/python benchmarks/bench_plan.py --items 500 5000 --profile 15

For a journey of N touchpoints (``bench_sync.make_journey``: ~3.5 board items per touchpoint) three
scenarios run the steps a sync performs between reading the board and writing it:

* ``first``  — merge with no base against an empty board, then plan the first push (every item created);
* ``no-op``  — interpret the board a first push left, merge file / board / base, plan: 0 ops expected;
* ``1%``     — as ``no-op`` after the file changed 1 % of the touchpoints' titles.

The board is built from the first push's own ops (frame-relative positions, tags, connectors), exactly
as :class:`~connectors.miro.sandbox.MiroSandbox` stores it, without HTTP. Columns: CPU seconds of
``interpret`` (board → journey), ``merge`` (flatten three sides + three-way merge + build the board
side's journey) and ``plan`` (:func:`~connectors.miro.planner.plan_board`), and their sum ``merge+plan``
(interpret excluded: it belongs to the read); peak MiB from a second run under ``tracemalloc``.
``--profile K`` prints the K costliest functions (cProfile, cumulative) of the largest size.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import make_journey  # the sibling module, found through the path above

from cjm_sync.merge import build_journey, flatten, merge
from cjm_sync.plugins.whiteboard import BoardOp, OpKind
from cjm_sync.schema import Journey
from connectors.miro.board import Connector, Snapshot, Tag, parse_items
from connectors.miro.connector import CARRIED, placed_values
from connectors.miro.planner import REF, plan_board
from connectors.miro.reading import interpret

TARGET_CPU_S = 1.0
SCENARIOS = ("first", "no-op", "1%")
STAMP = "2026-01-01T00:00:00.000Z"


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith(REF):
        return ids[value[len(REF) :]]
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def board_after(ops: list[BoardOp]) -> tuple[Snapshot, dict[str, str]]:
    """The board a first push of ``ops`` leaves, and the id map it records."""
    ids: dict[str, str] = {}
    raw_items: list[dict[str, Any]] = []
    connectors: dict[str, Connector] = {}
    tags: dict[str, Tag] = {}
    tagged: dict[str, list[str]] = {}
    for n, op in enumerate(ops):
        new_id = str(3_458_764_600_000_000_000 + n)
        payload = _resolve(dict(op.payload), ids)
        if op.kind is OpKind.CREATE and op.item_type == "tag":
            tags[new_id] = Tag(new_id, payload["title"], payload["fillColor"])
        elif op.kind is OpKind.CREATE and op.item_type == "connector":
            captions = tuple(c["content"] for c in payload.get("captions", []))
            start, end = payload["startItem"]["id"], payload["endItem"]["id"]
            style = payload.get("style", {})
            connectors[new_id] = Connector(new_id, start, end, captions, style, "curved", STAMP, None)
        elif op.kind is OpKind.CREATE:
            position = {**payload["position"], "relativeTo": "parent_top_left" if "parent" in payload else "canvas"}
            geometry = payload["geometry"]
            raw_items.append(
                {
                    "id": new_id,
                    "type": op.item_type,
                    "data": payload["data"],
                    "style": payload.get("style", {}),
                    "position": position,
                    "geometry": {"height": geometry["width"], **geometry},
                    "parent": payload.get("parent"),
                    "modifiedAt": STAMP,
                }
            )
        elif op.kind is OpKind.TAG:
            title = payload["tag"]
            tagged.setdefault(ids[op.key], []).append(title)
            continue
        ids[op.key] = new_id
    return Snapshot(parse_items(raw_items, tagged), connectors, tags), ids


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.process_time()
    value = fn()
    return time.process_time() - start, value


def run_case(journey: Journey, scenario: str, board: tuple[Snapshot, dict[str, str]]) -> dict[str, Any]:
    """CPU seconds of interpret, merge and plan for one scenario, and the number of planned ops."""
    memo: dict[str, Any] = {}
    ours = journey
    if scenario == "1%":
        ours = journey.model_copy(deep=True)
        for tp in ours.touchpoints[:: max(1, 100)]:
            tp.title += " (改)"
    if scenario == "first":
        snapshot, id_map, theirs_journey = Snapshot({}, {}, {}), {}, None
        t_read = 0.0
    else:
        snapshot, id_map = board[0], dict(board[1])
        memo = {"created": list(id_map.values()), "placed": placed_values(journey)}
        t_read, read = _cpu(
            lambda: interpret(
                snapshot,
                id_map,
                journey_id=journey.id,
                emotion_scale=journey.emotion_scale,
                settled=memo["placed"],
            )
        )
        theirs_journey = read.journey
    base = None if scenario == "first" else flatten(journey)

    def do_merge() -> Journey:
        theirs = flatten(theirs_journey) if theirs_journey is not None else {}
        result = merge(base, flatten(ours), theirs, carried=dict(CARRIED))
        return build_journey(result.board_entities, ours)

    t_merge, desired = _cpu(do_merge)
    t_plan, ops = _cpu(lambda: plan_board(desired, snapshot, id_map, memo))
    return {"interpret": t_read, "merge": t_merge, "plan": t_plan, "ops": len(ops)}


def peak_mib(journey: Journey, scenario: str, board: tuple[Snapshot, dict[str, str]]) -> float:
    """``tracemalloc`` peak of one more run of the scenario (the board itself is allocated before)."""
    gc.collect()
    tracemalloc.start()
    try:
        run_case(journey, scenario, board)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[5000], help="touchpoints per journey")
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="print the K costliest functions")
    args = parser.parse_args(argv)
    print(f"bench_plan — Python {sys.version.split()[0]}; target: merge+plan < {TARGET_CPU_S:.0f} s CPU")
    header = f"{'size':>6} {'items':>6} {'scenario':<8} {'interpret':>9} {'merge':>7} {'plan':>7} {'merge+plan':>10}"
    print(f"{header} {'peak MiB':>8} {'ops':>6}  target")
    for size in args.items:
        journey = make_journey(size)
        first_ops = plan_board(journey, Snapshot({}, {}, {}), {}, {})
        board = board_after(first_ops)
        for scenario in SCENARIOS:
            figures = run_case(journey, scenario, board)
            total = figures["merge"] + figures["plan"]
            verdict = "ok" if total < TARGET_CPU_S else "MISSED"
            print(
                f"{size:>6} {len(board[0].items):>6} {scenario:<8} {figures['interpret']:>9.3f} "
                f"{figures['merge']:>7.3f} {figures['plan']:>7.3f} {total:>10.3f} "
                f"{peak_mib(journey, scenario, board):>8.1f} {figures['ops']:>6}  {verdict}"
            )
    if args.profile:
        journey = make_journey(max(args.items))
        board = board_after(plan_board(journey, Snapshot({}, {}, {}), {}, {}))
        profiler = cProfile.Profile()
        for scenario in SCENARIOS:
            profiler.runcall(run_case, journey, scenario, deepcopy(board))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
