"""Pure parts of the Miro connector: rich text, layout geometry, mapping text, cost levels, settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjm_sync.errors import ConfigError
from cjm_sync.http import BearerAuth, CallKind, MemoryTokenStore, OAuth2RefreshAuth
from cjm_sync.schema import Touchpoint
from connectors.miro.client import MiroCost
from connectors.miro.layout import SLOT, Band, Grid, Rect, emotion_score, emotion_y, free_slots, grid_from_board
from connectors.miro.mapping import card_description, description_of
from connectors.miro.richtext import to_html, to_text
from connectors.miro.settings import MiroSettings

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


@given(TEXT)
def test_text_survives_html(text: str) -> None:
    assert to_text(to_html(text)) == text


@given(TEXT)
def test_html_does_not_grow(text: str) -> None:
    html = to_html(text)
    assert to_html(to_text(html)) == html


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a &lt;b&gt; &amp; c</p>", "a <b> & c"),
        ("<p>一</p><p>二</p>", "一\n二"),
        ("<p>x<br>y</p>", "x\ny"),
        ("<p>Hello <strong>world</strong></p>", "Hello world"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_miro_html_reads_as_text(html: str, text: str) -> None:
    assert to_text(html) == text


def test_escapes_markup() -> None:
    assert to_html("<script>&") == "<p>&lt;script&gt;&amp;</p>"


def grid() -> Grid:
    return Grid(
        (Band("stage:a", 320, 2 * SLOT), Band("stage:b", 880, SLOT)),
        (Band("row:x", 200, SLOT), Band("row:y", 480, SLOT)),
    )


def test_new_items_avoid_what_people_placed() -> None:
    g = grid()
    human = Rect.around(320 + SLOT / 2, 200 + SLOT / 2, 150, 150)
    free = free_slots(g.slots("stage:a", "row:x"), [human])
    assert free == [Rect(320 + SLOT, 200, 320 + 2 * SLOT, 200 + SLOT)]
    assert not any(s.overlaps(human) for s in free)


def test_full_cell_grows_its_row_and_shifts_what_follows() -> None:
    g = grid()
    grown, shift = g.grow_row("row:x", SLOT)
    assert grown.row("row:x").size == 2 * SLOT
    assert grown.row("row:y").start == 480 + SLOT
    below_a, below_b = (500.0, 600.0), (540.0, 640.0)  # two of people's items in the row below
    moved = [shift.point(*p) for p in (below_a, below_b)]
    assert moved == [(500.0, 600.0 + SLOT), (540.0, 640.0 + SLOT)]
    assert shift.point(500, 300) == (500, 300)  # the grown row's own items stay
    assert len(free_slots(grown.slots("stage:a", "row:x"), [Rect(320, 200, 880, 480)])) == 2


def test_inserting_a_stage_shifts_later_columns() -> None:
    g = grid()
    fitted, shift = g.fit(
        [("stage:a", SLOT), ("stage:new", SLOT), ("stage:b", SLOT)], [("row:x", SLOT), ("row:y", SLOT)]
    )
    assert [b.key for b in fitted.columns] == ["stage:a", "stage:new", "stage:b"]
    assert fitted.column("stage:new").start == 880
    assert shift.point(900, 300) == (900 + SLOT, 300)
    assert shift.point(400, 300) == (400, 300)


def test_grid_read_back_from_headers_and_labels() -> None:
    g = grid()
    again = grid_from_board(
        {b.key: g.header_rect(b.key) for b in g.columns}, {b.key: g.label_rect(b.key) for b in g.rows}
    )
    assert again == g


@given(st.floats(-2, 2).map(lambda v: round(v, 2)))
def test_emotion_height_round_trips(score: float) -> None:
    row = Band("row:emotions", 1000, 480)
    assert emotion_score(row, emotion_y(row, score, -2, 2), -2, 2) == score


@pytest.mark.parametrize(
    "tp",
    [
        Touchpoint(id="a", title="t", stage="s"),
        Touchpoint(id="a", title="t", stage="s", description="描述\n二", actions=["x"], thoughts=["y"]),
        Touchpoint(id="a", title="t", stage="s", actions=["only"]),
        Touchpoint(id="a", title="t", stage="s", description="d"),
    ],
)
def test_card_description_carries_only_the_description(tp: Touchpoint) -> None:
    assert description_of(card_description(tp)) == tp.description


@pytest.mark.parametrize(
    ("method", "path", "kind", "credits"),
    [
        ("GET", "/v2/boards/b/items", CallKind.LIST, 100),
        ("GET", "/v2/boards/b/connectors", CallKind.LIST, 100),
        ("GET", "/v2/boards/b/items/1", CallKind.GET, 50),
        ("POST", "/v2/boards/b/sticky_notes", CallKind.CREATE, 100),
        ("PATCH", "/v2/boards/b/shapes/1", CallKind.UPDATE, 100),
        ("DELETE", "/v2/boards/b/items/1", CallKind.DELETE, 500),
        ("POST", "/v2/boards/b/tags", CallKind.TAG, 50),
        ("GET", "/v2/boards/b/tags", CallKind.TAG, 50),
    ],
)
def test_cost_levels(method: str, path: str, kind: CallKind, credits: int) -> None:
    assert MiroCost()(method, path) == (kind, credits)


def test_bulk_and_tag_calls_override_the_path_cost() -> None:
    cost = MiroCost()
    with cost.override(CallKind.BULK, 100 * 7):
        assert cost("POST", "/v2/boards/b/items/bulk") == (CallKind.BULK, 700)
    assert cost("POST", "/v2/boards/b/items/bulk") == (CallKind.CREATE, 100)


def test_missing_token_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MIRO_ACCESS_TOKEN"):
        MiroSettings.from_env({}).auth()


def test_settings_from_env() -> None:
    settings = MiroSettings.from_env({"MIRO_ACCESS_TOKEN": "tok-123456", "CJM_MIRO_BASE_URL": "http://localhost:1"})
    assert settings.base_url == "http://localhost:1"
    assert "tok-123456" not in repr(settings)
    assert isinstance(settings.auth(), BearerAuth)
    oauth = MiroSettings.from_env(
        {"MIRO_CLIENT_ID": "id", "MIRO_CLIENT_SECRET": "secret-1", "MIRO_REFRESH_TOKEN": "refresh-1"}
    )
    assert isinstance(oauth.auth(MemoryTokenStore()), OAuth2RefreshAuth)
