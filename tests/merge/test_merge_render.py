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
