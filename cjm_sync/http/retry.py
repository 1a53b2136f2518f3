"""Bounded, explicit retries run with tenacity.

Only outcomes the resolution table marks RETRY or RATE_LIMITED are retried (429, 5xx, transport errors),
never a bare ``Exception``. The wait honours the server through a :data:`~cjm_sync.http.rules.DelayRule`
(by default ``Retry-After``, seconds or HTTP-date; a connector hands its vendor's rule), else exponential
backoff with jitter. An answer the :data:`~cjm_sync.http.rules.GiveUpRule` names (a daily quota) is not
retried. Attempts and total time are both capped.

Tests call :func:`set_testing` (``True``) so that every wait is zero.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, retry_if_result

from cjm_sync.http.resolution import RETRYABLE, Resolution
from cjm_sync.http.rules import DelayRule, GiveUpRule, never_give_up, retry_after

_testing = False


def set_testing(enabled: bool) -> None:
    """Make every retry wait zero (for test suites; use an autouse fixture)."""
    global _testing  # noqa: PLW0603 - a process-wide switch, like stamina's
    _testing = enabled


def is_testing() -> bool:
    """Whether :func:`set_testing` is on."""
    return _testing


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``jitter`` is the maximum random seconds added to a backoff."""

    max_attempts: int = 5
    max_total_seconds: float = 120.0
    base_backoff: float = 1.0
    max_backoff: float = 30.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.max_total_seconds, self.base_backoff, self.max_backoff, self.jitter) < 0:
            raise ValueError("retry durations must not be negative")

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter after the ``attempt``-th failure (1-based)."""
        exponential = min(self.max_backoff, self.base_backoff * 2.0 ** (attempt - 1))
        return exponential + random.uniform(0, self.jitter)  # noqa: S311 - jitter, not cryptography


@dataclass(frozen=True)
class RetryEvent:
    """Reported before each retry sleep."""

    attempt: int
    wait: float
    resolution: Resolution


def run_with_retry(
    send: Callable[[], httpx.Response],
    policy: RetryPolicy,
    *,
    resolve: Callable[[httpx.Response | BaseException], Resolution],
    on_retry: Callable[[RetryEvent], None],
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    delay_for: DelayRule | None = None,
    give_up: GiveUpRule | None = None,
) -> httpx.Response:
    """Call ``send`` until its outcome is not retryable or the policy is spent.

    Returns the last response (which may still be a retryable one once the budget is spent); re-raises
    the last exception if the last attempt raised.
    """
    started = clock()

    delay_rule = delay_for or retry_after
    stop_rule = give_up or never_give_up

    def wants_retry(response: httpx.Response) -> bool:
        return resolve(response).action in RETRYABLE and stop_rule(response) is None

    def wait(state: RetryCallState) -> float:
        if _testing:
            return 0.0
        response = _response_of(state)
        delay = delay_rule(response, clock()) if response is not None else None
        return delay if delay is not None else policy.backoff(state.attempt_number)

    def stop(state: RetryCallState) -> bool:
        out_of_attempts = state.attempt_number >= policy.max_attempts
        return out_of_attempts or clock() - started + state.upcoming_sleep > policy.max_total_seconds

    def before_sleep(state: RetryCallState) -> None:
        outcome = _response_of(state) or _exception_of(state)
        assert outcome is not None
        on_retry(RetryEvent(state.attempt_number, state.upcoming_sleep, resolve(outcome)))

    retrying = Retrying(
        retry=retry_if_result(wants_retry) | retry_if_exception(lambda exc: resolve(exc).action in RETRYABLE),
        wait=wait,
        stop=stop,
        sleep=sleep,
        before_sleep=before_sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    response: httpx.Response = retrying(send)
    return response


def _response_of(state: RetryCallState) -> httpx.Response | None:
    if state.outcome is None or state.outcome.failed:
        return None
    result = state.outcome.result()
    return result if isinstance(result, httpx.Response) else None


def _exception_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None and state.outcome.failed else None
