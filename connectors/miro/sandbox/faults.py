"""Injectable failures (HTTP errors, timeouts, dropped connections) and latency."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass
from enum import Enum

__all__ = ["Fault", "FaultKind", "Faults", "Latency"]

_SPEC_KEYS = ("method", "path", "times", "skip", "rate", "after-commit", "stall")


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
    ``times=None`` fails forever. ``rate`` (0–1) makes a matching request fail only with that
    probability (seeded, see :class:`Faults`); requests let through do not use up ``times``.
    """

    kind: FaultKind
    status: int = 503
    method: str = "*"
    path: str = "*"
    times: int | None = 1
    skip: int = 0
    after_commit: bool = False
    stall_seconds: float = 30.0
    rate: float = 1.0

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """A rule from its command-line form ``KIND[:key=value,...]``.

        ``KIND`` is an HTTP status (``429``, ``500``, ``502``, ``503``, any 4xx/5xx), ``timeout`` or
        ``disconnect``; keys: ``method``, ``path`` (glob), ``times`` (a count or ``forever``; default 1,
        or forever with a ``rate``), ``skip``, ``rate`` (probability 0–1), ``after-commit`` (``true``/
        ``false``), ``stall`` (seconds a timeout holds the connection). Example:
        ``503:method=POST,path=/v2/boards/*/items/bulk,rate=0.1``. Raises ``ValueError`` naming the
        part of ``spec`` that is wrong.
        """
        kind_text, _, rest = spec.strip().partition(":")
        options: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            key, eq, value = part.partition("=")
            if not eq or key not in _SPEC_KEYS:
                raise ValueError(f"fault {spec!r}: {part!r} is not one of {', '.join(f'{k}=' for k in _SPEC_KEYS)}")
            options[key] = value
        try:
            rate = float(options.get("rate", "1"))
            times_text = options.get("times", "forever" if "rate" in options else "1")
            times = None if times_text == "forever" else int(times_text)
            skip = int(options.get("skip", "0"))
            stall = float(options.get("stall", "30"))
        except ValueError as exc:
            raise ValueError(f"fault {spec!r}: {exc}") from None
        after = options.get("after-commit", "false").lower()
        if after not in ("true", "false") or not 0.0 < rate <= 1.0 or (times is not None and times < 1) or skip < 0:
            raise ValueError(
                f"fault {spec!r}: need rate in (0, 1], times ≥ 1 or forever, skip ≥ 0, after-commit true|false"
            )
        method, path = options.get("method", "*"), options.get("path", "*")
        if kind_text in ("timeout", "disconnect"):
            kind = FaultKind(kind_text)
            return cls(kind, 0, method, path, times, skip, after == "true", stall, rate)
        if not (kind_text.isdigit() and 400 <= int(kind_text) <= 599) or after == "true":
            raise ValueError(f"fault {spec!r}: the kind is an HTTP status 400–599, 'timeout' or 'disconnect'")
        return cls(FaultKind.STATUS, int(kind_text), method, path, times, skip, rate=rate)

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
    """An ordered rule list; the first live matching rule fires (``seed`` drives rules with a ``rate``)."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security

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
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
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
