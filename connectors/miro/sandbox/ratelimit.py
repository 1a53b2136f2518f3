"""Miro's credit budget: a fixed one-minute window per user (and app)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .clock import Clock

__all__ = ["LEVEL_1", "LEVEL_2", "LEVEL_3", "RateLimiter", "RateStatus"]

LEVEL_1, LEVEL_2, LEVEL_3 = 50, 100, 500
DEFAULT_CREDITS_PER_MINUTE = 100_000


@dataclass(frozen=True)
class RateStatus:
    """What the ``X-RateLimit-*`` headers report."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        """The three rate-limit response headers."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    """Credits per user per window; the window starts at the user's first request."""

    def __init__(self, clock: Clock, credits_per_minute: int = DEFAULT_CREDITS_PER_MINUTE, window: float = 60.0):
        self.limit = credits_per_minute
        self._clock = clock
        self._window = window
        self._buckets: dict[str, tuple[float, int]] = {}  # user -> (window end, credits used)

    def charge(self, user: str, credits: int) -> tuple[bool, RateStatus]:
        """Spend ``credits`` if the budget allows; a refused request spends nothing."""
        end, used = self._bucket(user)
        allowed = used + credits <= self.limit
        if allowed:
            used += credits
            self._buckets[user] = (end, used)
        return allowed, RateStatus(self.limit, self.limit - used, math.ceil(end))

    def status(self, user: str) -> RateStatus:
        """The current budget without spending."""
        end, used = self._bucket(user)
        return RateStatus(self.limit, self.limit - used, math.ceil(end))

    def _bucket(self, user: str) -> tuple[float, int]:
        now = self._clock.now()
        end, used = self._buckets.get(user, (0.0, 0))
        if now >= end:
            end, used = now + self._window, 0
            self._buckets[user] = (end, used)
        return end, used
