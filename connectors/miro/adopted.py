"""Editing a team's own board in place: the items ``import miro`` adopted keep their look.

``import miro`` records in the state store which of the team's items stand for which entity
(``memo["adopted"]`` holds their ids). The first sync then edits those very items instead of drawing a
second map, and later syncs treat them like this:

- their text is written (through the rich-text codec), their shape, size, style and place are not,
  except a fill colour whose meaning changes (a stage header recoloured for a non-ideal stage);
- a touchpoint the team drew as a sticky, shape, text or card stays that item (it shows the title);
  it gets a badge only when it has a channel or moment-of-truth tag to carry;
- rows the journey has no use for (an emotion curve without emotions, …) are not added to their grid;
- their frame grows when the grid needs room, but never shrinks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from cjm_sync.schema import Journey, LaneKind, StageKind
from connectors.miro.board import Item
from connectors.miro.mapping import LANE_COLOURS, STAGE_COLOURS, Desired, RowSpec, split_key
from connectors.miro.richtext import HTML_FIELDS, field_text, to_html

_STAGE_BY_COLOUR = {v.lower(): k for k, v in STAGE_COLOURS.items()}
_LANE_BY_COLOUR = {v.lower(): k for k, v in LANE_COLOURS.items()}


def used_rows(rows: list[RowSpec], journey: Journey) -> list[RowSpec]:
    """The rows without the implicit ones nothing in ``journey`` goes into (the touchpoint row stays)."""
    needed = {
        LaneKind.TOUCHPOINTS: True,
        LaneKind.EMOTIONS: any(tp.emotion is not None for tp in journey.touchpoints),
        LaneKind.PAIN_POINTS: bool(journey.pain_points),
        LaneKind.OPPORTUNITIES: bool(journey.opportunities),
    }
    return [r for r in rows if r.lane is not None or needed.get(r.kind, True)]


def as_adopted(
    items: list[Desired], snapshot_items: Mapping[str, Item], id_map: Mapping[str, str], adopted: Collection[str]
) -> list[Desired]:
    """``items`` with each adopted touchpoint shown on the team's own item, and no empty badges for them."""
    out: list[Desired] = []
    for d in items:
        kind, ident = split_key(d.key)
        owner = f"touchpoint:{ident}" if kind in ("touchpoint", "badge") else d.key
        item = snapshot_items.get(id_map.get(owner, ""))
        if item is None or item.id not in adopted or kind not in ("touchpoint", "badge", "stage", "lane"):
            out.append(d)
        elif kind == "touchpoint" and item.type != "app_card":
            title = field_text(d.type, "title", d.data.get("title"))
            name = "title" if item.type == "card" else "content"
            out.append(replace(d, type=item.type, data={name: to_html(title)}, style={}, width=None))
        elif kind in ("stage", "lane") and item.type != d.type:
            # a header or label the team drew as a text (not a shape) stays a text
            out.append(replace(d, type=item.type, data={"content": d.data["content"]}, style={}))
        elif kind != "badge" or item.type == "app_card" or d.tags or d.key in id_map:
            out.append(d)
    return out


def _colour_means_more(d: Desired, current: Any, wanted: Any) -> bool:
    """Whether the team's fill colour would read as another stage or lane kind than the one wanted."""
    kind = split_key(d.key)[0]
    now, want = str(current or "").lower(), str(wanted or "").lower()
    if kind == "stage":
        return _STAGE_BY_COLOUR.get(now, StageKind.STANDARD) != _STAGE_BY_COLOUR.get(want, StageKind.STANDARD)
    if kind in ("lane", "row"):
        return now in _LANE_BY_COLOUR and _LANE_BY_COLOUR[now] != _LANE_BY_COLOUR.get(want)
    return False


def adopted_diff(d: Desired, block: str, diff: dict[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a field diff that may be written to an adopted item: its text, and a telling colour."""
    if block == "data":
        return {k: v for k, v in diff.items() if k in HTML_FIELDS.get(d.type, ())}
    return {k: v for k, v in diff.items() if k == "fillColor" and _colour_means_more(d, current.get(k), v)}
