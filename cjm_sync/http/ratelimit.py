"""Client-side rate limiters, so that we slow down before the vendor answers 429.

``acquire(credits)`` blocks (through an injectable ``sleep``) until the call fits in the budget and
returns the seconds waited; ``update(headers)`` feeds the vendor's view of the budget back in.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import httpx


class RateLimiter(Protocol):
    """What :class:`~cjm_sync.http.client.ApiClient` needs from a limiter."""

    def acquire(self, credits: int, before_wait: Callable[[float], None] | None = None) -> float:
        """Block until a call costing ``credits`` may be sent; return the seconds waited. ``before_wait``
        is told how long it will wait before it does."""
        ...

    def update(self, headers: httpx.Headers) -> None:
        """Learn the remaining budget from a response's headers."""
        ...


class CreditRateLimiter:
    """A credit budget per fixed window, e.g. Miro's 100,000 credits per minute.

    The budget is tracked locally and corrected from ``X-RateLimit-Limit``/``-Remaining``/``-Reset``
    (reset as epoch seconds). Within one window the lower of the local and the server count wins, because
    calls still in flight are already deducted locally but not yet counted by the server; headers of a
    window that has already ended (a concurrent call answered late) are ignored.
    """

    def __init__(
        self,
        budget: int = 100_000,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if budget <= 0 or window_seconds <= 0:
            raise ValueError("budget and window_seconds must be positive")
        self._budget = budget
        self._window = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._remaining = budget
        self._reset_at = clock() + window_seconds

    @property
    def remaining(self) -> int:
        """Credits believed to be left in the current window."""
        with self._lock:
            self._roll(self._clock())
            return self._remaining

    def acquire(self, credits: int, before_wait: Callable[[float], None] | None = None) -> float:
        """Block until ``credits`` fit in the window, deduct them and return the seconds waited
        (``before_wait`` is told the wait first)."""
        if credits > self._budget:
            raise ValueError(f"a call costing {credits} credits can never fit a budget of {self._budget}")
        with self._lock:
            now = self._clock()
            self._roll(now)
            waited = 0.0
            if credits > self._remaining:
                waited = max(0.0, self._reset_at - now)
                if before_wait is not None and waited > 0:
                    before_wait(waited)
                self._sleep(waited)
                self._remaining = self._budget
                self._reset_at = now + waited + self._window
            self._remaining -= credits
            return waited

    def update(self, headers: httpx.Headers) -> None:
        """Take the server's budget from Miro-style ``X-RateLimit-*`` headers when present."""
        try:
            remaining = int(headers["X-RateLimit-Remaining"])
            reset_at = float(headers["X-RateLimit-Reset"])
            limit = int(headers.get("X-RateLimit-Limit", self._budget))
        except (KeyError, ValueError):
            return
        with self._lock:
            if reset_at <= self._clock():
                return  # a late answer from a window that has ended (concurrent calls finish out of order)
            self._budget = limit
            if reset_at == self._reset_at:
                self._remaining = min(self._remaining, remaining)
            else:
                self._remaining, self._reset_at = remaining, reset_at

    def _roll(self, now: float) -> None:
        if now >= self._reset_at:
            self._remaining = self._budget
            self._reset_at = now + self._window


class RequestRateLimiter:
    """At most ``max_requests`` per sliding ``interval_seconds`` (HubSpot 100-190/10 s, search 5/s,
    Dataverse 6000/300 s). Each call counts as one request whatever its credits."""

    def __init__(
        self,
        max_requests: int,
        interval_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests <= 0 or interval_seconds <= 0:
            raise ValueError("max_requests and interval_seconds must be positive")
        self._max = max_requests
        self._interval = interval_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()

    def acquire(self, credits: int = 1, before_wait: Callable[[float], None] | None = None) -> float:
        """Block until one more request fits in the interval and return the seconds waited
        (``before_wait`` is told the wait first)."""
        del credits  # counted per request
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self._interval:
                self._sent.popleft()
            waited = 0.0
            if len(self._sent) >= self._max:
                waited = self._sent[0] + self._interval - now
                if before_wait is not None and waited > 0:
                    before_wait(waited)
                self._sleep(waited)
                now += waited
                self._sent.popleft()
            self._sent.append(now)
            return waited

    def update(self, headers: httpx.Headers) -> None:
        """Nothing to learn: the server's 429 answer is handled by the retry policy."""
        del headers
