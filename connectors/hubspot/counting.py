"""Volumes of a touchpoint key in the window and the window before, in one or two searches.

HubSpot search has no aggregation: a search's ``total`` counts one filter combination, so a key's two
window volumes need two totals — unless its records are few. :func:`count_windows` asks one search over
both windows (``limit`` 200, only the time property): when every match fits on that page both volumes
are counted from it (one request; also when the key has no records); otherwise one ``limit=1`` count of
the current window follows and the previous volume is the difference (two requests). Either way the
client remembers the window counts, so the same count asked again in the run (the inbox's) is free.
"""

from __future__ import annotations

from cjm_sync.plugins import Window
from connectors.hubspot.client import Filter, HubSpotClient, between
from connectors.hubspot.values import instant


def count_windows(client: HubSpotClient, obj: str, match: Filter, time: str, window: Window) -> tuple[int, int]:
    """``(current, previous)``: records of ``obj`` matching ``match`` with ``time`` in ``window`` and in
    ``window.previous`` (half-open; counts of records)."""
    previous_window = window.previous
    both = [[match, *between(time, previous_window.start, window.end)]]
    current_groups = [[match, *between(time, window.start, window.end)]]
    previous_groups = [[match, *between(time, previous_window.start, previous_window.end)]]
    page = client.page(obj, both, [time])
    total = int(page.get("total") or 0)
    results = page.get("results") or []
    if len(results) >= total:
        current = 0
        for record in results:
            at = instant((record.get("properties") or {}).get(time))
            current += at is not None and window.contains(at)
        client.known_count(obj, current_groups, current)
    else:
        current = client.count(obj, current_groups)
    client.known_count(obj, previous_groups, total - current)
    return current, total - current
