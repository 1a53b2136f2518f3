"""Dataverse service protection: per user, a sliding window of requests and of execution time, and an
immediate limit on concurrent requests. Answers 429 with ``Retry-After`` (seconds) and the documented codes.

Requests refused while over the limit still count, so hammering extends ``Retry-After`` as on Dataverse.
``throttle(count, retry_after, code)`` injects 429s for tests and demos.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import CONCURRENCY_LIMIT, EXECUTION_TIME_LIMIT, REQUEST_COUNT_LIMIT, ODataError

__all__ = ["ServiceProtection"]

_MESSAGES = {
    REQUEST_COUNT_LIMIT: "Number of requests exceeded the limit of {limit} over time window of {window} seconds.",
    EXECUTION_TIME_LIMIT: "Combined execution time of incoming requests exceeded limit of {limit} milliseconds over "
    "time window of {window} seconds. Decrease number of concurrent requests or reduce the duration of requests "
    "and try again later.",
    CONCURRENCY_LIMIT: "Number of concurrent requests exceeded the limit of {limit}.",
}


@dataclass
class _User:
    times: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    peak_in_flight: int = 0


@dataclass
class ServiceProtection:
    """Limits per user: ``max_requests`` per ``window_seconds``, ``max_concurrent`` in flight."""

    max_requests: int = 6000
    window_seconds: float = 300.0
    max_concurrent: int = 52
    clock: Callable[[], float] = time.monotonic
    _users: dict[str, _User] = field(default_factory=dict)
    _injected: deque[tuple[int, str]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def throttle(self, count: int = 1, retry_after: int = 2, code: str = REQUEST_COUNT_LIMIT) -> None:
        """Answer the next ``count`` requests with 429 ``Retry-After: retry_after`` and ``code``."""
        with self._lock:
            self._injected.extend([(retry_after, code)] * count)

    def peak_concurrency(self, user: str) -> int:
        """The most requests ``user`` ever had in flight at once."""
        return self._users.get(user, _User()).peak_in_flight

    def enter(self, user: str) -> dict[str, str]:
        """Admit one request (raise the 429 :class:`ODataError` when over a limit); return info headers."""
        with self._lock:
            state = self._users.setdefault(user, _User())
            if self._injected:
                retry_after, code = self._injected.popleft()
                raise self._refuse(code, retry_after, self.max_requests)
            if state.in_flight >= self.max_concurrent:
                raise self._refuse(CONCURRENCY_LIMIT, 1, self.max_concurrent)
            now = self.clock()
            while state.times and state.times[0] <= now - self.window_seconds:
                state.times.popleft()
            state.times.append(now)
            if len(state.times) > self.max_requests:
                oldest = state.times[len(state.times) - self.max_requests - 1]
                wait = max(1, math.ceil(oldest + self.window_seconds - now))
                raise self._refuse(REQUEST_COUNT_LIMIT, wait, self.max_requests)
            state.in_flight += 1
            state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            return {
                "x-ms-ratelimit-burst-remaining-xrm-requests": str(max(0, self.max_requests - len(state.times))),
                "x-ms-ratelimit-time-remaining-xrm-requests": "1,200,000.00",
            }

    def leave(self, user: str) -> None:
        """One admitted request of ``user`` finished."""
        with self._lock:
            self._users[user].in_flight -= 1

    def _refuse(self, code: str, retry_after: int, limit: int) -> ODataError:
        message = _MESSAGES[code].format(limit=limit, window=int(self.window_seconds))
        return ODataError(429, code, message, {"Retry-After": str(retry_after)})
