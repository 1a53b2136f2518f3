"""The Dataverse touchpoint keys a journey does not use yet, with their volume: the journey's inbox.

Every touchpoint table the environment has is counted for the window with one ``$apply=groupby`` (all of
them in one ``$batch``; tables the pull already counted are reused from the run's memo), so the keys with
records are known with their counts; keys of every option the metadata lists (case origins, lead sources,
surveys, both directions) are reported too, with ``0``. Customer Insights journeys have no volume and are
left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cjm_sync.plugins import SourceLink, UnassignedKey, Window
from connectors.dynamics.catalog import TOUCHPOINT_KINDS
from connectors.dynamics.reader import EnvironmentReader

Label = Callable[[EnvironmentReader, str, "str | None"], str]
"""(reader, table, key part) → the human label ``discover`` shows for a key."""
Known = Callable[[EnvironmentReader, str], set[str]]
"""(reader, table) → every key the environment's metadata defines for that table."""

TABLES = (*(k.logical for k in TOUCHPOINT_KINDS), "msfp_survey")
"""Tables the inbox reads (the touchpoint tables, and the surveys that name survey keys)."""


def unassigned_keys(
    reader: EnvironmentReader, links: Iterable[SourceLink], window: Window, label: Label, known: Known
) -> list[UnassignedKey]:
    """Every touchpoint key the environment has that no link uses, by table then key, with its rows
    created in ``window``."""
    used = {key for link in links for key in link.sources}
    reader.load_entities(TABLES)
    reader.prefetch([(k.logical, k.group_by, window.start, window.end) for k in TOUCHPOINT_KINDS])
    found: list[UnassignedKey] = []
    for kind in TOUCHPOINT_KINDS:
        if reader.entity(kind.logical) is None:
            continue
        counts = reader.touchpoint_counts(kind.logical, window.start, window.end)
        for key in sorted((set(counts) | known(reader, kind.logical)) - used):
            part = key.split(":", 2)[2] if key.count(":") >= 2 else None
            found.append(UnassignedKey(key, label(reader, kind.logical, part), counts.get(key, 0)))
    return found
