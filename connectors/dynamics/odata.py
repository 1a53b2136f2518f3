"""OData query text for the Dataverse Web API: literals, window filters, ``$apply`` aggregations.

Everything here is pure string building, so the queries are easy to test and to show as provenance.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

__all__ = ["and_", "apply_count", "datetime_literal", "in_window", "split_range", "string_literal"]

TIME_COLUMN = "createdon"


def datetime_literal(value: datetime) -> str:
    """An unquoted ``Edm.DateTimeOffset`` literal in UTC, e.g. ``2026-11-01T00:00:00Z``."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def string_literal(value: str) -> str:
    """A quoted ``Edm.String`` literal (``'`` doubled)."""
    return "'" + value.replace("'", "''") + "'"


def in_window(start: datetime, end: datetime, column: str = TIME_COLUMN) -> str:
    """``createdon ge <start> and createdon lt <end>``: the half-open window ``[start, end)``."""
    return f"{column} ge {datetime_literal(start)} and {column} lt {datetime_literal(end)}"


def and_(*parts: str | None) -> str:
    """Join filter parts with ``and`` (each parenthesised when it contains ``or``)."""
    kept = [p for p in parts if p]
    return " and ".join(f"({p})" if " or " in p else p for p in kept)


def apply_count(filter_text: str, group_by: Sequence[str], alias: str = "n") -> str:
    """``filter(...)/groupby((a,b),aggregate($count as n))`` — one row per group with its count."""
    return f"filter({filter_text})/groupby(({','.join(group_by)}),aggregate($count as {alias}))"


def split_range(start: datetime, end: datetime, parts: int = 2) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into ``parts`` contiguous ranges of (nearly) equal length, at whole seconds
    where possible (Dataverse keeps createdon to the second); together they cover the range exactly."""
    cuts = [start]
    for i in range(1, parts):
        cut = start + (end - start) * i / parts
        rounded = cut.replace(microsecond=0)
        cut = rounded if rounded > cuts[-1] else cut
        if cuts[-1] < cut < end:
            cuts.append(cut)
    cuts.append(end)
    return list(itertools.pairwise(cuts))
