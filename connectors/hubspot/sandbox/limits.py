"""The sandbox's rate limits, as HubSpot applies them: a burst budget per 10 seconds (with the
``X-HubSpot-RateLimit-*`` headers), search's own 5 requests per second (no headers), and a daily budget.
A 429 names its ``policyName`` (``TEN_SECONDLY_ROLLING``, ``SECONDLY``, ``DAILY``)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

TEN_SECONDS_MS = 10_000


@dataclass
class RateLimits:
    """Budgets and counters; ``clock`` is monotonic seconds (injectable for tests)."""

    burst: int = 190
    search_per_second: int = 5
    daily: int = 1_000_000
    clock: Callable[[], float] = time.monotonic
    used_today: int = 0
    _burst: deque[float] = field(default_factory=deque)
    _search: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, search: bool) -> tuple[str | None, dict[str, str]]:
        """``(policy that refuses the call or None, headers to send)`` — counts the call if admitted."""
        with self._lock:
            now = self.clock()
            if self.used_today >= self.daily:
                return "DAILY", self._headers(search)
            window, limit, span = (
                (self._search, self.search_per_second, 1.0)
                if search
                else (self._burst, self.burst, TEN_SECONDS_MS / 1000)
            )
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                return ("SECONDLY" if search else "TEN_SECONDLY_ROLLING"), self._headers(search)
            window.append(now)
            self.used_today += 1
            return None, self._headers(search)

    def _headers(self, search: bool) -> dict[str, str]:
        if search:
            return {}  # search responses carry no rate-limit headers
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily - self.used_today)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(TEN_SECONDS_MS),
            "X-HubSpot-RateLimit-Max": str(self.burst),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.burst - len(self._burst))),
        }

    def reset_daily(self) -> None:
        """Midnight in the account's time zone: the daily budget starts again."""
        with self._lock:
            self.used_today = 0
