"""A journey as a flat map of entities, and back.

An entity is keyed ``"<kind>:<id>"`` and holds flat fields: nested models are flattened one level into
dotted names (``owner.department``, ``emotion.score``); an absent optional model has no keys at all.
Lists are whole values. Every entity but the journey's own has a derived ``order``: its index among its
kind, or within its stage for touchpoints, pain points, opportunities and notes. Inbox items (CRM keys
no stage or touchpoint uses yet) are keyed by their source key: ``inbox:hubspot:calls:OUTBOUND``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import cache, lru_cache, partial
from types import UnionType
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel

from cjm_sync.gcpause import without_gc
from cjm_sync.plugins import entity_key
from cjm_sync.schema import (
    CURRENT_SCHEMA_VERSION,
    InboxItem,
    Journey,
    Lane,
    Note,
    Opportunity,
    PainPoint,
    Persona,
    Segment,
    Stage,
    Touchpoint,
)

Entity = dict[str, Any]
"""Flat JSON fields of one entity."""

ORDER: Final = "order"
STAGE: Final = "stage"
JOURNEY: Final = "journey"
INBOX: Final = "inbox"
"""Kind of the inbox items' entities (CRM keys the map does not use yet; see docs/crm.md)."""

_JOURNEY_FIELDS = (
    "title",
    "map_type",
    "scenario",
    "description",
    "future_state_of",
    "scope",
    "emotion_scale",
    "rating_scale",
)
_COLLECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "segment": ("segments", Segment),
    "persona": ("personas", Persona),
    "stage": ("stages", Stage),
    "lane": ("lanes", Lane),
    "touchpoint": ("touchpoints", Touchpoint),
    "pain_point": ("pain_points", PainPoint),
    "opportunity": ("opportunities", Opportunity),
    "note": ("notes", Note),
    "inbox": ("inbox", InboxItem),
}
_IDENTITY: dict[str, str] = {"inbox": "key"}
"""The field that names an item of a kind, where it is not ``id``."""
KINDS: Final = (JOURNEY, *_COLLECTIONS)
STAGED_KINDS: Final = frozenset({"touchpoint", "pain_point", "opportunity", "note"})


class _Missing(Enum):
    MISSING = "missing"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing.MISSING
"""Marks a field an entity does not have (distinct from a JSON ``null``)."""


@lru_cache(maxsize=1 << 16)
def split_key(key: str) -> tuple[str, str]:
    """``"touchpoint:signup"`` → ``("touchpoint", "signup")``."""
    kind, _, entity_id = key.partition(":")
    return kind, entity_id


def container(key: str, fields: Mapping[str, Any]) -> tuple[str, Any]:
    """The list an entity is ordered in: its kind, plus its stage for stage-bound kinds."""
    kind = split_key(key)[0]
    return kind, fields.get(STAGE) if kind in STAGED_KINDS else None


@lru_cache(maxsize=1 << 12)
def group_of(field: str) -> str | None:
    """The nested model a dotted field belongs to (``emotion.score`` → ``emotion``), else None."""
    head, dot, _ = field.partition(".")
    return head if dot else None


