"""Journey ↔ board vocabulary: which item stands for what, colours, tags, and the text on each item.

Pure functions, no HTTP. The board shows one journey in one frame (see :mod:`connectors.miro.layout`):

========================  ===================================  =====================================
journey                   board item (entity key)              carried back
========================  ===================================  =====================================
stage                     round-rectangle shape in the header  title, kind (fill colour)
                          row (``stage:<id>``)
lane                      rectangle shape in the label column  title, kind (fill colour)
                          (``lane:<id>``)
touchpoint                app card in the touchpoint row       title, description (above the ``——``
                          (``touchpoint:<id>``)                summary line), stage (column),
                                                               connections
channel, moment of truth  a small yellow "badge" sticky under  channel (tag ``channel: <value>``),
                          the card, tagged (``badge:<id>``):   moment_of_truth (tag ``moment of
                          app cards cannot carry tags          truth``)
emotion                   circle shape on the emotion row      emotion (score from height, label
                          (``emotion:<id>``), joined by lines  from the text)
pain point                red sticky (``pain_point:<id>``)     title, stage
opportunity               light-green sticky                   title, stage
note                      sticky coloured by its lane's kind   text, stage, lane (row)
connection                connector between two cards          to, label (caption)
========================  ===================================  =====================================

Everything else on a card (channel, direction, owner, importance, performance, metrics, actions,
thoughts, the IPA quadrant as colour, field and ``concentrate here`` badge tag) is display only. Rows
for touchpoints, emotions, pain points and opportunities are added (``row:<kind>``) when the journey has
no lane of that kind; they carry nothing. The "Importance × Performance" frame beside the journey
(``ipa-…`` keys, :mod:`connectors.miro.matrix`) is display only too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from cjm_sync.schema import Channel, IpaQuadrant, Journey, Lane, LaneKind, StageKind, Touchpoint
from connectors.miro.richtext import to_html

STICKY_KIND_COLOURS: Mapping[str, str] = {"pain_point": "red", "opportunity": "light_green"}
"""Sticky fill colour of pain points and opportunities (the sticky ``fillColor`` enum)."""

NOTE_COLOURS: Mapping[LaneKind, str] = {
    LaneKind.ACTIONS: "light_blue",
    LaneKind.TOUCHPOINTS: "cyan",
    LaneKind.THOUGHTS: "pink",
    LaneKind.EMOTIONS: "violet",
    LaneKind.PAIN_POINTS: "light_pink",
    LaneKind.OPPORTUNITIES: "green",
    LaneKind.FRONT_STAGE: "blue",
    LaneKind.BACK_STAGE: "dark_blue",
    LaneKind.SUPPORT_PROCESSES: "gray",
    LaneKind.EVIDENCE: "orange",
}
"""Sticky fill colour of a note, by the kind of its lane. Miro's default ``light_yellow`` is not used: a
default-coloured sticky people add takes the role of the row it is dropped in."""

BADGE_COLOUR = "yellow"
"""Sticky fill colour of the touchpoint badges (reserved)."""

STAGE_COLOURS: Mapping[StageKind, str] = {
    StageKind.STANDARD: "#a6ccf5",
    StageKind.NON_IDEAL: "#ff9d48",
    StageKind.EXIT: "#f16c7f",
    StageKind.WIN_BACK: "#93d275",
}
"""Fill colour of a stage header shape, by stage kind."""

LANE_COLOURS: Mapping[LaneKind, str] = {
    LaneKind.ACTIONS: "#d5f692",
    LaneKind.TOUCHPOINTS: "#23bfe7",
    LaneKind.THOUGHTS: "#fff9b1",
    LaneKind.EMOTIONS: "#ffcee0",
    LaneKind.PAIN_POINTS: "#f16c7f",
    LaneKind.OPPORTUNITIES: "#93d275",
    LaneKind.FRONT_STAGE: "#67c6c0",
    LaneKind.BACK_STAGE: "#7b92ff",
    LaneKind.SUPPORT_PROCESSES: "#b384bb",
    LaneKind.EVIDENCE: "#f5d128",
}
"""Fill colour of a lane label shape, by lane kind."""

CARD_COLOUR = "#2d9bf0"
QUADRANT_COLOURS: Mapping[IpaQuadrant, str] = {
    IpaQuadrant.CONCENTRATE_HERE: "#d9534f",
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK: "#2e8b57",
    IpaQuadrant.LOW_PRIORITY: "#8c8c8c",
    IpaQuadrant.POSSIBLE_OVERKILL: "#e0a526",
}
"""App-card and matrix-marker colour by IPA quadrant (display only, from the touchpoint's annotations)."""
QUADRANT_LABELS: Mapping[IpaQuadrant, str] = {
    IpaQuadrant.CONCENTRATE_HERE: "concentrate here",
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK: "keep up the good work",
    IpaQuadrant.LOW_PRIORITY: "low priority",
    IpaQuadrant.POSSIBLE_OVERKILL: "possible overkill",
}
EMOTION_COLOUR = "#fff9b1"
CONFLICT_TAG = "cjm-sync: conflict"
MOMENT_OF_TRUTH_TAG = "moment of truth"
CHANNEL_TAG_PREFIX = "channel: "
CONCENTRATE_TAG = "concentrate here"
"""Badge tag of a touchpoint in the IPA "concentrate here" quadrant (display only: set from annotations)."""
TAG_COLOURS: Mapping[str, str] = {CONFLICT_TAG: "red", MOMENT_OF_TRUTH_TAG: "magenta", CONCENTRATE_TAG: "violet"}
CHANNEL_TAG_COLOUR = "blue"
SUMMARY_MARK = "——"
"""Line separating a card's description (carried) from its actions/thoughts summary (display)."""

CARD_WIDTH = 240.0
BADGE_WIDTH = 100.0
STICKY_WIDTH = 200.0
EMOTION_SIZE = 60.0
IMPLICIT_ROWS = (LaneKind.TOUCHPOINTS, LaneKind.EMOTIONS, LaneKind.PAIN_POINTS, LaneKind.OPPORTUNITIES)


MATRIX_PREFIX = "ipa-"
"""Key prefix of the items of the "Importance × Performance" frame (:mod:`connectors.miro.matrix`)."""


def is_matrix_key(entity: str) -> bool:
    """Whether an id-map key belongs to the matrix frame (display only: never read back)."""
    return entity.startswith(MATRIX_PREFIX)


def key(kind: str, entity_id: str) -> str:
    """Entity key, e.g. ``touchpoint:signup``."""
    return f"{kind}:{entity_id}"


def split_key(entity: str) -> tuple[str, str]:
    """``("touchpoint", "signup")`` from ``touchpoint:signup``."""
    kind, _, rest = entity.partition(":")
    return kind, rest


def link_key(kind: str, start: str, end: str) -> str:
    """Key of a line between two touchpoints, e.g. ``connection:a->b``."""
    return f"{kind}:{start}->{end}"


def channel_tag(channel: Channel) -> str:
    """Tag title standing for a channel."""
    return f"{CHANNEL_TAG_PREFIX}{channel.value}"


def tag_colour(title: str) -> str:
    """Tag fill colour (the tag ``fillColor`` enum) for one of our tag titles."""
    return TAG_COLOURS.get(title, CHANNEL_TAG_COLOUR)


def is_managed_tag(title: str) -> bool:
    """Whether a tag title is one the connector sets and removes (people's own tags are left alone)."""
    return title in TAG_COLOURS or title.startswith(CHANNEL_TAG_PREFIX)


def lane_label(kind: LaneKind) -> str:
    """Default label of a lane kind, e.g. ``Pain points``."""
    return kind.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class RowSpec:
    """One row of the grid: a journey lane, or an implicit row for a kind the journey has no lane for."""

    key: str
    kind: LaneKind
    lane: Lane | None

    @property
    def title(self) -> str:
        """Text of the row label."""
        return (self.lane.title if self.lane and self.lane.title else None) or lane_label(self.kind)


def row_specs(journey: Journey) -> list[RowSpec]:
    """The rows in order: the journey's lanes, then implicit rows for missing role kinds."""
    rows = [RowSpec(key("lane", lane.id), lane.kind, lane) for lane in journey.lanes]
    have = {lane.kind for lane in journey.lanes}
    rows += [RowSpec(key("row", kind.value), kind, None) for kind in IMPLICIT_ROWS if kind not in have]
    return rows


def role_row(rows: list[RowSpec], kind: LaneKind) -> RowSpec:
    """The row holding items of one role (the first lane of that kind)."""
    return next(r for r in rows if r.kind is kind)


@dataclass
class Desired:
    """One item the board should show.

    Placement: ``cell`` (column key, row key) for items that take a slot; ``anchor`` for a badge or an
    emotion point that follows its card; neither for headers, labels and the frame (fixed by the grid).
    """

    key: str
    type: str
    data: dict[str, Any]
    style: dict[str, Any]
    width: float | None = None
    cell: tuple[str, str] | None = None
    anchor: str | None = None
    tags: frozenset[str] = frozenset()
    score: float | None = None


@dataclass
class DesiredLine:
    """One connector the board should show, between the cards of two touchpoints."""

    key: str
    start: str
    end: str
    caption: str | None
    style: dict[str, Any] = field(default_factory=dict)


def card_description(tp: Touchpoint) -> str:
    """App-card description: the touchpoint's description, then a summary of actions and thoughts."""
    summary = [
        f"{label}: {'; '.join(values)}"
        for label, values in (("Actions", tp.actions), ("Thoughts", tp.thoughts))
        if values
    ]
    parts = [tp.description] if tp.description else []
    if summary:
        parts.append("\n".join([SUMMARY_MARK, *summary]))
    return "\n\n".join(parts)


def description_of(text: str) -> str | None:
    """The carried description in an app-card description (the part above the summary line)."""
    if text == SUMMARY_MARK or text.startswith(SUMMARY_MARK + "\n"):
        return None
    head, sep, _ = text.partition(f"\n\n{SUMMARY_MARK}\n")
    if not sep and text.endswith(f"\n\n{SUMMARY_MARK}"):
        head = text[: -len(SUMMARY_MARK) - 2]
    return head or None


def _rating(pair: Any) -> str:
    parts = [f"{name} {r.value:g}" for name, r in (("internal", pair.internal), ("external", pair.external)) if r]
    return " · ".join(parts)


def card_colour(tp: Touchpoint) -> str:
    """App-card colour: its IPA quadrant's (:data:`QUADRANT_COLOURS`) when placed, else the default."""
    quadrant = tp.annotations.ipa_quadrant if tp.annotations else None
    return QUADRANT_COLOURS[quadrant] if quadrant else CARD_COLOUR


def card_fields(tp: Touchpoint) -> list[dict[str, str]]:
    """App-card preview fields (display only)."""
    fields: list[tuple[str, str]] = []
    quadrant = tp.annotations.ipa_quadrant if tp.annotations else None
    if quadrant:
        fields.append(("IPA quadrant", QUADRANT_LABELS[quadrant]))
    if tp.channel:
        fields.append(("Channel", tp.channel.value + (f" ({tp.direction.value})" if tp.direction else "")))
    if tp.moment_of_truth:
        fields.append(("Moment of truth", "★ moment of truth"))
    if tp.owner:
        owner = " / ".join(v for v in (tp.owner.department, tp.owner.region, tp.owner.person) if v)
        if owner:
            fields.append(("Owner", owner))
    for label, pair in (("Importance", tp.importance), ("Performance", tp.performance)):
        if pair and _rating(pair):
            fields.append((label, _rating(pair)))
    for metric in tp.metrics:
        value = "n/a" if metric.value is None else f"{metric.value:g}"
        fields.append(("Metric", f"{metric.name or metric.id}: {value}{' ' + metric.unit if metric.unit else ''}"))
    return [{"value": value, "tooltip": tooltip} for tooltip, value in fields]


def badge_text(tp: Touchpoint) -> str:
    """Text of a touchpoint's badge (display; the tags are what is read back)."""
    parts = [tp.channel.value] if tp.channel else []
    if tp.moment_of_truth:
        parts.append("★")
    return " · ".join(parts) or "·"


def desired_items(journey: Journey, rows: list[RowSpec]) -> tuple[list[Desired], list[DesiredLine]]:
    """Every item and line the board should show for ``journey`` (without positions)."""
    items: list[Desired] = [
        Desired(
            key("frame", journey.id), "frame", {"title": journey.title, "format": "custom", "type": "freeform"}, {}
        ),
    ]
    for stage in journey.stages:
        items.append(
            Desired(
                key("stage", stage.id),
                "shape",
                {"content": to_html(stage.title), "shape": "round_rectangle"},
                {
                    "fillColor": STAGE_COLOURS[stage.kind],
                    "fontSize": "24",
                    "textAlign": "center",
                    "textAlignVertical": "middle",
                },
            )
        )
    for row in rows:
        items.append(
            Desired(
                row.key,
                "shape",
                {"content": to_html(row.title), "shape": "rectangle"},
                {
                    "fillColor": LANE_COLOURS[row.kind],
                    "fontSize": "20",
                    "textAlign": "center",
                    "textAlignVertical": "middle",
                },
            )
        )
    tp_row = role_row(rows, LaneKind.TOUCHPOINTS).key
    for tp in journey.touchpoints:
        card = key("touchpoint", tp.id)
        items.append(
            Desired(
                card,
                "app_card",
                {"title": to_html(tp.title), "description": to_html(card_description(tp)), "fields": card_fields(tp)},
                {"fillColor": card_colour(tp)},
                width=CARD_WIDTH,
                cell=(key("stage", tp.stage), tp_row),
            )
        )
        tags = {channel_tag(tp.channel)} if tp.channel else set()
        if tp.moment_of_truth:
            tags.add(MOMENT_OF_TRUTH_TAG)
        if tp.annotations and tp.annotations.ipa_quadrant is IpaQuadrant.CONCENTRATE_HERE:
            tags.add(CONCENTRATE_TAG)
        items.append(
            Desired(
                key("badge", tp.id),
                "sticky_note",
                {"content": to_html(badge_text(tp)), "shape": "square"},
                {"fillColor": BADGE_COLOUR},
                width=BADGE_WIDTH,
                anchor=card,
                tags=frozenset(tags),
            )
        )
        if tp.emotion is not None:
            items.append(
                Desired(
                    key("emotion", tp.id),
                    "shape",
                    {"content": to_html(tp.emotion.label or ""), "shape": "circle"},
                    {
                        "fillColor": EMOTION_COLOUR,
                        "fontSize": "10",
                        "textAlign": "center",
                        "textAlignVertical": "middle",
                    },
                    width=EMOTION_SIZE,
                    anchor=card,
                    score=tp.emotion.score,
                )
            )
    for kind, entities, row_kind in (
        ("pain_point", journey.pain_points, LaneKind.PAIN_POINTS),
        ("opportunity", journey.opportunities, LaneKind.OPPORTUNITIES),
    ):
        if not entities:
            continue
        row_key = role_row(rows, row_kind).key
        for entity in entities:
            items.append(
                _sticky(
                    key(kind, entity.id), entity.title, STICKY_KIND_COLOURS[kind], (key("stage", entity.stage), row_key)
                )
            )
    lanes = {lane.id: lane for lane in journey.lanes}
    for note in journey.notes:
        lane = lanes.get(note.lane)
        if lane is not None:
            items.append(
                _sticky(
                    key("note", note.id),
                    note.text,
                    NOTE_COLOURS[lane.kind],
                    (key("stage", note.stage), key("lane", lane.id)),
                )
            )
    return items, desired_lines(journey)


def _sticky(entity: str, text: str, colour: str, cell: tuple[str, str]) -> Desired:
    return Desired(
        entity,
        "sticky_note",
        {"content": to_html(text), "shape": "square"},
        {"fillColor": colour},
        width=STICKY_WIDTH,
        cell=cell,
    )


def desired_lines(journey: Journey) -> list[DesiredLine]:
    """Connections between cards, and the emotion curve through the emotion points in journey order."""
    ids = {tp.id for tp in journey.touchpoints}
    lines = [
        DesiredLine(link_key("connection", tp.id, c.to), key("touchpoint", tp.id), key("touchpoint", c.to), c.label)
        for tp in journey.touchpoints
        for c in tp.connections
        if c.to in ids and c.to != tp.id
    ]
    order = {s.id: i for i, s in enumerate(journey.stages)}
    felt = sorted(
        (tp for tp in journey.touchpoints if tp.emotion is not None and tp.stage in order),
        key=lambda tp: order[tp.stage],
    )
    curve = {"strokeColor": "#f16c7f", "strokeWidth": "3", "endStrokeCap": "none"}
    lines += [
        DesiredLine(link_key("emotion-link", a.id, b.id), key("emotion", a.id), key("emotion", b.id), None, curve)
        for a, b in pairwise(felt)
    ]
    return lines
