"""The sandbox board as a picture: every item of the frame at its place, in its colour, with its text
escaped (a person sees the map without a Miro account)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from connectors.miro.sandbox import MiroSandbox
from connectors.miro.sandbox.picture import STICKY_COLOURS, board_svg

SVG = "{http://www.w3.org/2000/svg}"


def _board() -> tuple[MiroSandbox, str, dict[str, str]]:
    sandbox = MiroSandbox()
    board = sandbox.create_board("Map", board_id="b1")
    person = sandbox.as_user("3458764599999999999")
    frame = person.create_item(
        board, "frame", data={"title": "旅程 · Journey"}, position={"x": 500, "y": 400}, geometry={"width": 1000}
    )["id"]
    sticky = person.create_item(
        board,
        "sticky_note",
        data={"content": "<p>&lt;b&gt;x&lt;/b&gt; &amp; 😀 痛点</p>"},
        style={"fillColor": "light_pink"},
        position={"x": 200, "y": 300},
        parent_id=frame,
    )["id"]
    card = person.create_item(
        board,
        "app_card",
        data={"title": "Reads the pricing page", "fields": [{"value": "web", "tooltip": "Channel"}]},
        position={"x": 600, "y": 300},
        parent_id=frame,
    )["id"]
    shape = person.create_item(
        board,
        "shape",
        data={"content": "<p>Awareness</p>", "shape": "round_rectangle"},
        style={"fillColor": "#a6ccf5"},
        position={"x": 400, "y": 80},
        geometry={"width": 260, "height": 120},
        parent_id=frame,
    )["id"]
    outside = person.create_item(board, "sticky_note", data={"content": "<p>not in the frame</p>"})["id"]
    tag = person.create_tag(board, "moment of truth")["id"]
    person.tag_item(board, sticky, tag)
    person.add_connector(board, sticky, card, captions=[{"content": "leads to"}])
    return sandbox, board, {"frame": frame, "sticky": sticky, "card": card, "shape": shape, "outside": outside}


def _groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-id", ""): g for g in root.iter(f"{SVG}g") if g.get("data-id")}


def test_the_frame_is_drawn_with_its_items_at_their_places() -> None:
    sandbox, board, ids = _board()
    root = ET.fromstring(board_svg(sandbox.store.boards[board], ids["frame"]))
    groups = _groups(root)
    assert {ids["sticky"], ids["card"], ids["shape"]} <= set(groups)
    assert ids["outside"] not in groups  # only the frame's items
    assert root.findtext(f"{SVG}title") == "旅程 · Journey"

    sticky = groups[ids["sticky"]]
    rect = sticky.find(f"{SVG}rect")
    assert rect is not None
    assert rect.get("fill") == STICKY_COLOURS["light_pink"]
    width, height = float(rect.get("width", 0)), float(rect.get("height", 0))
    assert float(rect.get("x", 0)) + width / 2 == 200  # centre at the item's frame-relative position
    assert float(rect.get("y", 0)) + height / 2 == 300
    text = "".join(sticky.itertext())
    assert "<b>x</b> & 😀 痛点" in text  # shown as text, never markup
    assert "moment of truth" in text  # its tag chip

    shape = groups[ids["shape"]].find(f"{SVG}rect")
    assert shape is not None
    assert shape.get("fill") == "#a6ccf5"
    assert "Awareness" in "".join(groups[ids["shape"]].itertext())
    assert "Reads the pricing page" in "".join(groups[ids["card"]].itertext())
    assert "Channel: web" in "".join(groups[ids["card"]].itertext())


def test_connectors_are_drawn_between_their_items_with_captions() -> None:
    sandbox, board, ids = _board()
    root = ET.fromstring(board_svg(sandbox.store.boards[board], ids["frame"]))
    lines = [g for g in root.iter(f"{SVG}g") if g.get("data-type") == "connector"]
    assert len(lines) == 1
    path = lines[0].find(f"{SVG}path")
    assert path is not None
    numbers = [float(n) for n in path.get("d", "").replace("M", " ").replace("L", " ").replace("C", " ").split()]
    assert 200 < numbers[0] < 600  # leaves the sticky towards the card
    assert 200 < numbers[-2] < 600
    assert "leads to" in "".join(lines[0].itertext())


def test_a_board_without_a_frame_is_drawn_whole() -> None:
    sandbox = MiroSandbox()
    board = sandbox.create_board("Loose", board_id="b2")
    person = sandbox.as_user("3458764599999999999")
    person.create_item(board, "sticky_note", data={"content": "<p>one</p>"}, position={"x": -500, "y": 0})
    person.create_item(board, "text", data={"content": "<p>two</p>"}, position={"x": 900, "y": 700})
    root = ET.fromstring(board_svg(sandbox.store.boards[board]))
    assert len([g for g in root.iter(f"{SVG}g") if g.get("data-type") in {"sticky_note", "text"}]) == 2
    assert float(root.get("width", 0)) > 1400


def test_the_whole_board_shows_every_frame_and_the_items_outside_them() -> None:
    sandbox, board, ids = _board()
    person = sandbox.as_user("3458764599999999999")
    second = person.create_item(
        board, "frame", data={"title": "Matrix"}, position={"x": 1800, "y": 400}, geometry={"width": 400}
    )["id"]
    inner = person.create_item(
        board, "sticky_note", data={"content": "<p>in the matrix</p>"}, position={"x": 50, "y": 60}, parent_id=second
    )["id"]
    root = ET.fromstring(board_svg(sandbox.store.boards[board]))
    groups = _groups(root)
    assert {ids["sticky"], ids["card"], ids["outside"], inner} <= set(groups)
    frames = {r.get("data-id"): r for r in root.iter(f"{SVG}rect") if r.get("data-id") in {ids["frame"], second}}
    assert len(frames) == 2
    matrix = frames[second]
    rect = groups[inner].find(f"{SVG}rect")
    assert rect is not None
    # a frame's child is placed relative to that frame's top-left corner
    assert float(rect.get("x", 0)) + float(rect.get("width", 0)) / 2 == float(matrix.get("x", 0)) + 50
    assert "Matrix" in "".join(root.itertext())
