"""The HubSpot touchpoint keys a journey does not use yet, with their volume: the journey's inbox.

Every value of each touchpoint object's key property (``hs_call_direction``, ``source_type`` …, from the
properties API) is a key; those no link of the pull uses are reported with their count of records in the
window. A count costs one search with ``limit=1`` (its ``total``; the client remembers the counts the
metrics already asked for) — except for objects the pull keeps in the record cache for both windows
(tickets, feedback submissions when a linked key needs their values): those are counted from the cache,
without a request.

The inbox is a triage list, not a metric: its property options and counts are kept in the record cache's
memo (stream ``inbox@<portal>``) and reused while the window has the same length and its end moved by less
than :data:`RECOUNT_AFTER` — so a scheduled rerun pays nothing for it; ``--full`` recounts. A key not
counted yet (e.g. one a journey just stopped using) is counted when first needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from cjm_sync.plugins import RecordCache, SourceLink, UnassignedKey, Window
from connectors.hubspot.client import Group, between, one_of
from connectors.hubspot.keys import TOUCHPOINT_KINDS, TouchpointKind
from connectors.hubspot.values import instant

Options = Callable[[str, str], Sequence[Mapping[str, Any]]]
"""(object, property) → the property's options in display order (``value``, ``label``)."""
Count = Callable[[str, Sequence[Group]], int]
"""(object, filter groups) → matching records (one search total)."""
RECOUNT_AFTER: Final = timedelta(days=1)
"""Inbox volumes are counted again once the window's end has moved this far (or on ``--full``)."""


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


def _reusable(memo: Mapping[str, Any], window: Window, full: bool) -> bool:
    """Whether the memo's options and counts may stand for ``window`` (same length, end moved < a day)."""
    end = memo.get("end")
    if full or not isinstance(end, str) or memo.get("span") != (window.end - window.start).total_seconds():
        return False
    return abs(window.end - datetime.fromisoformat(end)) < RECOUNT_AFTER


def unassigned_keys(
    links: Iterable[SourceLink],
    window: Window,
    options: Options,
    count: Count,
    cache: RecordCache,
    streams: Mapping[str, str],
    *,
    portal: str,
    full: bool = False,
    prefetch: Callable[[str, Sequence[str]], None] | None = None,
) -> list[UnassignedKey]:
    """Every touchpoint key of the portal no link uses, in object then option order, with its records in
    ``window`` (``streams``: object → record-cache stream holding every record of the object with a
    touchpoint time in both windows). Options and counts are reused from the run before when the window
    allows (see the module docstring); ``full`` reads and counts everything afresh. ``prefetch(object,
    values)`` is told an uncached object's values about to be counted, so it can count them together."""
    used = {key for link in links for key in link.sources}
    stream = f"inbox@{portal}"
    memo = cache.get_memo(stream)
    reuse = _reusable(memo, window, full)
    known_options: dict[str, list[dict[str, str]]] = dict(memo.get("options") or {}) if reuse else {}
    counts: dict[str, int] = {str(k): int(v) for k, v in (memo.get("counts") or {}).items()} if reuse else {}
    end = str(memo["end"]) if reuse else window.end.isoformat()
    found: list[UnassignedKey] = []
    for obj, kind in TOUCHPOINT_KINDS.items():
        if obj not in known_options:
            known_options[obj] = [
                {"value": str(o["value"]), "label": str(o.get("label") or "")} for o in options(obj, kind.property)
            ]
        free = [o for o in known_options[obj] if f"hubspot:{obj}:{o['value']}" not in used]
        missing = [o for o in free if f"hubspot:{obj}:{o['value']}" not in counts]
        if missing and obj in streams:
            cached = _cached_counts(cache, streams[obj], kind, window)
            counts.update({f"hubspot:{obj}:{o['value']}": cached[o["value"]] for o in missing})
        if missing and obj not in streams and prefetch is not None:
            prefetch(obj, [o["value"] for o in missing])
        for option in missing if obj not in streams else ():
            groups = [[one_of(kind.property, [option["value"]]), *between(kind.time, window.start, window.end)]]
            counts[f"hubspot:{obj}:{option['value']}"] = count(obj, groups)
        found += [
            UnassignedKey(
                f"hubspot:{obj}:{o['value']}", touchpoint_label(kind, o), counts[f"hubspot:{obj}:{o['value']}"]
            )
            for o in free
        ]
    span = (window.end - window.start).total_seconds()
    cache.set_memo(stream, {"end": end, "span": span, "options": known_options, "counts": counts})
    return found
