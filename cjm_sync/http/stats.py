"""Per-run call statistics: how many API calls of which kind, retries, rate-limit waits, credits."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class CallKind(StrEnum):
    """What an API call does; the connector's cost function decides."""

    LIST = "list"
    SEARCH = "search"
    GET = "get"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    BULK = "bulk"
    TAG = "tag"
    AUTH = "auth"
    OTHER = "other"


@dataclass
class _Counters:
    by_kind: Counter[CallKind] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0
    credits: int = 0

    def copy(self) -> _Counters:
        return _Counters(
            Counter(self.by_kind),
            Counter(self.by_method),
            self.retries,
            self.rate_limit_waits,
            self.rate_limit_wait_seconds,
            self.credits,
        )

    def add(self, other: _Counters) -> None:
        self.by_kind.update(other.by_kind)
        self.by_method.update(other.by_method)
        self.retries += other.retries
        self.rate_limit_waits += other.rate_limit_waits
        self.rate_limit_wait_seconds += other.rate_limit_wait_seconds
        self.credits += other.credits


class CallStats:
    """Thread-safe counters for one run; combine several with :meth:`merge`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters = _Counters()

    def record_call(self, kind: CallKind, method: str, credits: int = 0) -> None:
        """Count one HTTP exchange on the wire."""
        with self._lock:
            self._counters.by_kind[kind] += 1
            self._counters.by_method[method.upper()] += 1
            self._counters.credits += credits

    def record_retry(self) -> None:
        """Count one retry (a call that is about to be sent again)."""
        with self._lock:
            self._counters.retries += 1

    def record_rate_limit_wait(self, seconds: float) -> None:
        """Count one wait imposed by a rate limit (the client-side limiter or a server 429)."""
        with self._lock:
            self._counters.rate_limit_waits += 1
            self._counters.rate_limit_wait_seconds += seconds

    def calls(self, kind: CallKind | None = None) -> int:
        """Calls of one kind, or of every kind."""
        with self._lock:
            by_kind = self._counters.by_kind
            return by_kind[kind] if kind else sum(by_kind.values())

    def merge(self, other: CallStats) -> None:
        """Add ``other``'s counters to this one."""
        with other._lock:
            snapshot = other._counters.copy()
        with self._lock:
            self._counters.add(snapshot)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready snapshot with a stable shape (every kind is present)."""
        with self._lock:
            c = self._counters
            return {
                "calls": sum(c.by_kind.values()),
                "by_kind": {kind.value: c.by_kind[kind] for kind in CallKind},
                "by_method": dict(sorted(c.by_method.items())),
                "retries": c.retries,
                "rate_limit_waits": c.rate_limit_waits,
                "rate_limit_wait_seconds": round(c.rate_limit_wait_seconds, 3),
                "credits": c.credits,
            }

    def __repr__(self) -> str:
        return f"CallStats({self.to_dict()})"
