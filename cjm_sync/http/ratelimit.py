"""Client-side rate limiters, so that we slow down before the vendor answers 429.

``acquire(credits)`` blocks (through an injectable ``sleep``) until the call fits in the budget and
returns the seconds waited; ``observe(budget)`` feeds the vendor's view of the budget back in (a
:class:`~cjm_sync.http.rules.Budget` the connector's header reader made from a response). A
:class:`BucketedLimiter` keeps one limiter per kind of call (a search endpoint with its own per-second
limit beside the general one); each request names its bucket.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol

from cjm_sync.http.rules import Budget

DEFAULT_BUCKET = "default"
"""The bucket of a request that names none (and of one that names a bucket the limiter lacks)."""


class RateLimiter(Protocol):
    """What :class:`~cjm_sync.http.client.ApiClient` needs from a limiter."""

    def acquire(self, credits: int, before_wait: Callable[[float], None] | None = None) -> float:
        """Block until a call costing ``credits`` may be sent; return the seconds waited. ``before_wait``
        is told how long it will wait before it does."""
        ...

    def observe(self, budget: Budget) -> None:
        """Learn the remaining budget from what a response said."""
        ...


class CreditRateLimiter:
    """A credit budget per fixed window (e.g. 100,000 credits per minute, each call costing its credits).

    The budget is tracked locally and corrected from each observed :class:`Budget` (its ``limit``,
    ``remaining`` and ``reset_at`` epoch seconds, else ``resets_in``). Within one window the lower of
    the local and the server count wins, because calls still in flight are already deducted locally but
    not yet counted by the server; a budget for a window that has already ended (a concurrent call
    answered late) is ignored.
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

    def observe(self, budget: Budget) -> None:
        """Take the server's count for the window ending at ``budget.reset_at`` (or in ``resets_in``)."""
        with self._lock:
            now = self._clock()
            if budget.reset_at is not None:
                reset_at = budget.reset_at
            elif budget.resets_in is not None:
                reset_at = now + budget.resets_in
            else:
                return
            remaining, limit = budget.remaining, budget.limit or self._budget
            if reset_at <= now:
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
    """At most ``max_requests`` per sliding ``interval_seconds``; each call counts as one request
    whatever its credits.

    An observed :class:`Budget` sets ``max_requests`` from its ``limit`` and, when ``remaining`` is 0,
    holds every further call for ``resets_in`` seconds (else one interval): the server has said the
    window is spent, whatever the local count believes.
    """

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
        self._hold_lock = threading.Lock()
        self._hold_until = 0.0

    @property
    def max_requests(self) -> int:
        """Requests allowed per interval (as configured, or as the server last said)."""
        return self._max

    def acquire(self, credits: int = 1, before_wait: Callable[[float], None] | None = None) -> float:
        """Wait out a server-announced empty budget, then until one more request fits in the interval;
        return the seconds waited (``before_wait`` is told each wait before it starts)."""
        del credits  # counted per request
        with self._hold_lock:
            held = max(0.0, self._hold_until - self._clock())
            if held:
                if before_wait is not None:
                    before_wait(held)
                self._sleep(held)
        return held + self._acquire_slot(before_wait)

    def _acquire_slot(self, before_wait: Callable[[float], None] | None) -> float:
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

    def observe(self, budget: Budget) -> None:
        """Take the server's limit; on an empty budget hold calls for ``resets_in`` (else one interval)."""
        if budget.limit is not None and budget.limit > 0:
            self._max = budget.limit
        if budget.remaining <= 0:
            hold = budget.resets_in if budget.resets_in is not None else self._interval
            with self._hold_lock:
                self._hold_until = max(self._hold_until, self._clock() + hold)


class BucketedLimiter:
    """One limiter per kind of call: ``BucketedLimiter({"default": burst, "search": per_second})``.

    A request is counted only in the bucket it names (see ``ApiClient.request(bucket=...)``); a request
    naming no bucket, or one this limiter lacks, goes to ``default`` (unlimited if there is none).
    Budgets learnt from a response go to the bucket its request was counted in.
    """

    def __init__(self, buckets: Mapping[str, RateLimiter], *, default: str = DEFAULT_BUCKET) -> None:
        self._buckets = dict(buckets)
        self._default = default

    @property
    def buckets(self) -> Mapping[str, RateLimiter]:
        """The limiters by bucket name."""
        return dict(self._buckets)

    def bucket_for(self, name: str | None) -> RateLimiter | None:
        """The limiter a request naming ``name`` is counted in, or ``None`` (unlimited)."""
        return self._buckets.get(name or self._default) or self._buckets.get(self._default)

    def acquire(
        self, credits: int, before_wait: Callable[[float], None] | None = None, *, bucket: str | None = None
    ) -> float:
        """Acquire ``credits`` in ``bucket``'s limiter; return the seconds waited (0.0 when unlimited)."""
        limiter = self.bucket_for(bucket)
        return limiter.acquire(credits, before_wait) if limiter is not None else 0.0

    def observe(self, budget: Budget, *, bucket: str | None = None) -> None:
        """Feed ``budget`` to ``bucket``'s limiter (nothing when unlimited)."""
        limiter = self.bucket_for(bucket)
        if limiter is not None:
            limiter.observe(budget)
