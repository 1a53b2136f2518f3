"""HubSpot's rate-limit rules, handed to the shared HTTP core: the burst limit learnt from
``X-HubSpot-RateLimit-*`` headers (search answers carry none and has its own 5/s bucket in
:class:`~connectors.hubspot.client.HubSpotClient`), the wait each 429 policy asks for, and DAILY as the
answer no wait fixes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx

from cjm_sync.http import CallKind, RequestRateLimiter, default_cost


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

    def acquire(self, credits: int = 1, before_wait: Callable[[float], None] | None = None) -> float:
        """Wait out a server-announced empty budget, then the local window (``before_wait`` is told
        each wait before it starts). A call of 0 credits — a search (:func:`cost`) — takes nothing from
        the burst budget: HubSpot limits search apart (5/s, paced by the client)."""
        if credits == 0:
            return 0.0
        with self._hold_lock:
            waited = max(0.0, self._hold_until - self._now())
            if waited:
                if before_wait is not None:
                    before_wait(waited)
                self._pause(waited)
        return waited + super().acquire(credits, before_wait)

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


def cost(method: str, path: str) -> tuple[CallKind, int]:
    """HubSpot's cost of a call for the burst limiter: a search (``POST …/search``) costs 0 — it has its
    own bucket — every other call 1."""
    if method.upper() == "POST" and path.rstrip("/").endswith("/search"):
        return CallKind.SEARCH, 0
    return default_cost(method, path)


def _policy(response: httpx.Response) -> str | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return str(body.get("policyName")) if isinstance(body, dict) and body.get("policyName") else None


def retry_delay(response: httpx.Response, now: float) -> float | None:
    """How long HubSpot asks us to wait: ``Retry-After`` if sent; on a 429 the policy's interval —
    ``X-HubSpot-RateLimit-Interval-Milliseconds`` (10 s) for ``TEN_SECONDLY_ROLLING``, one second for
    search's ``SECONDLY`` (sent without headers). ``None`` otherwise (the core backs off)."""
    del now
    if "Retry-After" in response.headers and response.headers["Retry-After"].strip().isdigit():
        return float(response.headers["Retry-After"])
    if response.status_code != 429:
        return None
    policy = _policy(response)
    if policy == "SECONDLY":
        return 1.0
    if policy == "TEN_SECONDLY_ROLLING":
        try:
            return float(response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")) / 1000
        except ValueError:
            return 10.0
    return None


def is_daily(response: httpx.Response) -> bool:
    """A 429 of the ``DAILY`` policy: waiting seconds will not help, the run stops."""
    return response.status_code == 429 and _policy(response) == "DAILY"
