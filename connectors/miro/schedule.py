"""Which board writes may run side by side, and running them that way with bounded concurrency.

A plan's ops depend on one another only through ids made in the same run: a frame's children refer to
the frame (``parent``), connectors to the items at their ends, tag attaches to the item and to the tag
(``@key:`` references in the payload, or an attach whose item or tag is created by this plan), and the
connectors from one item follow one another in plan order (a card's connections are read back in the
order the board lists its connectors, which is creation order); moves into a grown grid wait for the
grid's headers and labels to move. Frame
writes go first and alone (everything else may sit inside the frame's new bounds). Everything else
runs as soon as what it needs exists, at most ``concurrency`` requests at once; item creates that
become ready together go out as bulk calls of up to 20 (one transactional request each).

The units run in worker threads; :func:`run_units` calls ``perform`` once per unit and returns when
all are done, or raises the first failure (in plan order) after the units already in flight finish,
so a crash or an error never leaves a write unaccounted for in the journal.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from cjm_sync.plugins.whiteboard import BoardOp, OpKind
from connectors.miro.planner import REF
from connectors.miro.resources import BULK_LIMIT, ITEM_TYPES

DEFAULT_CONCURRENCY = 8
"""Concurrent requests per board. Measured with ``benchmarks/bench_vs_sdk.py`` (100 ms + 0–50 ms
latency): 8 takes a 500-touchpoint first push from ~10 minutes (one at a time) to within a few round
trips of the credit floor; more only adds 429 risk against the real service."""
MAX_CONCURRENCY = 32
GRID_KEYS = ("stage:", "lane:", "row:")
"""Keys of the grid's stage headers, lane labels and unlabelled rows."""


@dataclass
class Unit:
    """One request's worth of ops: a bulk create (``bulk``) or a single op; ``needs`` are unit indexes."""

    ops: tuple[BoardOp, ...]
    bulk: bool
    needs: set[int] = field(default_factory=set)


def refs(value: Any) -> set[str]:
    """Keys a payload refers to through ``@key:`` references."""
    if isinstance(value, str):
        return {value[len(REF) :]} if value.startswith(REF) else set()
    if isinstance(value, Mapping):
        return set().union(*(refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value)) if value else set()
    return set()


def needs(op: BoardOp) -> set[str]:
    """Entity keys ``op`` needs the board ids of (made by other ops of the same plan, if any)."""
    found = refs(op.payload)
    if op.kind in (OpKind.TAG, OpKind.UNTAG):
        if op.external_id is None:
            found.add(op.key)
        if not op.payload.get("tag_id"):
            found.add(f"tag:{op.payload['tag']}")
    return found


def bulkable(op: BoardOp) -> bool:
    """Whether ``op`` may go out in a bulk create."""
    return op.kind is OpKind.CREATE and op.item_type in ITEM_TYPES and ITEM_TYPES[op.item_type].in_bulk


def _chained(ops: Sequence[BoardOp]) -> dict[int, set[int]]:
    """Op index → ops it must follow besides what it refers to.

    Connectors from one item are created in plan order, because a card's connections are read back in
    the order the board lists its connectors (creation order). And the grid moves before what sits in
    it: when the grid grows, its headers and labels change one after another in plan order, and an item
    moved (or resized) into the grown grid waits for all of them, or a crash in between would leave a
    grid whose rows overlap, or an item outside it; new items are created after the grid's new headers
    and labels, so a run that stops early never leaves items in a frame without their grid. Recovery
    relies on every interrupted run having done a prefix of these layout writes, as in plan order.
    """
    previous: dict[str, int] = {}
    after: dict[int, set[int]] = {}
    grid: list[int] = []
    reshaped = any(op.kind in (OpKind.UPDATE, OpKind.MOVE) and op.key.startswith(GRID_KEYS) for op in ops)
    for i, op in enumerate(ops):
        if op.kind is OpKind.CREATE and op.item_type == "connector":
            start = str((op.payload.get("startItem") or {}).get("id"))
            if start in previous:
                after.setdefault(i, set()).add(previous[start])
            previous[start] = i
        if op.kind in (OpKind.CREATE, OpKind.UPDATE, OpKind.MOVE) and op.key.startswith(GRID_KEYS):
            if reshaped and grid:  # a growing grid changes one header or label after another, as planned
                after.setdefault(i, set()).add(grid[-1])
            grid.append(i)
        elif op.kind is OpKind.CREATE and op.item_type not in ("frame", "connector", "tag"):
            after.setdefault(i, set()).update(grid)  # an item is placed in a grid that is already drawn
        elif (
            op.item_type != "frame"  # frames are laid out before anything else (see units())
            and op.kind in (OpKind.UPDATE, OpKind.MOVE)
            and ("position" in op.payload or "geometry" in op.payload)
        ):
            after.setdefault(i, set()).update(grid)
    return after