def _is_model(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    return get_origin(annotation) in (Union, UnionType) and any(_is_model(a) for a in get_args(annotation))


def is_nested_model(kind: str, name: str) -> bool:
    """True when ``name`` is a nested model of ``kind`` (flattened into dotted fields)."""
    model = Journey if kind == JOURNEY else _COLLECTIONS[kind][1] if kind in _COLLECTIONS else None
    info = model.model_fields.get(name) if model else None
    return info is not None and _is_model(info.annotation)


@cache
def _nested(model: type[BaseModel]) -> frozenset[str]:
    """Names of ``model``'s fields that hold a nested model (flattened into dotted names)."""
    return frozenset(name for name, info in model.model_fields.items() if _is_model(info.annotation))


def _flat(data: Mapping[str, Any], names: Iterable[str], nested: frozenset[str]) -> Entity:
    out: Entity = {}
    for name in names:
        value = data[name]
        if name in nested:
            if value is not None:
                out.update({f"{name}.{sub}": v for sub, v in value.items()})
        else:
            out[name] = value
    return out


@without_gc
def flatten(journey: Journey) -> dict[str, Entity]:
    """Every entity of ``journey`` by key (``schema_version`` is file metadata, not an entity field)."""
    data = journey.model_dump(mode="json")  # one call for the whole journey: far cheaper than one per item
    entities = {entity_key(JOURNEY, journey.id): _flat(data, _JOURNEY_FIELDS, _nested(Journey))}
    for kind, (attr, model) in _COLLECTIONS.items():
        identity = _IDENTITY.get(kind, "id")
        names = [n for n in model.model_fields if n != identity]
        nested = _nested(model)
        counters: dict[Any, int] = defaultdict(int)
        for item in data[attr]:
            key = entity_key(kind, item[identity])
            if key in entities:
                raise ValueError(f"duplicate {identity} '{item[identity]}' among {attr}")
            fields = _flat(item, names, nested)
            place = container(key, fields)
            fields[ORDER] = counters[place]
            counters[place] += 1
            entities[key] = fields
    return entities


def _nest(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        group = group_of(name)
        if group is None:
            if name != ORDER:
                out[name] = value
        else:
            out.setdefault(group, {})[name[len(group) + 1 :]] = value
    return out


def _position(fields: Mapping[str, Any]) -> float:
    order = fields.get(ORDER)
    return math.inf if order is None else float(order)


@without_gc
def build_journey(entities: Mapping[str, Entity], template: Journey | None = None) -> Journey:
    """The journey ``entities`` describe; inverse of :func:`flatten`.

    Items are listed by stage order, then ``order``, then id (touchpoints of unknown stages last).
    ``template`` supplies ``schema_version``, and the journey's own fields when there is no ``journey``
    entity. ``build_journey(flatten(j)) == j`` whenever ``j`` lists its items grouped by stage.
    """
    by_kind: dict[str, list[tuple[str, Entity]]] = defaultdict(list)
    for key, fields in entities.items():
        kind, entity_id = split_key(key)
        if kind not in KINDS:
            raise ValueError(f"unknown entity kind in key '{key}'")
        by_kind[kind].append((entity_id, fields))
    heads = by_kind.pop(JOURNEY, [])
    if len(heads) > 1:
        raise ValueError(f"more than one journey entity: {sorted(i for i, _ in heads)}")
    data: dict[str, Any] = {"schema_version": template.schema_version if template else CURRENT_SCHEMA_VERSION}
    if heads:
        data["id"] = heads[0][0]
        data.update(_nest(heads[0][1]))
    elif template is not None:
        data.update(template.model_dump(include={"id", *_JOURNEY_FIELDS}))
    else:
        raise ValueError("no journey entity and no template to take the journey's own fields from")

    stages = sorted(by_kind["stage"], key=lambda item: (_position(item[1]), item[0]))
    stage_index = {stage_id: i for i, (stage_id, _) in enumerate(stages)}

    def sort_key(kind: str, item: tuple[str, Entity]) -> tuple[int, float, str]:
        entity_id, fields = item
        stage = fields.get(STAGE)
        in_stage = stage_index.get(stage, len(stage_index)) if isinstance(stage, str) else len(stage_index)
        return (in_stage if kind in STAGED_KINDS else 0), _position(fields), entity_id

    for kind, (attr, _) in _COLLECTIONS.items():
        items = sorted(by_kind[kind], key=partial(sort_key, kind))
        data[attr] = [{_IDENTITY.get(kind, "id"): i, **_nest(f)} for i, f in items]
    return Journey.model_validate(data)


def carries(field: str, names: frozenset[str]) -> bool:
    """True when ``field`` is among ``names``, by itself or through its nested model's name."""
    return field in names or group_of(field) in names
