"""The merge rules, case by case: (base, ours, theirs) → expected file entities and conflicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from cjm_sync.merge import Policies, build_journey, merge
from cjm_sync.plugins import Authorship
from merge.cases import BASE, REMOVE, Patch, patch, touchpoint, without
from merge.strategies import ALL_CARRIED

AD, WEB, CART, PAY, CHAT = (f"touchpoint:{t}" for t in ("ad", "web", "cart", "pay", "chat"))
T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 1, 2, tzinfo=UTC)
NO_BASE = None
Key = tuple[str, str | None]


@dataclass(frozen=True)
class Case:
    """``base``/``ours``/``theirs`` are patches of BASE (``base=None``: first sync, no base).

    ``expected`` maps keys to a subset of the file entity's fields (None: absent from the file);
    ``conflict`` is the exact set of (key, field) conflicts.
    """

    base: Patch | None
    ours: Patch
    theirs: Patch
    expected: Mapping[str, Mapping[str, Any] | None]
    conflict: frozenset[Key] = frozenset()
    board: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)
    carried: Mapping[str, frozenset[str]] = field(default_factory=lambda: ALL_CARRIED)
    tombstones: frozenset[str] = frozenset()
    new_tombstones: frozenset[str] = frozenset()
    dropped: frozenset[tuple[str, str]] = frozenset()
    overwritten: frozenset[tuple[str, str, str]] = frozenset()
    authors: Mapping[str, Authorship] = field(default_factory=dict)
    file_mtime: datetime | None = None


def c(*keys: Key) -> frozenset[Key]:
    return frozenset(keys)


DESC = "Customers see our ad on the train every morning"
CHAT_CREATED = {**touchpoint("chat", "buy", 0, title="Chat"), CART: {"order": 1}, PAY: {"order": 2}}
CARRY_NO_DESC = {**ALL_CARRIED, "touchpoint": ALL_CARRIED["touchpoint"] - {"description"}}
CARRY_SCORE_ONLY = {**ALL_CARRIED, "touchpoint": ALL_CARRIED["touchpoint"] - {"emotion"} | {"emotion.score"}}
CARRY_NO_ORDER = {**ALL_CARRIED, "touchpoint": ALL_CARRIED["touchpoint"] - {"order"}}
CARRY_NO_PERSONAS = {k: v for k, v in ALL_CARRIED.items() if k != "persona"}
MIRO_FIVE = {"value": 5, "provenance": {"source": "miro"}}
BOARD_LATER = {AD: Authorship("bo", T1)}

CASES: dict[str, Case] = {
    # --- field rules
    "unchanged": Case({}, {}, {}, {AD: BASE[AD]}),
    "ours-edit-taken": Case({}, {AD: {"title": "Poster"}}, {}, {AD: {"title": "Poster"}}),
    "theirs-edit-taken": Case({}, {}, {AD: {"title": "Poster"}}, {AD: {"title": "Poster"}}),
    "same-edit-agrees": Case({}, {AD: {"title": "Poster"}}, {AD: {"title": "Poster"}}, {AD: {"title": "Poster"}}),
    "different-edits-conflict": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Poster"}},
        c((AD, "title")),
        board={AD: {"title": "Banner"}},
    ),
    "edits-to-different-fields": Case(
        {}, {AD: {"title": "Poster"}}, {AD: {"channel": "web"}}, {AD: {"title": "Poster", "channel": "web"}}
    ),
    "text-word-edits-merge": Case(
        {},
        {AD: {"description": DESC.replace("our ad", "our big ad")}},
        {AD: {"description": DESC.replace("train", "bus 🚌")}},
        {AD: {"description": "Customers see our big ad on the bus 🚌 every morning"}},
    ),
    "titles-never-word-merge": Case(
        {},
        {AD: {"title": "Video call"}},
        {AD: {"title": "Ad with an account executive"}},
        {AD: {"title": "Video call"}},
        c((AD, "title")),
    ),
    "text-overlapping-edits-conflict": Case(
        {},
        {AD: {"description": DESC.replace("train", "tram")}},
        {AD: {"description": DESC.replace("train", "bus")}},
        {AD: {"description": DESC.replace("train", "tram")}},
        c((AD, "description")),
    ),
    "text-same-insertion-point-conflicts": Case(
        {},
        {AD: {"description": DESC.replace("every", "every single")}},
        {AD: {"description": DESC.replace("every", "every cold")}},
        {AD: {"description": DESC.replace("every", "every single")}},
        c((AD, "description")),
    ),
    "text-line-edits-merge": Case(
        {},
        {WEB: {"description": "Open the home page\nCompare plans\nStart"}},
        {WEB: {"description": "Open the site\nCompare plans\nStart a free trial"}},
        {WEB: {"description": "Open the home page\nCompare plans\nStart a free trial"}},
    ),
    "list-additions-both-sides": Case(
        {},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "where to buy?"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "is it safe?"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "is it safe?", "where to buy?"]}},
    ),
    "list-removal-and-addition": Case(
        {},
        {AD: {"thoughts": ["who are they?"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "is it safe?"]}},
        {AD: {"thoughts": ["who are they?", "is it safe?"]}},
    ),
    "list-overlapping-additions": Case(
        {},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "x", "y"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "x"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "x", "y"]}},
    ),
    "list-reorder-vs-addition-conflicts": Case(
        {},
        {AD: {"thoughts": ["who are they?", "is it cheap?"]}},
        {AD: {"thoughts": ["is it cheap?", "who are they?", "is it safe?"]}},
        {AD: {"thoughts": ["who are they?", "is it cheap?"]}},
        c((AD, "thoughts")),
    ),
    "nested-fields-merge-separately": Case(
        {},
        {AD: {"emotion.score": 2}},
        {AD: {"emotion.label": "keen"}},
        {AD: {"emotion.score": 2, "emotion.label": "keen"}},
    ),
    "new-nested-model-filled-on-both-sides": Case(
        {},
        {AD: {"owner.department": "Web", "owner.region": None, "owner.person": None}},
        {AD: {"owner.department": None, "owner.region": None, "owner.person": "Li 李"}},
        {AD: {"owner.department": "Web", "owner.person": "Li 李"}},
    ),
    "nested-model-removed-vs-edited-conflicts": Case(
        {},
        {AD: without("emotion")},
        {AD: {"emotion.label": "keen"}},
        {AD: {"title": "Ad"}},
        c((AD, "emotion")),
        board={AD: {"emotion.score": 1, "emotion.label": "keen"}},
    ),
    "nested-model-removed-on-one-side": Case({}, {}, {AD: without("emotion")}, {AD: {"title": "Ad"}}),
    # --- entity rules
    "create-in-file": Case({}, CHAT_CREATED, {}, {CHAT: {"title": "Chat", "stage": "buy", "order": 0}}),
    "create-on-board": Case({}, {}, CHAT_CREATED, {CHAT: {"title": "Chat"}, CART: {"order": 1}}),
    "create-on-both-identical": Case({}, CHAT_CREATED, CHAT_CREATED, {CHAT: {"title": "Chat"}}),
    "create-on-both-different": Case(
        {},
        CHAT_CREATED,
        {**CHAT_CREATED, **touchpoint("chat", "buy", 0, title="Live chat", channel="chat")},
        {CHAT: {"title": "Chat", "channel": None}},
        c((CHAT, "title"), (CHAT, "channel")),
        board={CHAT: {"title": "Live chat", "channel": "chat"}},
    ),
    "create-on-both-differing-only-in-title": Case(
        {},
        CHAT_CREATED,
        {**CHAT_CREATED, **touchpoint("chat", "buy", 0, title="Live chat")},
        {CHAT: {"title": "Chat", "stage": "buy"}},
        c((CHAT, "title")),
    ),
    "delete-in-file-unchanged-on-board": Case({}, {CART: None}, {}, {CART: None}, new_tombstones=frozenset({CART})),
    "delete-on-board-unchanged-in-file": Case({}, {}, {CART: None}, {CART: None}, new_tombstones=frozenset({CART})),
    "delete-on-both": Case({}, {CART: None}, {CART: None}, {CART: None}, new_tombstones=frozenset({CART})),
    "delete-in-file-vs-board-edit": Case(
        {}, {CART: None}, {CART: {"title": "Basket"}}, {CART: None}, c((CART, None)), board={CART: {"title": "Basket"}}
    ),
    "delete-on-board-vs-file-edit": Case(
        {}, {CART: {"title": "Basket"}}, {CART: None}, {CART: {"title": "Basket"}}, c((CART, None)), board={CART: None}
    ),
    "delete-on-board-vs-crm-metrics-update": Case(
        {}, {AD: {"metrics": []}}, {AD: None}, {AD: None}, new_tombstones=frozenset({AD})
    ),
    "tombstoned-recreated-on-board-dropped": Case(
        {CART: None},
        {CART: None},
        {},
        {CART: None},
        tombstones=frozenset({CART}),
        dropped=frozenset({(CART, "board")}),
        board={CART: None},
    ),
    "tombstoned-recreated-in-file-dropped": Case(
        {CART: None}, {}, {CART: None}, {CART: None}, tombstones=frozenset({CART}), dropped=frozenset({(CART, "file")})
    ),
    # --- structure
    "move-between-stages-on-board": Case(
        {}, {}, {AD: {"stage": "buy", "order": 2}}, {AD: {"stage": "buy", "order": 2}}
    ),
    "moves-to-different-stages-conflict": Case(
        {},
        {AD: {"stage": "buy", "order": 2}},
        {CART: {"order": 0}, PAY: {"order": 1}, AD: {"stage": "buy", "order": 0}},
        {AD: {"stage": "buy"}},
        c((AD, "order")),
    ),
    "reorder-in-file-and-insert-on-board": Case(
        {},
        {PAY: {"order": 0}, CART: {"order": 1}},
        touchpoint("chat", "buy", 2, title="Chat"),
        {PAY: {"order": 0}, CART: {"order": 1}, CHAT: {"order": 2}},
    ),
    "insert-in-file-and-delete-sibling-on-board": Case(
        {},
        CHAT_CREATED,
        {CART: None, PAY: {"order": 0}},
        {CHAT: {"order": 0}, CART: None, PAY: {"order": 1}},
        new_tombstones=frozenset({CART}),
    ),
    "moves-into-each-others-stages": Case(
        {},
        {CART: {"stage": "aware", "order": 1}, WEB: {"order": 2}, PAY: {"order": 0}},
        {AD: {"stage": "buy"}},
        {CART: {"stage": "aware"}, AD: {"stage": "buy"}},
        carried=CARRY_NO_ORDER,
    ),
    # --- what the board carries
    "uncarried-field-kept-from-file": Case(
        {},
        {AD: {"description": "Seen daily"}},
        {AD: {"description": REMOVE}},
        {AD: {"description": "Seen daily"}},
        carried=CARRY_NO_DESC,
    ),
    "uncarried-kind-never-deleted": Case(
        {}, {}, {"persona:ana": None}, {"persona:ana": {"name": "Ana"}}, carried=CARRY_NO_PERSONAS
    ),
    "partly-carried-model-edit": Case(
        {},
        {},
        {AD: {"emotion.score": -1, "emotion.label": None}},
        {AD: {"emotion.score": -1, "emotion.label": "curious"}},
        carried=CARRY_SCORE_ONLY,
    ),
    "partly-carried-model-removed": Case(
        {}, {}, {AD: without("emotion")}, {AD: {"emotion.label": REMOVE}}, carried=CARRY_SCORE_ONLY
    ),
    # --- policies
    "crm-owned-metrics-board-edit-overwritten": Case(
        {},
        {},
        {AD: {"metrics": []}},
        {AD: {"metrics": BASE[AD]["metrics"]}},
        overwritten=frozenset({(AD, "metrics", "board")}),
    ),
    "crm-owned-metrics-file-update-taken": Case({}, {AD: {"metrics": []}}, {}, {AD: {"metrics": []}}),
    "engine-owned-annotations-overwritten": Case(
        {},
        {AD: {"annotations.priority": 2}},
        {AD: {"annotations.priority": 9}},
        {AD: {"annotations.priority": 2}},
        overwritten=frozenset({(AD, "annotations.priority", "board")}),
    ),
    "ratings-manual-conflict": Case(
        {},
        {AD: {"importance.internal": None}},
        {AD: {"importance.internal": MIRO_FIVE}},
        {AD: {"importance.internal": None}},
        c((AD, "importance.internal")),
    ),
    "ratings-board-wins": Case(
        {},
        {AD: {"importance.internal": None}},
        {AD: {"importance.internal": MIRO_FIVE}},
        {AD: {"importance.internal": MIRO_FIVE}},
        policies={"ratings": "board-wins"},
        overwritten=frozenset({(AD, "importance.internal", "file")}),
    ),
    "content-file-wins": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Poster"}},
        policies={"content": "file-wins"},
        overwritten=frozenset({(AD, "title", "board")}),
    ),
    "content-file-wins-takes-board-only-edit": Case(
        {}, {}, {AD: {"title": "Banner"}}, {AD: {"title": "Banner"}}, policies={"content": "file-wins"}
    ),
    "structure-board-wins": Case(
        {},
        {AD: {"stage": "buy", "order": 2}},
        {AD: {"stage": "buy", "order": 0}, CART: {"order": 1}, PAY: {"order": 2}},
        {AD: {"stage": "buy", "order": 0}},
        policies={"structure": "board-wins"},
        overwritten=frozenset({(AD, "order", "file")}),
    ),
    "newest-wins-board-newer": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Banner"}},
        policies={"content": "newest-wins"},
        authors=BOARD_LATER,
        file_mtime=T0,
        overwritten=frozenset({(AD, "title", "file")}),
    ),
    "newest-wins-file-newer": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Poster"}},
        policies={"content": "newest-wins"},
        authors={AD: Authorship("bo", T0)},
        file_mtime=T1,
        overwritten=frozenset({(AD, "title", "board")}),
    ),
    "newest-wins-tie-conflicts": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Poster"}},
        c((AD, "title")),
        policies={"content": "newest-wins"},
        authors={AD: Authorship("bo", T1)},
        file_mtime=T1,
    ),
    "newest-wins-unknown-time-conflicts": Case(
        {},
        {AD: {"title": "Poster"}},
        {AD: {"title": "Banner"}},
        {AD: {"title": "Poster"}},
        c((AD, "title")),
        policies={"content": "newest-wins"},
        file_mtime=T1,
    ),
    # --- first sync (no base)
    "no-base-identical-agree": Case(NO_BASE, {}, {}, {AD: BASE[AD]}),
    "no-base-different-values-conflict": Case(
        NO_BASE, {AD: {"title": "Poster"}}, {}, {AD: {"title": "Poster"}}, c((AD, "title")), board={AD: {"title": "Ad"}}
    ),
    "no-base-policy-decides": Case(
        NO_BASE,
        {AD: {"title": "Poster"}},
        {},
        {AD: {"title": "Poster"}},
        policies={"content": "file-wins"},
        overwritten=frozenset({(AD, "title", "board")}),
    ),
    "no-base-missing-on-board-is-created": Case(NO_BASE, {}, {AD: None}, {AD: {"title": "Ad"}}),
    "no-base-crm-metrics-overwrite-board": Case(
        NO_BASE,
        {},
        {AD: {"metrics": []}},
        {AD: {"metrics": BASE[AD]["metrics"]}},
        overwritten=frozenset({(AD, "metrics", "board")}),
    ),
}


def _subset(actual: Mapping[str, Any] | None, expected: Mapping[str, Any] | None) -> None:
    if expected is None:
        assert actual is None
        return
    assert actual is not None
    for name, value in expected.items():
        if value is REMOVE:
            assert name not in actual
        else:
            assert actual.get(name) == value, name


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_merge_case(case: Case) -> None:
    base = None if case.base is None else patch(BASE, case.base)
    result = merge(
        base,
        patch(BASE, case.ours),
        patch(BASE, case.theirs),
        carried=case.carried,
        policies=Policies.from_config(case.policies),
        tombstones=case.tombstones,
        authors=case.authors,
        file_mtime=case.file_mtime,
    )
    assert {(x.key, x.field) for x in result.conflicts} == case.conflict
    for key, expected in case.expected.items():
        _subset(result.file_entities.get(key), expected)
    for key, expected in case.board.items():
        _subset(result.board_entities.get(key), expected)
    conflicted = result.conflicted_keys
    assert {k: v for k, v in result.board_entities.items() if k not in conflicted} == {
        k: v for k, v in result.file_entities.items() if k not in conflicted
    }
    assert result.new_tombstones == case.new_tombstones
    assert {(d.key, d.side) for d in result.dropped} == case.dropped
    assert {(o.key, o.field, o.side) for o in result.overwritten} == case.overwritten
    build_journey(result.file_entities)  # the file side is always a valid journey
    build_journey(result.board_entities)


def test_table_covers_enough_rules() -> None:
    assert len(CASES) >= 30
