"""HubSpot's rate-limit and error rules, handed to the shared HTTP core as :data:`RULES` and
:func:`limiter`.

Source: developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines (``api-facts.md``):

- the burst limit (per app, e.g. 100 or 190 requests per 10 s) is announced by
  ``X-HubSpot-RateLimit-Max``/``-Remaining``/``-Interval-Milliseconds``: :func:`read_budget` feeds them
  to the ``default`` bucket's :class:`~cjm_sync.http.RequestRateLimiter`, which holds calls for the
  interval once ``-Remaining`` reaches 0;
- search (``POST …/search``) has its own limit, 5 requests/s per account, apart from the burst limit:
  search calls are counted only in the ``search`` bucket (:data:`SEARCH_BUCKET`) — they do not count
  against the burst limit and their answers carry no ``X-HubSpot-RateLimit-*`` headers to learn from;
- a 429 body names its ``policyName``: ``TEN_SECONDLY_ROLLING`` waits the interval, search's
  ``SECONDLY`` one second, ``DAILY`` is not retried at all (:func:`retry_delay`, :func:`daily_reason`);
- error bodies are ``{category, message, errors: [{message, in}], …}`` (:func:`error_message`).
"""

from __future__ import annotations

import httpx

from cjm_sync.http import BucketedLimiter, Budget, RequestRateLimiter, VendorRules, retry_after
from cjm_sync.http.error_body import details, join, json_object, standard_message, with_details
from cjm_sync.http.ratelimit import DEFAULT_BUCKET

SEARCH_BUCKET = "search"
"""The rate-limit bucket of search calls (``ApiClient.request(bucket=SEARCH_BUCKET)``)."""
BURST_INTERVAL = 10.0
"""Seconds of the burst limit's rolling window."""
DAILY_REASON = "daily API limit reached; not retried, resume after the daily reset"


def _policy(response: httpx.Response) -> str | None:
    body = json_object(response)
    return str(body["policyName"]) if body is not None and body.get("policyName") else None


def read_budget(headers: httpx.Headers) -> Budget | None:
    """The burst window from ``X-HubSpot-RateLimit-Remaining`` (with ``-Max`` as the limit and
    ``-Interval-Milliseconds``, default 10,000, as ``resets_in``); ``None`` without ``-Remaining``."""
    try:
        remaining = int(headers["X-HubSpot-RateLimit-Remaining"])
        interval = float(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")) / 1000
        limit = int(headers.get("X-HubSpot-RateLimit-Max", "0"))
    except (KeyError, ValueError):
        return None
    return Budget(remaining=remaining, limit=limit if limit > 0 else None, resets_in=interval)


def retry_delay(response: httpx.Response, now: float) -> float | None:
    """How long HubSpot asks us to wait: ``Retry-After`` if sent (seconds or HTTP-date; HubSpot does not
    document it); on a 429 by policy — search's ``SECONDLY`` one second (sent without headers),
    ``TEN_SECONDLY_ROLLING`` or an unnamed policy ``X-HubSpot-RateLimit-Interval-Milliseconds`` (10 s
    when ``TEN_SECONDLY_ROLLING`` comes without it), ``DAILY`` nothing. ``None``: the core backs off."""
    delay = retry_after(response, now)
    if delay is not None or response.status_code != 429:
        return delay
    policy = _policy(response)
    if policy == "SECONDLY":
        return 1.0
    if policy == "DAILY":
        return None
    try:
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if interval is not None:
            return float(interval) / 1000
    except ValueError:
        pass
    return BURST_INTERVAL if policy == "TEN_SECONDLY_ROLLING" else None


def is_daily(response: httpx.Response) -> bool:
    """A 429 of the ``DAILY`` policy: waiting seconds will not help, the run stops."""
    return response.status_code == 429 and _policy(response) == "DAILY"


def daily_reason(response: httpx.Response) -> str | None:
    """The give-up rule: :data:`DAILY_REASON` for a ``DAILY`` 429, else ``None``."""
    return DAILY_REASON if is_daily(response) else None


def error_message(response: httpx.Response) -> str:
    """``"category: message (in: message; …)"`` from a HubSpot error body; other bodies as the core reads
    them."""
    body = json_object(response)
    if body is None or "error" in body:
        return standard_message(response)
    head = join(body.get("code") or body.get("category"), body.get("message"))
    return with_details(head, details(body.get("errors"), "in"))


RULES = VendorRules(
    display_name="HubSpot",
    read_budget=read_budget,
    retry_delay=retry_delay,
    give_up=daily_reason,
    error_message=error_message,
)
"""What the HTTP core needs to know about HubSpot."""


def limiter(burst_per_interval: int, search_per_second: int) -> BucketedLimiter:
    """The client's limiter: ``default`` = the burst limit per 10 s, ``search`` = searches per second."""
    return BucketedLimiter(
        {
            DEFAULT_BUCKET: RequestRateLimiter(burst_per_interval, BURST_INTERVAL),
            SEARCH_BUCKET: RequestRateLimiter(search_per_second, 1.0),
        }
    )