def units(ops: Sequence[BoardOp]) -> list[Unit]:
    """The plan as units with their dependencies, in plan order within each dependency level."""
    maker = {op.key: i for i, op in enumerate(ops) if op.kind is OpKind.CREATE}
    frame_ops = [i for i, op in enumerate(ops) if op.item_type == "frame"]
    after = _chained(ops)
    level: dict[int, int] = {}

    def deps_of(i: int) -> set[int]:
        deps = {maker[k] for k in needs(ops[i]) if k in maker and maker[k] != i}
        return deps | after.get(i, set())

    def level_of(i: int, seen: frozenset[int] = frozenset()) -> int:
        if i not in level:
            deps = deps_of(i) - seen
            base = 1 if frame_ops and ops[i].item_type != "frame" else 0
            level[i] = max([base, *(level_of(d, seen | {i}) + 1 for d in deps)])
        return level[i]

    by_level: dict[int, list[int]] = {}
    for i in range(len(ops)):
        by_level.setdefault(level_of(i), []).append(i)
    out: list[Unit] = []
    unit_of: dict[int, int] = {}
    for lvl in sorted(by_level):  # within a level nothing needs anything else: bulk every item create
        members = by_level[lvl]
        creates = [i for i in members if bulkable(ops[i])]
        chunks = {creates[n]: creates[n : n + BULK_LIMIT] for n in range(0, len(creates), BULK_LIMIT)}
        for i in members:
            group = chunks.get(i, [] if bulkable(ops[i]) else [i])
            if group:
                for j in group:
                    unit_of[j] = len(out)
                out.append(Unit(tuple(ops[j] for j in group), bulk=bulkable(ops[i])))
    frame_units = {unit_of[i] for i in frame_ops}
    for i, op in enumerate(ops):
        unit = out[unit_of[i]]
        unit.needs |= {unit_of[d] for d in deps_of(i)} - {unit_of[i]}
        if op.item_type != "frame":
            unit.needs |= frame_units
    return out


def run_units(plan: Sequence[Unit], perform: Callable[[Unit], None], concurrency: int) -> None:
    """Run every unit once its ``needs`` are done, ``concurrency`` at a time, in plan order among the
    ready ones; after a failure nothing new starts, and the first failure (in plan order) is raised."""
    waiting = {u: len(unit.needs) for u, unit in enumerate(plan)}
    dependents: dict[int, list[int]] = {}
    for u, unit in enumerate(plan):
        for need in unit.needs:
            dependents.setdefault(need, []).append(u)
    ready = [u for u, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    failures: dict[int, BaseException] = {}
    finished = 0
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="cjm-miro-write") as pool:
        running: dict[Future[None], int] = {}
        while True:
            while ready and not failures and len(running) < concurrency:
                u = heapq.heappop(ready)
                running[pool.submit(perform, plan[u])] = u
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                u = running.pop(future)
                error = future.exception()
                if error is not None:
                    failures[u] = error
                    continue
                finished += 1
                for later in dependents.get(u, ()):
                    waiting[later] -= 1
                    if waiting[later] == 0:
                        heapq.heappush(ready, later)
    if failures:
        raise failures[min(failures)]
    if finished < len(plan):
        raise RuntimeError("board writes wait on each other (a dependency cycle in the plan)")
