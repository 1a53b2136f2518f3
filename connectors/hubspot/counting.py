"""Volumes of touchpoint keys in the window and the window before, in as few searches as HubSpot allows.

HubSpot search has no aggregation: a search's ``total`` counts one filter combination, so a key's two
window volumes need two totals — unless its records are few. :func:`count_windows` asks one search over
both windows (``limit`` 200, only the time property): when every match fits on that page both volumes
are counted from it (one request; also when the key has no records); otherwise one ``limit=1`` count of
the current window follows and the previous volume is the difference (two requests).

:func:`count_keys` counts several disjoint value groups of one object (every option for ``discover``,
the linked touchpoints for ``pull``): one search over all of them first — when it holds every match, that
one request counts every group; otherwise each group but the largest (judged from that page) is counted
as above and the largest one's two-window volume is the total minus the others', so it needs only its
current-window count. Never more requests than counting each group alone, plus nothing.

:func:`count_in_window` does the same for the window alone (the inbox's volumes of unused keys).

The client remembers every count learnt, so the same count asked again in the run (the inbox's) is free.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cjm_sync.plugins import Window
from connectors.hubspot.client import Filter, Group, HubSpotClient, between, one_of
from connectors.hubspot.values import instant


def _groups(match: Filter, time: str, window: Window) -> tuple[list[Group], list[Group], list[Group]]:
    """Filter groups for both windows, the current one and the previous one."""
    previous = window.previous
    return (
        [[match, *between(time, previous.start, window.end)]],
        [[match, *between(time, window.start, window.end)]],
        [[match, *between(time, previous.start, previous.end)]],
    )


def count_windows(client: HubSpotClient, obj: str, match: Filter, time: str, window: Window) -> tuple[int, int]:
    """``(current, previous)``: records of ``obj`` matching ``match`` with ``time`` in ``window`` and in
    ``window.previous`` (half-open; counts of records). Costs nothing when both counts are known."""
    both, current_groups, previous_groups = _groups(match, time, window)
    known = client.known(obj, current_groups), client.known(obj, previous_groups)
    if known[0] is not None and known[1] is not None:
        return known[0], known[1]
    page = client.page(obj, both, [time])
    total = int(page.get("total") or 0)
    results = page.get("results") or []
    if len(results) >= total:
        current = sum(1 for record in results if _in(record, time, window))
        client.known_count(obj, current_groups, current)
    else:
        current = client.count(obj, current_groups)
    client.known_count(obj, previous_groups, total - current)
    return current, total - current


def count_keys(
    client: HubSpotClient, obj: str, prop: str, time: str, groups: Sequence[Sequence[str]], window: Window
) -> None:
    """Learn both window volumes of every value group of ``obj`` (``prop`` one of the group's values;
    the client remembers them for :func:`count_windows`). Groups that share a value are left to
    :func:`count_windows` one by one."""
    distinct = list(dict.fromkeys(tuple(g) for g in groups if g))
    values = [v for g in distinct for v in g]
    if len(distinct) < 2 or len(set(values)) != len(values):
        return
    both, _, _ = _groups(one_of(prop, values), time, window)
    page = client.page(obj, both, [prop, time])
    total = int(page.get("total") or 0)
    results = page.get("results") or []
    owner = {v.lower(): g for g in distinct for v in g}  # search compares text case-insensitively
    if len(results) >= total:
        for group in distinct:
            mine = [r for r in results if owner.get(_text(r, prop)) == group]
            current = sum(1 for r in mine if _in(r, time, window))
            _, current_groups, previous_groups = _groups(one_of(prop, list(group)), time, window)
            client.known_count(obj, current_groups, current)
            client.known_count(obj, previous_groups, len(mine) - current)
        return
    sample = Counter(owner.get(_text(r, prop)) for r in results)
    largest = max(distinct, key=lambda g: sample[g])
    others = sum(sum(count_windows(client, obj, one_of(prop, list(g)), time, window)) for g in distinct if g != largest)
    _, current_groups, previous_groups = _groups(one_of(prop, list(largest)), time, window)
    current = client.count(obj, current_groups) if total - others else 0
    client.known_count(obj, current_groups, current)
    client.known_count(obj, previous_groups, total - others - current)


def count_in_window(
    client: HubSpotClient, obj: str, prop: str, time: str, values: Sequence[str], window: Window
) -> None:
    """Learn every value's volume in ``window`` alone (the inbox's counts; the client remembers them
    under ``[[one_of(prop, [value]), *between(time, start, end)]]``): one search over all the values
    (``limit`` 200) — when it holds every match, that one request counts them all; otherwise a
    ``limit=1`` count per value but the largest, whose volume is the total minus the others'. One
    request per value at most, as counting each alone."""
    distinct = list(dict.fromkeys(values))
    per_value = {v: [[one_of(prop, [v]), *between(time, window.start, window.end)]] for v in distinct}
    wanted = [v for v in distinct if client.known(obj, per_value[v]) is None]
    if len(wanted) < 2 or len({v.lower() for v in wanted}) != len(wanted):
        return
    page = client.page(obj, [[one_of(prop, wanted), *between(time, window.start, window.end)]], [prop])
    total = int(page.get("total") or 0)
    results = page.get("results") or []
    if len(results) >= total:
        found = Counter(_text(r, prop) for r in results)
        for value in wanted:
            client.known_count(obj, per_value[value], found[value.lower()])
        return
    sample = Counter(_text(r, prop) for r in results)
    largest = max(wanted, key=lambda v: sample[v.lower()])
    others = sum(client.count(obj, per_value[v]) for v in wanted if v != largest)
    client.known_count(obj, per_value[largest], total - others)


def _text(record: dict[str, object], prop: str) -> str:
    properties = record.get("properties")
    return str(properties.get(prop) if isinstance(properties, dict) else "").lower()


def _in(record: dict[str, object], time: str, window: Window) -> bool:
    properties = record.get("properties")
    at = instant(properties.get(time) if isinstance(properties, dict) else None)
    return at is not None and window.contains(at)
