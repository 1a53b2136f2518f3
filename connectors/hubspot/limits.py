"""HubSpot's burst limit, learnt from ``X-HubSpot-RateLimit-*`` headers (search answers carry none and has
its own 5/s bucket in :class:`~connectors.hubspot.client.HubSpotClient`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from cjm_sync.http import RequestRateLimiter


class BurstLimiter(RequestRateLimiter):
    """A sliding 10-second window (the app's burst limit); ``update`` takes ``-Max`` as the budget and,
    when ``-Remaining`` reaches 0, holds further calls for ``-Interval-Milliseconds``."""

    def __init__(
        self,
        max_requests: int = 100,
        interval_seconds: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(max_requests, interval_seconds, clock=clock, sleep=sleep)
        self._hold_until = 0.0
        self._hold_lock = threading.Lock()
        self._now, self._pause = clock, sleep

    def acquire(self, credits: int = 1) -> float:
        """Wait out a server-announced empty budget, then the local window."""
        with self._hold_lock:
            waited = max(0.0, self._hold_until - self._now())
            if waited:
                self._pause(waited)
        return waited + super().acquire(credits)

    def update(self, headers: httpx.Headers) -> None:
        """Learn the budget from HubSpot's headers (absent on search responses)."""
        try:
            remaining = int(headers["X-HubSpot-RateLimit-Remaining"])
            interval = float(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")) / 1000
            limit = int(headers.get("X-HubSpot-RateLimit-Max", "0"))
        except (KeyError, ValueError):
            return
        if limit > 0:
            self._max = limit
        if remaining <= 0:
            with self._hold_lock:
                self._hold_until = max(self._hold_until, self._now() + interval)
