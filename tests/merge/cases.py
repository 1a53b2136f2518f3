"""A small base journey and patch helpers shared by the merge tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cjm_sync.merge import Entity, flatten
from cjm_sync.schema import (
    Annotations,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    Metric,
    Persona,
    Provenance,
    Rating,
    RatingPair,
    Source,
    Stage,
    Touchpoint,
)

REMOVE = object()
"""Patch value: remove the field."""

_CRM = Provenance(source=Source.HUBSPOT)
BASE_JOURNEY = Journey(
    id="trip",
    title="Trip 旅程",
    personas=[Persona(id="ana", name="Ana")],
    stages=[Stage(id="aware", title="Aware"), Stage(id="buy", title="Buy")],
    lanes=[Lane(id="thoughts", kind=LaneKind.THOUGHTS)],
    touchpoints=[
        Touchpoint(
            id="ad",
            title="Ad",
            stage="aware",
            description="Customers see our ad on the train every morning",
            thoughts=["is it cheap?", "who are they?"],
            emotion=Emotion(score=1, label="curious"),
            importance=RatingPair(internal=Rating(value=3, provenance=_CRM)),
            metrics=[Metric(id="nps", value=30, provenance=_CRM)],
            annotations=Annotations(priority=1),
        ),
        Touchpoint(id="web", title="Website", stage="aware", description="Open the site\nCompare plans\nStart"),
        Touchpoint(id="cart", title="Cart", stage="buy"),
        Touchpoint(id="pay", title="Pay", stage="buy"),
    ],
)
BASE = flatten(BASE_JOURNEY)
Patch = Mapping[str, Mapping[str, Any] | None]


def touchpoint(tp_id: str, stage: str, order: int, **fields: Any) -> dict[str, Entity]:
    """A patch creating touchpoint ``tp_id`` with all its fields."""
    entity = flatten(Journey(id="x", title="x", touchpoints=[Touchpoint(id=tp_id, stage=stage, **fields)]))
    return {f"touchpoint:{tp_id}": {**entity[f"touchpoint:{tp_id}"], "order": order}}


def patch(entities: Mapping[str, Entity], changes: Patch) -> dict[str, Entity]:
    """Copy of ``entities`` with ``changes``: None deletes an entity; a new key creates it."""
    out = {k: dict(v) for k, v in entities.items()}
    for key, fields in changes.items():
        if fields is None:
            out.pop(key, None)
            continue
        entity = out.setdefault(key, {})
        for name, value in fields.items():
            if value is REMOVE:
                entity.pop(name, None)
            else:
                entity[name] = value
    return out


def without(prefix: str) -> dict[str, Any]:
    """Patch fields removing the nested model ``prefix`` of the base touchpoint ``ad``."""
    return {f: REMOVE for f in BASE["touchpoint:ad"] if f.startswith(prefix + ".")}
