"""kill -9 during a concurrent first push, then a rerun: the board ends exactly as after a clean push.

Runs the real CLI in a subprocess on the persisted ``--sandbox`` emulator and kills it with SIGKILL
once part of the push is journaled (writes in flight at that moment may or may not have happened).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cjm_sync.files import render_journey
from cjm_sync.schema import (
    Channel,
    Connection,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    Note,
    PainPoint,
    Stage,
    Touchpoint,
)
from connectors.miro.sandbox import MiroSandbox

BOARD = "uXjVkill9="
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _journey() -> Journey:
    stages = [Stage(id=f"s{i}", title=f"阶段 {i}") for i in range(4)]
    tps = [
        Touchpoint(
            id=f"t{i}",
            title=f"触点 {i}",
            stage=f"s{i % 4}",
            channel=list(Channel)[i % 5],
            moment_of_truth=i % 6 == 0,
            emotion=Emotion(score=(i % 5) - 2),
        )
        for i in range(24)
    ]
    for a, b in itertools.pairwise(tps):
        a.connections.append(Connection(to=b.id, label="→" if a.stage == b.stage else None))
    pains = [PainPoint(id=f"p{i}", title=f"痛点 {i}", stage=f"s{i % 4}") for i in range(8)]
    notes = [Note(id=f"n{i}", text=f"笔记 {i} 😀", stage=f"s{i % 4}", lane="thoughts") for i in range(8)]
    lanes = [Lane(id="thoughts", kind=LaneKind.THOUGHTS)]
    return Journey(
        id="kill", title="Kill -9 旅程", stages=stages, lanes=lanes, touchpoints=tps, pain_points=pains, notes=notes
    )


def _push(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CJM_SYNC_AUTHOR": "tester"}
    env.pop("CJM_SYNC_CONFIG", None)
    command = [sys.executable, "-m", "cjm_sync", "push", "--journey", "j.yaml", "--board", BOARD, "--sandbox", "-q"]
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _journaled(root: Path) -> int:
    db = root / ".cjm-sync" / "state.db"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM op_journal").fetchone()[0])
    except sqlite3.Error:
        return 0


def _board(root: Path) -> dict[str, Any]:
    """The board without ids: items by (type, text, colour), connectors by their ends' texts, taggings."""
    snapshot = json.loads((root / ".cjm-sync" / "sandbox-miro.json").read_text(encoding="utf-8"))
    board = MiroSandbox.load(snapshot).store.board(BOARD)
    text = {
        i.id: (i.type, str(i.data.get("content") or i.data.get("title") or ""), str(i.style.get("fillColor", "")))
        for i in board.items.values()
    }
    tags = {t.id: t.title for t in board.tags.values()}
    return {
        "items": Counter(text.values()),
        "connectors": Counter(
            (text.get(str(c.start.get("id"))), text.get(str(c.end.get("id")))) for c in board.connectors.values()
        ),
        "tags": sorted(tags.values()),
        "taggings": Counter((text[i.id], tags[t]) for i in board.items.values() for t in i.tag_ids),
    }


def _setup(root: Path) -> None:
    root.mkdir()
    (root / "j.yaml").write_text(render_journey(_journey()), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("share", [0.15, 0.5, 0.85])
def test_kill_9_during_a_concurrent_first_push_then_rerun_matches_a_clean_push(tmp_path: Path, share: float) -> None:
    clean = tmp_path / "clean"
    _setup(clean)
    done = _push(clean)
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 0, out.decode()
    total = _journaled(clean)
    assert total > 100

    killed = tmp_path / "killed"
    _setup(killed)
    process = _push(killed)
    deadline = time.monotonic() + 120
    while _journaled(killed) < share * total and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    if process.returncode != -signal.SIGKILL:
        pytest.skip("the push finished before it could be killed (machine too fast for this share)")
    assert _board(killed) != _board(clean)  # killed half-way: the rerun has work left
    rerun = _push(killed)
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out.decode()

    assert _board(killed) == _board(clean)
