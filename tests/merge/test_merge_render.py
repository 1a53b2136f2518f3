"""Snapshot of the rendered plan (text and JSON)."""

from __future__ import annotations

import json

from cjm_sync.merge import merge, plan_to_dict, render_plan
from cjm_sync.plugins import BoardOp, FieldChange, OpKind
from merge.cases import BASE, patch, touchpoint
from merge.strategies import ALL_CARRIED

LONG = "A very long description that goes on and on about the ad on the train, far too long to show"
RESULT = merge(
    BASE,
    patch(BASE, {"touchpoint:web": {"description": LONG}, "touchpoint:ad": {"title": "海报 📰"}}),
    patch(
        BASE,
        {
            **touchpoint("chat", "buy", 2, title="Chat 聊天"),
            "touchpoint:cart": None,
            "touchpoint:pay": {"stage": "aware", "order": 2},
            "touchpoint:ad": {"title": "Banner"},
        },
    ),
    carried=ALL_CARRIED,
)
OPS = [
    BoardOp(OpKind.CREATE, "touchpoint:x", "sticky_note", changes=(FieldChange("title", None, "新 ✨"),)),
    BoardOp(OpKind.UPDATE, "touchpoint:web", "card", "3074", (FieldChange("description", "Open", LONG),)),
    BoardOp(OpKind.MOVE, "touchpoint:pay", "card", "3075", (FieldChange("stage", "buy", "aware"),)),
    BoardOp(OpKind.DELETE, "touchpoint:old", "card", "3076"),
    BoardOp(OpKind.TAG, "touchpoint:ad", "card", "3077"),
]

EXPECTED = """\
Board:
  + create touchpoint:x (sticky_note)
      title: "新 ✨"
  ~ update touchpoint:web (card)
      description: "Open" → "A very long description that goes on and on about the ad o…
  → move touchpoint:pay (card)
      stage: "buy" → "aware"
  - delete touchpoint:old (card)
  ~ tag touchpoint:ad (card)
File:
  - delete touchpoint:cart
  + create touchpoint:chat
      order: 0
      stage: "buy"
      title: "Chat 聊天"
  → move touchpoint:pay
      order: 1 → 2
      stage: "buy" → "aware"
Conflicts:
  ! conflict touchpoint:ad title
      base:  "Ad"
      file:  "海报 📰"
      board: "Banner"

Plan: 1 to create, 3 to update, 1 to delete on the board; 1 to create, 1 to update, 1 to delete in the file; \
1 conflict.
"""


def test_text_plan_snapshot() -> None:
    assert render_plan(RESULT.changes_on("file"), OPS, RESULT.conflicts) == EXPECTED


def test_json_plan() -> None:
    plan = plan_to_dict(RESULT.changes_on("file"), OPS, RESULT.conflicts)
    assert json.loads(json.dumps(plan, ensure_ascii=False)) == plan
    assert plan["summary"] == {
        "board": {"create": 1, "update": 3, "delete": 1},
        "file": {"create": 1, "update": 1, "delete": 1},
        "conflicts": 1,
    }
    assert plan["conflicts"] == [
        {"key": "touchpoint:ad", "field": "title", "base": "Ad", "file": "海报 📰", "board": "Banner"}
    ]
    assert plan["board"][1]["changes"][0]["new"] == LONG  # never truncated in JSON


def test_empty_plan() -> None:
    assert render_plan([], [], []) == (
        "Board:\n  (no changes)\nFile:\n  (no changes)\n\n"
        "Plan: 0 to create, 0 to update, 0 to delete on the board; 0 to create, 0 to update, 0 to delete "
        "in the file; 0 conflicts.\n"
    )


def _metric(metric: str, value: float, as_of: str) -> dict[str, object]:
    return {"id": metric, "value": value, "provenance": {"source": "hubspot", "as_of": as_of, "sample_size": 12}}


def test_a_long_structured_update_names_the_leaves_that_differ_and_folds_repeats() -> None:
    old = [_metric(m, v, "2026-11-01T00:00:00Z") for m, v in (("volume", 118), ("nps", 31.5), ("csat", 80))]
    new = [_metric(m, v, "2026-11-02T00:00:00Z") for m, v in (("volume", 121), ("nps", 31.5), ("csat", 80))]
    new.insert(1, _metric("volume-previous", 90, "2026-11-02T00:00:00Z"))
    ops = [BoardOp(OpKind.UPDATE, "touchpoint:web", "card", "3074", (FieldChange("metrics", old, new),))]
    text = render_plan([], ops, [])
    assert text.splitlines()[1:] == [
        "  ~ update touchpoint:web (card)",
        "      metrics[volume].value: 118 → 121",
        '      metrics[*].provenance.as_of: "2026-11-01T00:00:00Z" → "2026-11-02T00:00:00Z" (×3)',
        "      metrics[volume-previous]: added: 90",
        "File:",
        "  (no changes)",
        "",
        "Plan: 0 to create, 1 to update, 0 to delete on the board; "
        "0 to create, 0 to update, 0 to delete in the file; 0 conflicts.",
    ]


def test_a_short_structured_update_stays_on_one_line_and_long_diffs_are_capped() -> None:
    short = [FieldChange("tags", ["a"], ["a", "b"])]
    assert '      tags: ["a"] → ["a", "b"]' in render_plan(
        [], [BoardOp(OpKind.UPDATE, "k", "card", "1", tuple(short))], []
    )
    old = {f"field-{i}": "x" * 20 for i in range(12)}
    new = {f"field-{i}": "y" * 20 for i in range(12)}
    text = render_plan([], [BoardOp(OpKind.UPDATE, "k", "card", "1", (FieldChange("data", old, new),))], [])
    assert text.count("      data.field-") == 8
    assert "      data: … and 4 more differences (--json has them all)" in text


def test_a_first_metric_fill_reads_as_values_and_absent_to_empty_is_not_a_change() -> None:
    new = [{"id": "entered", "value": 27, "unit": "count", "provenance": {"source": "hubspot", "window": "P30D"}}]
    new.append({"id": "conversion", "value": 85.19, "unit": "%", "provenance": {"source": "hubspot"}})
    changes = (FieldChange("metrics", [], new), FieldChange("annotations.crosshair", None, None))
    text = render_plan([], [BoardOp(OpKind.UPDATE, "stage:buy", "shape", "1", changes)], [])
    assert text.splitlines()[1:4] == [
        "  ~ update stage:buy (shape)",
        "      metrics[entered]: added: 27 count",
        "      metrics[conversion]: added: 85.19 %",
    ]
    assert "crosshair" not in text
    gone = render_plan([], [BoardOp(OpKind.UPDATE, "stage:buy", "shape", "1", (FieldChange("metrics", new, []),))], [])
    assert "      metrics[entered]: removed (was 27 count)" in gone
