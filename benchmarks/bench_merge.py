"""Merge benchmark: time and peak memory of the pure three-way merge (``cjm_sync.merge.merge``).

    .venv/bin/python benchmarks/bench_merge.py                   # 100, 1000, 3000 touchpoints
    .venv/bin/python benchmarks/bench_merge.py --items 5000 --repeat 1 --json

Journeys come from :func:`bench_sync.make_journey` (CJK text; pain points, opportunities and notes on
top of the touchpoints). The board side carries only what the Miro board shows
(``connectors.miro.connector.CARRIED``), as in a real sync. Scenarios per size:

* ``no-op``     — base, file and board identical;
* ``edits``     — 5 % of entities changed in the file and another 5 % on the board (disjoint);
* ``conflicts`` — as ``edits`` plus 1 % changed differently on both sides (reported as conflicts);
* ``reorder``   — the file reverses the order of the touchpoints in every stage, adds 5 % new
  touchpoints and deletes 5 %; the board deletes 5 % of the notes and adds as many new ones;
* ``first``     — the first sync: no base, board identical to the file.

Time is the median of ``--repeat`` runs without tracing; memory is one run under ``tracemalloc``.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import make_journey  # the sibling module, found through the path above

from cjm_sync.merge import Entity, merge
from cjm_sync.merge.entities import carries, flatten, split_key
from connectors.miro.connector import CARRIED

Entities = dict[str, Entity]
Case = tuple[Entities | None, Entities, Entities]


def board_view(entities: Entities) -> Entities:
    """What the board shows of a journey: carried kinds, carried fields and the order."""
    return {
        key: {f: v for f, v in entity.items() if f == "order" or carries(f, CARRIED[split_key(key)[0]])}
        for key, entity in entities.items()
        if split_key(key)[0] in CARRIED
    }


def _pick(keys: list[str], share: float, offset: int) -> list[str]:
    count = max(1, round(len(keys) * share))
    step = max(1, len(keys) // count)
    return keys[offset % step :: step][:count]


def _text_field(entity: Entity) -> str:
    return "text" if "text" in entity else "title"


def scenario(name: str, touchpoints: int) -> Case:
    """``(base, ours, theirs)`` for one scenario."""
    base = flatten(make_journey(touchpoints))
    ours = copy.deepcopy(base)
    theirs = board_view(base)
    editable = sorted(k for k in theirs if split_key(k)[0] in ("touchpoint", "note", "pain_point", "opportunity"))
    if name == "no-op":
        return base, ours, theirs
    if name == "first":
        return None, ours, theirs
    if name in ("edits", "conflicts"):
        for key in _pick(editable, 0.05, 0):
            ours[key][_text_field(ours[key])] = f"文件里改的 {key}"
        for key in _pick(editable, 0.05, 1):
            theirs[key][_text_field(theirs[key])] = f"白板上改的 {key}"
        if name == "conflicts":
            for key in _pick(editable, 0.01, 2):
                ours[key][_text_field(ours[key])] = f"文件 {key}"
                theirs[key][_text_field(theirs[key])] = f"白板 {key}"
        return base, ours, theirs
    if name == "reorder":
        by_stage: dict[str, list[str]] = {}
        for key, entity in ours.items():
            if key.startswith("touchpoint:"):
                by_stage.setdefault(entity["stage"], []).append(key)
        for keys in by_stage.values():
            ranked = sorted(keys, key=lambda k: ours[k]["order"])
            for key, order in zip(ranked, reversed([ours[k]["order"] for k in ranked]), strict=True):
                ours[key]["order"] = order
        tps = sorted(k for k in ours if k.startswith("touchpoint:"))
        for key in _pick(tps, 0.05, 3):
            del ours[key]
        template = ours[next(k for k in sorted(ours) if k.startswith("touchpoint:"))]
        for i in range(max(1, touchpoints // 20)):
            ours[f"touchpoint:new{i}"] = {**template, "title": f"新触点 {i}", "order": 10_000 + i, "connections": []}
        notes = sorted(k for k in theirs if k.startswith("note:"))
        for key in _pick(notes, 0.05, 1):
            del theirs[key]
        note = theirs[notes[0]]
        for i in range(max(1, len(notes) // 20)):
            theirs[f"note:board{i}"] = {**note, "text": f"白板上的新便签 {i}", "order": 10_000 + i}
        return base, ours, theirs
    raise ValueError(name)


SCENARIOS = ("no-op", "edits", "conflicts", "reorder", "first")


@dataclass
class Result:
    touchpoints: int
    entities: int
    scenario: str
    median_ms: float
    cpu_ms: float
    peak_mib: float
    conflicts: int
    changes: int


def run(case: Case) -> Any:
    base, ours, theirs = case
    return merge(base, ours, theirs, carried=CARRIED)


def measure(touchpoints: int, name: str, repeat: int) -> Result:
    case = scenario(name, touchpoints)
    times, cpu_times = [], []
    result = None
    for _ in range(repeat):
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        result = run(case)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
    gc.collect()
    tracemalloc.start()
    run(case)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result is not None
    return Result(
        touchpoints,
        len(case[1]),
        name,
        statistics.median(times) * 1000,
        statistics.median(cpu_times) * 1000,
        peak / 2**20,
        len(result.conflicts),
        len(result.changes),
    )


def table(results: list[Result]) -> str:
    head = (
        f"{'size':>6} {'entities':>8} {'scenario':<10} {'wall ms':>9} {'cpu ms':>8} {'peak MiB':>9} "
        f"{'changes':>8} {'conflicts':>9}"
    )
    lines = [head, "-" * len(head)]
    lines += [
        f"{r.touchpoints:>6} {r.entities:>8} {r.scenario:<10} {r.median_ms:>9.1f} {r.cpu_ms:>8.1f} {r.peak_mib:>9.1f} "
        f"{r.changes:>8} {r.conflicts:>9}"
        for r in results
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[100, 1000, 3000], help="touchpoints per journey")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (median is shown)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = [measure(n, s, args.repeat) for n in args.items for s in args.scenarios]
    elapsed = time.perf_counter() - started
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "repeat": args.repeat,
        "seconds": round(elapsed, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": [asdict(r) for r in results]}, indent=2))
    else:
        print(
            f"bench_merge — {meta['date']}, Python {meta['python']}, {meta['machine']}, {meta['cpus']} CPUs, "
            f"load {meta['load_average'][0]}; median of {args.repeat}"
        )
        print(table(results))
        print(f"\n(total {elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
