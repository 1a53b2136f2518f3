"""Properties of the engine on the memory board: idempotence, no lost edits, order independence."""

from __future__ import annotations

import copy
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from engine_support import Env, base_journey, find, remove, set_field
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_board import CARRIED, MemoryBoard

from cjm_sync.merge import Policies, Policy
from cjm_sync.merge.entities import carries
from cjm_sync.schema import Channel, Direction, Journey, Note

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOUCHPOINTS = ["touchpoint:ad", "touchpoint:web", "touchpoint:cart"]
_TOKEN = st.text(st.sampled_from(list("abcXYZ旅程客😀-é")), min_size=1, max_size=6)
"""Values without whitespace, so that two different edits never auto-merge (they conflict)."""
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": _TOKEN,
    "description": st.none() | _TOKEN,
    "channel": st.sampled_from([None, *(c.value for c in Channel)]),
    "moment_of_truth": st.booleans(),
    "emotion.score": st.integers(-2, 2).map(float),
    "stage": st.sampled_from(["aware", "buy"]),
    "direction": st.sampled_from([None, *(d.value for d in Direction)]),  # not carried: file only
}
BOARD_FIELDS = [f for f in VALUES if carries(f, CARRIED["touchpoint"])]
Edits = dict[tuple[str, str], Any]
_FAST_TMP = "/dev/shm" if Path("/dev/shm").is_dir() else None


_TEMPLATE: dict[str, Any] = {}


def _template() -> tuple[Path, MemoryBoard]:
    """The base journey synced once, kept for the whole session (copying it is quicker than syncing)."""
    if not _TEMPLATE:
        root = Path(tempfile.mkdtemp(dir=_FAST_TMP)) / "template"
        env = Env(root)
        env.write(base_journey())
        env.sync()
        env.close()
        _TEMPLATE.update(root=root, board=env.board)
    return _TEMPLATE["root"], _TEMPLATE["board"]


@contextmanager
def synced_env(board: MemoryBoard | None = None) -> Iterator[Env]:
    """A fresh env (hypothesis cannot use function-scoped fixtures) with the base journey synced once."""
    root, synced = _template()
    with tempfile.TemporaryDirectory(dir=_FAST_TMP) as tmp:
        shutil.copytree(root, Path(tmp) / "env")
        copy = copy_board(synced)
        if board is not None:
            copy.shuffle = board.shuffle
        env = Env(Path(tmp) / "env", board=copy)
        try:
            yield env
        finally:
            env.close()


def copy_board(board: MemoryBoard) -> MemoryBoard:
    return copy.deepcopy(board)


@st.composite
def field_edits(draw: st.DrawFn, fields: list[str]) -> Edits:
    keys = draw(st.lists(st.tuples(st.sampled_from(TOUCHPOINTS), st.sampled_from(fields)), max_size=6, unique=True))
    return {(key, name): draw(VALUES[name]) for key, name in keys}


def apply_file(env: Env, edits: Edits, mtime: datetime | None = None) -> None:
    if edits:

        def change(j: Journey) -> None:
            for (key, name), value in edits.items():
                set_field(j, key, name, value)

        env.edit_file(change, mtime=mtime)


def apply_board(env: Env, edits: Edits) -> None:
    for (key, name), value in edits.items():
        env.board.human("bob").edit(key, **{name.replace(".", "__"): value})


