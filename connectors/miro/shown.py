"""Reading a value back the way the file wrote it, when the board cannot tell two spellings apart.

Some journey values have several spellings that the board shows identically: a lane without a title
and a lane titled with its kind's default label (``Touchpoints``) both show ``Touchpoints``; an empty
description, label or caption shows nothing, like none at all; an emotion score shows as a height,
read back to 0.01. For such fields the board reading and the file must normalise the same way, or an
unchanged board would rewrite the file. The connector records, each time it plans the board, the
values it made the board show (:func:`shown_values`, kept in ``state.memo["shown"]``); reading takes
that recorded value whenever it shows exactly what the board shows now (:func:`prefer_shown`). A
person's real edit shows differently, so it is read as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cjm_sync.schema import Channel, Journey, Lane, LaneKind, Touchpoint
from connectors.miro.mapping import CHANNEL_TAG_PREFIX, MOMENT_OF_TRUTH_TAG, card_description, lane_label

SCORE_STEP = 0.01
"""Resolution of an emotion score read from the height of its point (see :func:`~.layout.emotion_score`)."""

Shown = dict[str, dict[str, Any]]
"""Entity key → field → value, as JSON."""


def _lane_title(kind: LaneKind, title: str | None) -> str:
    return title or lane_label(kind)


def _blank(value: str | None) -> str:
    return value or ""


def shown_values(journey: Journey) -> Shown:
    """The values of ``journey``'s fields that have more than one spelling on the board."""
    shown: Shown = {}
    for lane in journey.lanes:
        shown[f"lane:{lane.id}"] = {"kind": lane.kind.value, "title": lane.title}
    for tp in journey.touchpoints:
        shown[f"touchpoint:{tp.id}"] = {
            "description": tp.description,
            "card_text": card_description(tp),
            "emotion.score": tp.emotion.score if tp.emotion else None,
            "emotion.label": tp.emotion.label if tp.emotion else None,
            "connections": {c.to: c.label for c in tp.connections},
        }
    return shown


def _same_score(recorded: Any, read: float) -> bool:
    return isinstance(recorded, int | float) and abs(float(recorded) - read) <= SCORE_STEP / 2 + 1e-9


def _pick(recorded: Mapping[str, Any], name: str, read: Any, same: Callable[[Any, Any], bool]) -> Any:
    """``recorded[name]`` if it shows the same as ``read``, else ``read``."""
    if name not in recorded:
        return read
    value = recorded[name]
    return value if same(value, read) else read


def _lane(lane: Lane, recorded: Mapping[str, Any]) -> None:
    if recorded.get("kind") != lane.kind.value:
        return
    lane.title = _pick(
        recorded, "title", lane.title, lambda a, b: _lane_title(lane.kind, a) == _lane_title(lane.kind, b)
    )


def _touchpoint(tp: Touchpoint, recorded: Mapping[str, Any], card_text: str | None) -> None:
    if card_text is None or recorded.get("card_text") == card_text:
        tp.description = recorded.get("description")  # unchanged, or an item that cannot show one
    else:
        tp.description = _pick(recorded, "description", tp.description, lambda a, b: _blank(a) == _blank(b))
    if tp.emotion is not None:
        tp.emotion.score = _pick(recorded, "emotion.score", tp.emotion.score, _same_score)
        tp.emotion.label = _pick(recorded, "emotion.label", tp.emotion.label, lambda a, b: _blank(a) == _blank(b))
    labels = recorded.get("connections")
    if isinstance(labels, Mapping):
        for connection in tp.connections:
            if connection.to in labels and _blank(labels[connection.to]) == _blank(connection.label):
                connection.label = labels[connection.to]


def lane_kinds(shown: Mapping[str, Any]) -> dict[str, str]:
    """Lane id → lane kind as last recorded (for a team's label whose colour says nothing)."""
    return {
        key.partition(":")[2]: str(value["kind"])
        for key, value in shown.items()
        if key.startswith("lane:") and isinstance(value, Mapping) and value.get("kind")
    }


def prefer_shown(journey: Journey, shown: Mapping[str, Any], card_texts: Mapping[str, str]) -> None:
    """Replace each value read in ``journey`` by the recorded one when the board shows them the same.

    ``card_texts`` maps a touchpoint id to its card's whole description text: a description that
    itself looks like the actions/thoughts summary is told apart by comparing the whole card text. A
    touchpoint without one is a team's sticky, shape or text: it keeps the recorded description.
    """
    for lane in journey.lanes:
        recorded = shown.get(f"lane:{lane.id}")
        if isinstance(recorded, Mapping):
            _lane(lane, recorded)
    for tp in journey.touchpoints:
        recorded = shown.get(f"touchpoint:{tp.id}")
        if isinstance(recorded, Mapping):
            _touchpoint(tp, recorded, card_texts.get(tp.id))


def placed_values(journey: Journey) -> dict[str, dict[str, Any]]:
    """Position-derived values the board shows for ``journey`` (stage, lane, emotion score), by entity key:
    what :func:`~connectors.miro.reading.interpret` keeps for items a crashed grid shift left behind."""
    placed: dict[str, dict[str, Any]] = {}
    for tp in journey.touchpoints:
        placed[f"touchpoint:{tp.id}"] = {"stage": tp.stage, "emotion": tp.emotion.score if tp.emotion else None}
    for pain in journey.pain_points:
        placed[f"pain_point:{pain.id}"] = {"stage": pain.stage}
    for opportunity in journey.opportunities:
        placed[f"opportunity:{opportunity.id}"] = {"stage": opportunity.stage}
    for note in journey.notes:
        placed[f"note:{note.id}"] = {"stage": note.stage, "lane": note.lane}
    return placed


def unshown_values(skipped: Iterable[tuple[str, str]]) -> Shown:
    """What the board could not be made to show (tags skipped for lack of room, see
    :func:`~connectors.miro.planner.plan_board`), as touchpoint key → field → the file's value."""
    unshown: Shown = {}
    for entity, title in skipped:
        kind, ident = entity.partition(":")[::2]
        if kind not in ("badge", "touchpoint"):
            continue
        fields = unshown.setdefault(f"touchpoint:{ident}", {})
        if title == MOMENT_OF_TRUTH_TAG:
            fields["moment_of_truth"] = True
        elif title.startswith(CHANNEL_TAG_PREFIX):
            fields["channel"] = title[len(CHANNEL_TAG_PREFIX) :]
    return unshown


def restore_unshown(journey: Journey, unshown: Mapping[str, Any]) -> None:
    """Read the values the board could not show as the file holds them, so a skipped tag is not taken
    for a person's edit (the next plan tries the tag again)."""
    for tp in journey.touchpoints:
        fields = unshown.get(f"touchpoint:{tp.id}")
        if not isinstance(fields, Mapping):
            continue
        if fields.get("moment_of_truth") is True:
            tp.moment_of_truth = True
        channel = fields.get("channel")
        if isinstance(channel, str) and channel in Channel._value2member_map_ and tp.channel is None:
            tp.channel = Channel(channel)
