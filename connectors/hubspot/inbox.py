"""The HubSpot touchpoint keys a journey does not use yet, with their volume: the journey's inbox.

Every value of each touchpoint object's key property (``hs_call_direction``, ``source_type`` …, read once
per object from the properties API and kept for the run) is a key; those no link of the pull uses are
reported with their count of records in the window. A count costs one search with ``limit=1`` (its
``total``) — except for objects the pull already keeps in the record cache (tickets, feedback submissions
when a linked key needs their values): those are counted from the cache, without a request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from cjm_sync.plugins import RecordCache, SourceLink, UnassignedKey, Window
from connectors.hubspot.client import Group, between, one_of
from connectors.hubspot.keys import TOUCHPOINT_KINDS, TouchpointKind
from connectors.hubspot.values import instant

Options = Callable[[str, str], Sequence[Mapping[str, Any]]]
"""(object, property) → the property's options in display order (``value``, ``label``)."""
Count = Callable[[str, Sequence[Group]], int]
"""(object, filter groups) → matching records (one search total)."""


def touchpoint_label(kind: TouchpointKind, option: Mapping[str, Any]) -> str:
    """The human label of a touchpoint key, as ``discover`` shows it: ``Calls: Outbound``."""
    return f"{kind.label}: {option.get('label') or option['value']}"


def _cached_counts(cache: RecordCache, stream: str, kind: TouchpointKind, window: Window) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, doc in cache.records(stream):
        at = instant(doc.get(kind.time))
        if at is not None and window.contains(at):
            counts[str(doc.get(kind.property) or "")] += 1
    return counts


def unassigned_keys(
    links: Iterable[SourceLink],
    window: Window,
    options: Options,
    count: Count,
    cache: RecordCache,
    streams: Mapping[str, str],
) -> list[UnassignedKey]:
    """Every touchpoint key of the portal no link uses, in object then option order, with its records in
    ``window`` (``streams``: object → record-cache stream of the objects the pull keeps in the cache)."""
    used = {key for link in links for key in link.sources}
    found: list[UnassignedKey] = []
    for obj, kind in TOUCHPOINT_KINDS.items():
        free = [o for o in options(obj, kind.property) if f"hubspot:{obj}:{o['value']}" not in used]
        if not free:
            continue
        cached = _cached_counts(cache, streams[obj], kind, window) if obj in streams else None
        for option in free:
            value = str(option["value"])
            if cached is not None:
                volume = cached[value]
            else:
                volume = count(obj, [[one_of(kind.property, [value]), *between(kind.time, window.start, window.end)]])
            found.append(UnassignedKey(f"hubspot:{obj}:{value}", touchpoint_label(kind, option), volume))
    return found
