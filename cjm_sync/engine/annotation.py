"""The engine's annotate step: analyses run on the merged journey, before the per-side changes.

Annotations are computed from the merged facts (file, board and CRM), written into both sides' entities
and the new base, and the file side's changes are recomputed so they show in ``plan``, ``--json`` and
the change log like any other change. A hand edit of annotations in the file (the file differs from the
base there) is overwritten and reported as an :class:`~cjm_sync.merge.result.Overwrite`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

from cjm_sync.merge import Entity, MergeResult, build_journey, flatten
from cjm_sync.merge.diff import changes
from cjm_sync.merge.entities import group_of
from cjm_sync.merge.result import Overwrite
from cjm_sync.schema import Journey

ANNOTATIONS: Final = "annotations"
HAND_EDIT: Final = "annotations are computed (docs/analysis.md); a hand edit is overwritten"


def _annotation_fields(entity: Mapping[str, object] | None) -> dict[str, object]:
    return {f: v for f, v in (entity or {}).items() if group_of(f) == ANNOTATIONS}


def _overlay(entity: Entity, fresh: dict[str, object]) -> None:
    for name in [f for f in entity if group_of(f) == ANNOTATIONS]:
        del entity[name]
    entity.update(fresh)


def annotate_merged(
    result: MergeResult,
    template: Journey,
    steps: Sequence[Callable[[Journey], Journey]],
    ours: Mapping[str, Entity],
    base: Mapping[str, Entity],
) -> None:
    """Run ``steps`` on the journey ``result.file_entities`` describe and put the annotations they
    produce into ``result`` (file and board entities, new base, file-side changes, overwrites), in place."""
    if not steps:
        return
    journey = build_journey(result.file_entities, template)
    for step in steps:
        journey = step(journey)
    annotated = flatten(journey)
    for key, entity in annotated.items():
        fresh = _annotation_fields(entity)
        for side in (result.file_entities, result.board_entities, result.new_base):
            if key in side:
                _overlay(side[key], fresh)
        old = _annotation_fields(ours.get(key))
        if key in base and old != _annotation_fields(base[key]):
            result.overwritten += [
                Overwrite(key, name, "file", old.get(name), fresh.get(name), HAND_EDIT)
                for name in sorted(old.keys() | fresh.keys())
                if old.get(name) != fresh.get(name)
            ]
    result.changes = [c for c in result.changes if c.side != "file"] + changes("file", ours, result.file_entities)
