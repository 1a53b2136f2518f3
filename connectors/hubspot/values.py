"""HubSpot returns every property value as a string: parse numbers, booleans and dates explicitly;
round and take medians the way docs/metrics.md defines them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal


def number(text: object) -> float | None:
    """``"12.5"`` → 12.5; empty, missing or not a finite number → ``None``."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = str(text).strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def boolean(text: object) -> bool | None:
    """``"true"``/``"false"`` (any case) → bool; anything else → ``None``."""
    if isinstance(text, bool):
        return text
    raw = str(text or "").strip().lower()
    return True if raw == "true" else False if raw == "false" else None


def instant(text: object) -> datetime | None:
    """An epoch-milliseconds string or an ISO-8601 date/datetime → aware UTC datetime; else ``None``."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    if raw.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(raw) / 1000, UTC)
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "Zz" else raw)
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def epoch_ms(value: datetime) -> str:
    """An instant as HubSpot's epoch-milliseconds string (filters accept it for datetime properties)."""
    return str(round(value.timestamp() * 1000))


def round2(value: float | None) -> float | None:
    """Round to 2 decimals, half away from zero (``None`` stays ``None``)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def median(values: Sequence[float]) -> float | None:
    """The median; an even count takes the mean of the two middle values; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
