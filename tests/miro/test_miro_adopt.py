"""Importing a template-shaped board, in several hand-made layouts, and then syncing it in place.

Each layout is drawn with the sandbox as a person would: lane labels in a column on the left, stage
headers across the top starting just right of them, stickies in the cells.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miro_helpers import BOARD, HUMAN

from cjm_sync.cli.main import main
from cjm_sync.schema import LaneKind
from connectors.miro.connector import MiroConnector
from connectors.miro.importer import import_board
from connectors.miro.richtext import data_text, to_html
from connectors.miro.sandbox import MiroSandbox

STAGES = ["Discover", "选择", "Pay 💳"]
LANES = ["Customer actions", "Touchpoints", "Pain points", "Opportunities"]


@dataclass(frozen=True)
class Layout:
    """A hand-made grid: header and label sizes, the step between them, and how it is drawn."""

    header: tuple[float, float] = (600, 100)
    label: tuple[float, float] = (200, 300)
    step_x: float = 600
    step_y: float = 300
    header_type: str = "shape"
    label_rotation: float = 0.0
    frame: bool = True
    title_above: str | None = None
    corner: str | None = None
    frame_title: str = "Checkout CJM"


LAYOUTS = {
    "adjacent": Layout(),
    "overlapping by a few pixels": Layout(header=(606, 100), label=(206, 304)),
    "gaps": Layout(header=(400, 80), label=(160, 200)),
    "rotated labels": Layout(label=(300, 120), label_rotation=270),
    "texts as headers": Layout(header=(300, 40), header_type="text"),
    "a title above the grid": Layout(title_above="Our checkout journey", frame=False),
    "a corner label": Layout(corner="Stages →"),
    "a grid without a frame": Layout(frame=False),
}


def draw(sandbox: MiroSandbox, layout: Layout) -> dict[str, str]:
    """Draw ``layout`` on the board; item ids by text."""
    human = sandbox.as_user(HUMAN)
    made: dict[str, str] = {}
    parent: str | None = None
    if layout.frame:
        frame = human.create_item(
            BOARD, "frame", data={"title": layout.frame_title}, position={"x": 1000, "y": 700},
            geometry={"width": 2200, "height": 1500},
        )  # fmt: skip
        parent = str(frame["id"])

    def add(kind: str, text: str, x: float, y: float, **extra: Any) -> None:
        item = human.create_item(
            BOARD, kind, data={"content": text}, position={"x": x, "y": y}, parent_id=parent, **extra
        )
        made[text] = str(item["id"])

    label_w = layout.label[1] if layout.label_rotation % 180 else layout.label[0]
    left, top = 20.0, 120.0
    first_x = left + label_w + layout.step_x / 2  # headers start just right of the labels
    for i, stage in enumerate(STAGES):
        geometry = (
            {"width": layout.header[0]}
            if layout.header_type == "text"
            else dict(zip(("width", "height"), layout.header, strict=True))
        )
        add(layout.header_type, f"<p>{stage}</p>", first_x + layout.step_x * i, top + 50, geometry=geometry)
    first_y = top + 100 + layout.step_y / 2
    for j, lane in enumerate(LANES):
        geometry = {"width": layout.label[0], "height": layout.label[1], "rotation": layout.label_rotation}
        add("shape", lane, left + label_w / 2, first_y + layout.step_y * j, geometry=geometry)
    if layout.corner:
        add("text", layout.corner, left + label_w / 2, top + 50, geometry={"width": 150})
    if layout.title_above:
        add("text", layout.title_above, first_x, top - 60, geometry={"width": 600})
    cells = [("searches", 0, 0), ("app store", 0, 1), ("😡", 1, 2), ("太贵了", 2, 2), ("saved cards", 2, 3)]
    for text, column, row in cells:
        add("sticky_note", f"<p>{text}</p>", first_x + layout.step_x * column - 40, first_y + layout.step_y * row + 20)
    return made


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_stage_and_lane_of_a_template_shaped_board_is_imported(
    name: str, connector: MiroConnector, sandbox: MiroSandbox
) -> None:
    layout = LAYOUTS[name]
    draw(sandbox, layout)
    journey, report, adoption = import_board(connector.client(BOARD), BOARD)
    assert [s.title for s in journey.stages] == STAGES
    assert [lane.title for lane in journey.lanes] == LANES
    assert [lane.kind for lane in journey.lanes] == [
        LaneKind.ACTIONS, LaneKind.TOUCHPOINTS, LaneKind.PAIN_POINTS, LaneKind.OPPORTUNITIES
    ]  # fmt: skip
    expected_title = layout.frame_title if layout.frame else layout.title_above or layout.corner or "Imported board"
    assert journey.title == expected_title
    assert [(n.text, n.stage) for n in journey.notes] == [("searches", "discover")]
    assert [(t.title, t.stage) for t in journey.touchpoints] == [("app store", "discover")]
    assert sorted((p.title, p.stage) for p in journey.pain_points) == [("太贵了", "pay"), ("😡", "选择")]
    assert [(o.title, o.stage) for o in journey.opportunities] == [("saved cards", "pay")]
    assert report.unplaced == []
    assert report.placed == 5
    assert len(adoption.id_map) == 3 + 4 + 5 + (1 if layout.frame else 0)


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as done:
        main(list(args))
    code = done.value.code
    return (code if isinstance(code, int) else 1), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["adjacent", "a grid without a frame"])
def test_a_sync_after_import_edits_the_teams_items_in_place(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    sandbox = MiroSandbox()
    sandbox.create_board("Team", BOARD)
    made = draw(sandbox, LAYOUTS[name])
    store = Path(".cjm-sync/sandbox-miro.json")
    store.parent.mkdir()
    store.write_text(json.dumps(sandbox.dump(), ensure_ascii=False), encoding="utf-8")
    grid = [made[f"<p>{s}</p>"] for s in STAGES] + [made[lane] for lane in LANES]

    def looks(board: Any) -> list[tuple[Any, ...]]:
        return [(board.items[i].x, board.items[i].y, board.items[i].geometry, board.items[i].style) for i in grid]

    before = looks(sandbox.store.board(BOARD))
    job = ["--journey", "j.yaml", "--board", BOARD, "--sandbox"]
    assert _cli("import", "miro", "--board", BOARD, "-o", "j.yaml", "--sandbox")[0] == 0
    imported = Path("j.yaml").read_bytes()
    assert b"title: Touchpoints" in imported

    code, out, err = _cli("sync", *job)  # right after the import: nothing to do on either side
    assert code == 0, err
    assert "0 to create, 0 to update, 0 to delete on the board" in out
    assert Path("j.yaml").read_bytes() == imported

    text = imported.decode().replace("title: app store", "title: App store & reviews")
    text = text.replace("pain_points:\n", "pain_points:\n  - id: slow\n    title: 加载太慢\n    stage: discover\n")
    Path("j.yaml").write_text(text, encoding="utf-8")
    code, out, err = _cli("sync", *job)
    assert code == 0, err
    board = MiroSandbox.load(json.loads(store.read_text(encoding="utf-8"))).store.board(BOARD)
    team = board.items[made["<p>app store</p>"]]
    assert data_text(team.type, team.data) == "App store & reviews"  # the team's own sticky, retitled
    assert sum(1 for i in board.items.values() if i.type == "frame") == (1 if LAYOUTS[name].frame else 0)
    assert not [i for i in board.items.values() if i.type == "app_card"]  # no second map
    assert [i.type for i in board.items.values() if i.type == "shape"] == ["shape"] * 7  # no second grid
    assert looks(board) == before  # their headers and labels keep their place, size and look
    new = [i for i in board.items.values() if data_text(i.type, i.data) == "加载太慢"]
    assert len(new) == 1
    pain_label = board.items[made["Pain points"]]
    assert abs(new[0].y - pain_label.y) < pain_label.geometry["height"] / 2  # in the team's pain-points row
    code, out, err = _cli("sync", *job)
    assert code == 0, err
    assert "0 to create, 0 to update, 0 to delete on the board" in out
    assert Path("j.yaml").read_text(encoding="utf-8") == text


CELL_TEXTS = st.sampled_from(["a < b & c", "😡", "太贵了", "line 1\nline 2", "<p>x</p>", "&amp;", "Reads reviews"])


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(list(LAYOUTS)), texts=st.lists(CELL_TEXTS, min_size=1, max_size=4))
def test_an_imported_journey_round_trips_unchanged(
    name: str, texts: list[str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Import (any layout, rich text in the cells), sync, pull: the file stays byte-identical."""
    here = tmp_path_factory.mktemp("imported")
    monkeypatch.chdir(here)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    sandbox = MiroSandbox()
    sandbox.create_board("Team", BOARD)
    draw(sandbox, LAYOUTS[name])
    human = sandbox.as_user(HUMAN)
    for i, text in enumerate(texts):  # typed in Miro: stored as rich text
        human.create_item(BOARD, "sticky_note", data={"content": to_html(text)}, position={"x": 900 + 60 * i, "y": 900})
    store = Path(".cjm-sync/sandbox-miro.json")
    store.parent.mkdir()
    store.write_text(json.dumps(sandbox.dump(), ensure_ascii=False), encoding="utf-8")
    job = ["--journey", "j.yaml", "--board", BOARD, "--sandbox"]
    assert _cli("import", "miro", "--board", BOARD, "-o", "j.yaml", "--sandbox")[0] == 0
    imported = Path("j.yaml").read_bytes()
    for command in ("sync", "pull", "sync"):
        code, out, err = _cli(command, *job)
        assert code == 0, err
        assert "0 to create, 0 to update, 0 to delete on the board" in out or command == "pull"
        assert Path("j.yaml").read_bytes() == imported