def _norm(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


@SETTINGS
@given(file=field_edits(list(VALUES)), board=field_edits(BOARD_FIELDS))
def test_no_non_conflicting_edit_is_lost(file: Edits, board: Edits) -> None:
    with synced_env() as env:
        base = env.file_entities()
        apply_file(env, file)
        apply_board(env, board)
        report = env.sync()
        final_file, final_board = env.file_entities(), env.board.content()
        conflicts = {(c.key, c.field) for c in report.conflicts}
        for key, name in set(file) | set(board):
            old = base[key].get(name)
            mine, theirs = file.get((key, name), old), board.get((key, name), old)
            shown = carries(name, CARRIED["touchpoint"])
            if mine not in (theirs, old) and theirs != old:  # both sides changed it, differently
                assert (key, name) in conflicts
                assert final_file[key].get(name) == mine  # nothing lost: each side keeps its own value
                assert final_board[key].get(name) == theirs
                continue
            expected = theirs if mine == old else mine
            assert (key, name) not in conflicts
            assert _norm(final_file[key].get(name)) == expected, f"file {key}.{name}"
            if shown:
                assert _norm(final_board[key].get(name)) == expected, f"board {key}.{name}"
            else:
                assert name not in final_board[key]
        assert {k for k, _ in conflicts} <= {k for k, _ in file} & {k for k, _ in board}


# -- a second sync right after the first plans and writes nothing --------------------------------------

ACTIONS = st.sampled_from(["edit", "delete", "add"])


@st.composite
def mixed_edits(draw: st.DrawFn, fields: list[str]) -> list[tuple[str, str, Any]]:
    """Edits, deletes of touchpoints/pain points/notes, and new notes."""
    out: list[tuple[str, str, Any]] = []
    for _ in range(draw(st.integers(0, 5))):
        action = draw(ACTIONS)
        if action == "edit":
            key, name = draw(st.sampled_from(TOUCHPOINTS)), draw(st.sampled_from(fields))
            out.append(("edit", key, (name, draw(VALUES[name]))))
        elif action == "delete":
            key = draw(st.sampled_from([*TOUCHPOINTS, "pain_point:slow", "pain_point:price", "note:n1", "note:n2"]))
            out.append(("delete", key, None))
        else:
            out.append(("add", f"note:{draw(st.sampled_from(['x1', 'x2', 'n1']))}", draw(_TOKEN)))
    return out


def apply_mixed_file(env: Env, edits: list[tuple[str, str, Any]]) -> None:
    def change(j: Journey) -> None:
        for action, key, arg in edits:
            present = find(j, key) is not None
            if action == "edit" and present:
                set_field(j, key, *arg)
            elif action == "delete":
                remove(j, key)
            elif action == "add" and not present:
                j.notes.append(Note(id=key.split(":")[1], lane="thoughts", stage="buy", text=arg))

    if edits:
        env.edit_file(change)


def apply_mixed_board(env: Env, edits: list[tuple[str, str, Any]]) -> None:
    human = env.board.human("bob")
    for action, key, arg in edits:
        present = key in env.board.content()
        if action == "edit" and present:
            human.edit(key, **{arg[0].replace(".", "__"): arg[1]})
        elif action == "delete" and present:
            human.delete(key)
        elif action == "add" and not present:
            human.create(key, lane="thoughts", stage="buy", text=arg)


@SETTINGS
@given(file=mixed_edits(list(VALUES)), board=mixed_edits(BOARD_FIELDS))
def test_a_second_sync_plans_nothing_and_writes_nothing(
    file: list[tuple[str, str, Any]], board: list[tuple[str, str, Any]]
) -> None:
    with synced_env() as env:
        apply_mixed_file(env, file)
        apply_mixed_board(env, board)
        first = env.sync()
        content, data, writes = env.board.content(), env.bytes(), env.board.writes
        mtime = env.path.stat().st_mtime_ns
        second = env.sync()
        assert second.board_ops == []
        assert second.file_changes == []
        assert not second.file_written
        assert env.board.writes == writes
        assert env.board.content() == content
        assert env.bytes() == data
        assert env.path.stat().st_mtime_ns == mtime
        assert {(c.key, c.field) for c in second.conflicts} == {(c.key, c.field) for c in first.conflicts}
        # and every entity is on the board at most once
        assert len(env.board.keys()) == len(set(env.board.keys()))


# -- the result does not depend on the order the sides were edited or are read ----------------------------


def _run(file: Edits, board: Edits, *, board_first: bool, seed: int, policies: Policies | None = None) -> Any:
    with synced_env(MemoryBoard(shuffle=random.Random(seed))) as env:
        if board_first:
            apply_board(env, board)
            env.board.tick()
            apply_file(env, file, mtime=env.board.now)
        else:
            apply_file(env, file, mtime=env.board.now)
            env.board.tick()
            apply_board(env, board)
        report = env.sync(**({"policies": policies} if policies else {}))
        conflicts = sorted((c.key, c.field or "") for c in report.conflicts)
        return env.bytes(), env.board.content(), conflicts


@SETTINGS
@given(
    file=field_edits(list(VALUES)),
    board=field_edits(BOARD_FIELDS),
    seeds=st.tuples(st.integers(0, 2**16), st.integers(0, 2**16)),
)
def test_result_does_not_depend_on_edit_or_read_order(file: Edits, board: Edits, seeds: tuple[int, int]) -> None:
    assert _run(file, board, board_first=False, seed=seeds[0]) == _run(file, board, board_first=True, seed=seeds[1])


def test_order_check_detects_a_time_dependent_policy() -> None:
    """The harness above can fail: with ``newest-wins`` the later edit wins, so the order matters."""
    file = {("touchpoint:web", "title"): "F"}
    board = {("touchpoint:web", "title"): "B"}
    newest = Policies(content=Policy.NEWEST_WINS)
    a = _run(file, board, board_first=False, seed=1, policies=newest)
    b = _run(file, board, board_first=True, seed=1, policies=newest)
    assert a[1]["touchpoint:web"]["title"] == "B"
    assert b[1]["touchpoint:web"]["title"] == "F"
    assert a != b


@pytest.mark.parametrize("seed", range(5))
def test_board_listing_order_does_not_matter(seed: int) -> None:
    edits = {("touchpoint:cart", "stage"): "aware", ("touchpoint:ad", "title"): "A"}
    assert _run({}, edits, board_first=True, seed=seed) == _run({}, edits, board_first=True, seed=seed + 100)
