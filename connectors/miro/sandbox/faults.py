"""Injectable failures (HTTP errors, timeouts, dropped connections) and latency."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass
from enum import Enum

__all__ = ["Fault", "FaultKind", "Faults", "Latency"]


class FaultKind(Enum):
    """How a faulted request fails."""

    STATUS = "status"
    TIMEOUT = "timeout"
    DISCONNECT = "disconnect"


@dataclass
class Fault:
    """A rule: the next ``times`` requests matching ``method`` and the ``path`` glob fail.

    ``skip`` lets that many matching requests through first. ``after_commit`` (timeouts and
    disconnects only) fails *after* the request took effect: the client never sees the answer.
    ``times=None`` fails forever.
    """

    kind: FaultKind
    status: int = 503
    method: str = "*"
    path: str = "*"
    times: int | None = 1
    skip: int = 0
    after_commit: bool = False
    stall_seconds: float = 30.0

    @classmethod
    def http(cls, status: int, method: str = "*", path: str = "*", *, times: int | None = 1, skip: int = 0) -> Fault:
        """Answer with ``status`` (429, 500, 502, 503, ...) without touching state."""
        return cls(FaultKind.STATUS, status, method, path, times=times, skip=skip)

    @classmethod
    def timeout(
        cls,
        method: str = "*",
        path: str = "*",
        *,
        times: int | None = 1,
        skip: int = 0,
        after_commit: bool = False,
        stall_seconds: float = 30.0,
    ) -> Fault:
        """``httpx.ReadTimeout`` in-process; the server stalls ``stall_seconds`` and closes."""
        return cls(FaultKind.TIMEOUT, 0, method, path, times, skip, after_commit, stall_seconds)

    @classmethod
    def disconnect(
        cls, method: str = "*", path: str = "*", *, times: int | None = 1, skip: int = 0, after_commit: bool = False
    ) -> Fault:
        """``httpx.RemoteProtocolError`` in-process; the server closes the socket without answering."""
        return cls(FaultKind.DISCONNECT, 0, method, path, times, skip, after_commit)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule covers the request."""
        return fnmatch.fnmatchcase(method.upper(), self.method.upper()) and fnmatch.fnmatchcase(path, self.path)


class Faults:
    """An ordered rule list; the first live matching rule fires."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Queue a rule and return it."""
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Drop all rules."""
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, consuming one use of its rule."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None


@dataclass
class Latency:
    """Per-request delay: ``fixed`` seconds plus a seeded uniform ``jitter`` in ``[0, jitter)``."""

    fixed: float = 0.0
    jitter: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()

    def next_delay(self) -> float:
        """The delay for the next request."""
        with self._lock:
            return self.fixed + (self._random.uniform(0, self.jitter) if self.jitter else 0.0)
