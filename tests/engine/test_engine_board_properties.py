"""Property: whatever people do to the board (move, drag out of the frame, into another frame, delete the
frame, edit, delete, recolour) and to the file between syncs, no entity present on either side is lost.

Real engine, real Miro connector, in-process sandbox. An entity may leave the journey only when a person
deleted it on one side; an entity is tracked by its id (recolouring a note red makes it a pain point of
the same id, which is not a loss).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_support import base_journey, remove, set_field, write_journey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_crash_miro import BOARD, MiroEnv

from cjm_sync.files import load_journey
from cjm_sync.merge import flatten
from cjm_sync.merge.entities import JOURNEY, split_key
from cjm_sync.schema import Journey, PainPoint
from connectors.miro.sandbox.errors import ApiError

HUMAN = "3458764599999999999"
ENTITIES = ("touchpoint:ad", "touchpoint:web", "touchpoint:cart", "pain_point:slow", "pain_point:price", "note:n1")
COLOURS = ("red", "light_green", "light_yellow", "pink", "cyan")

board_action = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(ENTITIES), st.integers(-120, 120), st.integers(-120, 120)),
    st.tuples(st.just("out_of_frame"), st.sampled_from(ENTITIES)),
    st.tuples(st.just("other_frame"), st.sampled_from(ENTITIES)),
    st.tuples(st.just("delete_frame")),
    st.tuples(st.just("edit"), st.sampled_from(ENTITIES), st.sampled_from(("Edited", "编辑过", "Edited 🚀"))),
    st.tuples(st.just("delete"), st.sampled_from(ENTITIES)),
    st.tuples(st.just("recolour"), st.sampled_from(ENTITIES[3:]), st.sampled_from(COLOURS)),
)
file_action = st.one_of(
    st.tuples(st.just("file_edit"), st.sampled_from(ENTITIES), st.sampled_from(("File", "ファイル"))),
    st.tuples(st.just("file_delete"), st.sampled_from(ENTITIES)),
    st.tuples(st.just("file_add"), st.integers(0, 9)),
)
rounds = st.lists(st.lists(st.one_of(board_action, board_action, file_action), max_size=3), min_size=1, max_size=3)


def _ids(journey: Journey) -> set[str]:
    return {split_key(key)[1] for key in flatten(journey) if split_key(key)[0] != JOURNEY}


class World:
    """The environment plus what people did since the last sync."""

    def __init__(self, env: MiroEnv) -> None:
        self.env = env
        self.human = env.sandbox.as_user(HUMAN)
        self.deleted: set[str] = set()  # entity ids a person deleted on one side this round
        self.parking: str | None = None

    def ids(self) -> dict[str, str]:
        return self.env.store.get_id_map("trip", "miro", BOARD)

    def board_item(self, key: str) -> str | None:
        kind, ident = split_key(key)
        mapped = self.ids()
        items = self.env.sandbox.store.board(BOARD).items
        for candidate in (key, *(f"{k}:{ident}" for k in ("pain_point", "opportunity", "note") if k != kind)):
            item_id = mapped.get(candidate)
            if item_id is not None and item_id in items:
                return item_id
        return None

    def board(self, action: tuple[Any, ...]) -> None:
        name, *args = action
        human = self.human
        if name == "delete_frame":
            frame = self.ids().get("frame:trip")
            if frame is not None and frame in self.env.sandbox.store.board(BOARD).items:
                human.delete_item(BOARD, frame)
            return
        item_id = self.board_item(args[0])
        if item_id is None:
            return
        item = self.env.sandbox.store.board(BOARD).items[item_id]
        try:
            if name == "move":
                human.move_item(BOARD, item_id, item.x + args[1], item.y + args[2], parent_id=item.parent_id)
            elif name == "out_of_frame":
                if item.parent_id is not None:
                    human.remove_from_frame(BOARD, item_id)
                human.move_item(BOARD, item_id, -4000.0 - item.x, -3000.0)
            elif name == "other_frame":
                if self.parking is None:
                    self.parking = str(
                        human.create_item(
                            BOARD,
                            "frame",
                            data={"title": "Parking", "format": "custom"},
                            position={"x": -6000.0, "y": 0.0},
                            geometry={"width": 1200.0, "height": 1200.0},
                        )["id"]
                    )
                human.move_item(BOARD, item_id, 300.0, 300.0, parent_id=self.parking)
            elif name == "edit":
                field = "title" if item.type == "app_card" else "content"
                human.update_item(BOARD, item_id, data={field: args[1]})
            elif name == "delete":
                human.delete_item(BOARD, item_id)
                self.deleted.add(split_key(args[0])[1])
            elif name == "recolour":
                human.recolour(BOARD, item_id, args[1])
        except ApiError:
            pass  # e.g. a move into a frame a person deleted meanwhile: the board refuses, as Miro would

    def file(self, action: tuple[Any, ...]) -> None:
        name, *args = action
        journey = load_journey(self.env.path).journey.model_copy(deep=True)
        if name == "file_add":
            new = f"added{args[0]}"
            if new in _ids(journey):
                return
            journey.pain_points.append(PainPoint(id=new, title=f"Added {args[0]}", stage="buy"))
        else:
            key = next((k for k in flatten(journey) if split_key(k)[1] == split_key(args[0])[1]), None)
            if key is None:
                return
            if name == "file_edit":
                set_field(journey, key, "text" if key.startswith("note:") else "title", args[1])
            elif key.startswith("opportunity:"):  # a recoloured sticky; the helper deletes the other kinds
                journey.opportunities = [o for o in journey.opportunities if o.id != split_key(key)[1]]
                self.deleted.add(split_key(key)[1])
            else:
                remove(journey, key)
                self.deleted.add(split_key(key)[1])
        write_journey(self.env.path, Journey.model_validate(journey.model_dump(warnings=False)))


def _check(world: World, before: set[str], disputed: set[str]) -> None:
    """Nobody's entity is gone unless a person deleted it; every item still on the board is in the file,
    unless it is ``disputed`` (deleted in the file, edited on the board: an open conflict keeps it there)."""
    after = _ids(load_journey(world.env.path).journey)
    lost = before - after - world.deleted
    assert not lost, f"lost {sorted(lost)}"
    mapped = world.ids()
    items = world.env.sandbox.store.board(BOARD).items
    on_board = {
        split_key(key)[1]
        for key, item_id in mapped.items()
        if split_key(key)[0] in ("touchpoint", "pain_point", "opportunity", "note") and item_id in items
    }
    kept = on_board - world.deleted - disputed  # a deletion in the file leaves an item people touched on the board
    assert kept <= after, f"on the board but not in the file: {sorted(kept - after)}"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(plan=rounds)
def test_no_entity_present_on_either_side_is_ever_lost(workdir: Path, plan: list[list[tuple[Any, ...]]]) -> None:
    env = MiroEnv(Path(tempfile.mkdtemp(dir=workdir)) / "run")
    try:
        write_journey(env.path, base_journey())
        env.sync()
        world = World(env)
        for actions in plan:
            before = _ids(load_journey(env.path).journey)
            world.deleted = set()
            for action in actions:
                act: Callable[[tuple[Any, ...]], None] = world.file if action[0].startswith("file_") else world.board
                act(action)
            env.clock.advance(60)
            report = env.sync(allow_mass_delete=True)
            assert report.held is None
            disputed = {split_key(c.key)[1] for c in report.conflicts if c.field is None}
            _check(world, before, disputed)
            # a second run right after is quiet on the file, and still loses nothing
            again = env.sync(allow_mass_delete=True)
            assert again.file_changes == [], again.file_changes
            _check(world, before, disputed)
    finally:
        env.close()


def test_a_note_recoloured_into_a_pain_point_keeps_the_files_edit_of_it(workdir: Path) -> None:
    """Found by the property above: the board's kind change and the file's text edit of the same sticky
    merged into two entities with one id (a journey the engine refused to write, on every sync)."""
    env = MiroEnv(Path(tempfile.mkdtemp(dir=workdir)) / "run")
    try:
        write_journey(env.path, base_journey())
        env.sync()
        world = World(env)
        world.board(("recolour", "note:n1", "red"))
        world.file(("file_edit", "note:n1", "File"))
        env.clock.advance(60)
        report = env.sync(allow_mass_delete=True)
        assert report.conflicts == []
        journey = load_journey(env.path).journey
        assert [(p.id, p.title) for p in journey.pain_points if p.id == "n1"] == [("n1", "File")]
        assert [n.id for n in journey.notes if n.id == "n1"] == []
        again = env.sync()
        assert again.file_changes == []
        assert again.board_writes == 0
    finally:
        env.close()
