"""The time window CRM metrics cover: ``--window`` (a length) ending at ``--as-of`` (an instant).

The window is half-open, ``[as_of − length, as_of)``: a record at exactly ``as_of`` belongs to the
next window. The previous window is the same length just before it. ``--window`` takes an ISO-8601
duration (``P30D``, ``P2W``, ``PT12H``, ``P1DT6H``) or a short form (``30d``, ``2w``, ``12h``, ``90m``);
months and years are refused because their length varies. ``--as-of`` takes an ISO-8601 timestamp
(``2026-11-01T00:00:00Z``; other offsets are converted to UTC, a timestamp without offset is read as
UTC, a bare date means its midnight UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cjm_sync.errors import UsageError

DEFAULT_WINDOW = timedelta(days=30)

_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_SHORT = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[wdhms])$")
_SHORT_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_window(text: str) -> timedelta:
    """``P30D`` / ``30d`` → ``timedelta(days=30)``; :class:`UsageError` for anything else or zero."""
    raw = text.strip()
    short = _SHORT.match(raw.lower())
    if short:
        length = timedelta(**{_SHORT_UNITS[short["unit"]]: int(short["n"])})
    else:
        iso = _ISO.match(raw.upper())
        if not iso or raw.upper() in {"P", "PT"} or raw.upper().endswith("T"):
            raise UsageError(
                f"--window '{text}' is not a duration",
                hint="use an ISO-8601 duration such as P30D, P2W or PT12H, or a short form such as 30d, 2w, 12h "
                "(months and years vary in length and are not accepted)",
            )
        length = timedelta(**{k: int(v) for k, v in iso.groupdict().items() if v})
    if length <= timedelta(0):
        raise UsageError(f"--window '{text}' must be longer than zero")
    return length


def parse_as_of(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC datetime (``Z``/offsets converted; no offset means UTC)."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in {"Z", "z"} else raw)
    except ValueError:
        raise UsageError(f"--as-of '{text}' is not an ISO-8601 timestamp", hint="e.g. 2026-11-01T00:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_instant(value: datetime) -> str:
    """``2026-11-01T00:00:00Z`` (milliseconds only when present)."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


@dataclass(frozen=True)
class Window:
    """The half-open interval ``[start, end)`` a metric covers (``end`` is the run's as-of)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.start >= self.end:
            raise ValueError("a window must start before it ends")

    @classmethod
    def ending(cls, as_of: datetime | None = None, length: timedelta = DEFAULT_WINDOW) -> Window:
        """The window of ``length`` ending at ``as_of`` (default: now, UTC, to the second)."""
        if as_of is None:  # "now" to the second: as_of and the window then read the same everywhere
            end = datetime.now(UTC).replace(microsecond=0)
        else:  # CRM times have millisecond resolution
            end = as_of.astimezone(UTC)
            end = end.replace(microsecond=end.microsecond // 1000 * 1000)
        return cls(end - length, end)

    @classmethod
    def from_options(cls, window: str | None, as_of: str | None) -> Window:
        """The window the CLI's ``--window``/``--as-of`` describe (defaults: 30 days ending now)."""
        length = parse_window(window) if window else DEFAULT_WINDOW
        return cls.ending(parse_as_of(as_of) if as_of else None, length)

    @property
    def length(self) -> timedelta:
        """``end − start``."""
        return self.end - self.start

    @property
    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - self.length, self.start)

    def contains(self, instant: datetime) -> bool:
        """``start <= instant < end``."""
        return self.start <= instant < self.end

    def iso(self) -> str:
        """ISO-8601 interval, e.g. ``2026-10-02T00:00:00Z/2026-11-01T00:00:00Z``."""
        return f"{iso_instant(self.start)}/{iso_instant(self.end)}"
