"""Writing a merged journey back in the order its author keeps the file.

The merge orders touchpoints, pain points, opportunities and notes by stage, then by their place in the
stage. A file may list them differently (all pain points of every stage together, newest first …);
that grouping is presentation, not content, and a sync must not rewrite it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cjm_sync.schema import Journey

_STAGED = ("touchpoints", "pain_points", "opportunities", "notes")


def _arranged(items: list[Any], original_ids: list[str]) -> list[Any]:
    """``items`` (in merged order) laid out like ``original_ids``: each stage's items take, in their merged
    order, the places that stage's items held in the original list; more items of a stage follow its
    last place; items of stages the original did not list go last."""
    by_id = {item.id: item for item in items}
    by_stage: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        by_stage[item.stage].append(item)
    places: dict[str, list[int]] = defaultdict(list)
    for index, ident in enumerate(original_ids):
        if ident in by_id:
            places[by_id[ident].stage].append(index)
    at: dict[int, list[Any]] = defaultdict(list)
    tail: list[Any] = []
    for stage, members in by_stage.items():
        slots = places.get(stage, [])
        for item, slot in zip(members, slots, strict=False):
            at[slot].append(item)
        if slots:
            at[slots[-1]].extend(members[len(slots) :])
        else:
            tail.extend(members[len(slots) :])
    return [item for index in sorted(at) for item in at[index]] + tail


def keep_file_order(journey: Journey, original: Journey) -> Journey:
    """``journey`` with its stage-bound lists in ``original``'s order wherever that order is still true
    (same entities in the same order within each stage); ``flatten`` of the result equals ``journey``'s."""
    updates = {
        attr: _arranged(list(getattr(journey, attr)), [item.id for item in getattr(original, attr)]) for attr in _STAGED
    }
    return journey.model_copy(update=updates)
