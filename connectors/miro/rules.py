"""Miro's rate-limit and error rules, handed to the shared HTTP core as :data:`RULES`.

Source: developers.miro.com/reference/rate-limiting and the v2 OpenAPI spec (``specs/miro``):

- every answer carries ``X-RateLimit-Limit`` (credits per minute), ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset`` (epoch seconds when the window ends): :func:`read_budget` feeds them to the
  :class:`~cjm_sync.http.CreditRateLimiter` (100,000 credits per minute per user and app);
- a 429 waits for ``Retry-After`` when sent (not documented for Miro), else until ``X-RateLimit-Reset``
  (:func:`retry_delay`); no Miro answer means "give up";
- error bodies are ``{type: "error", status, code, message, context: {fields: [{field, message}]}}``
  (:func:`error_message`).
"""

from __future__ import annotations

import httpx

from cjm_sync.http import Budget, CreditRateLimiter, VendorRules, retry_after
from cjm_sync.http.error_body import details, join, json_object, standard_message, with_details

CREDITS_PER_MINUTE = 100_000
"""The global budget per user per app (developers.miro.com/reference/rate-limiting)."""


def read_budget(headers: httpx.Headers) -> Budget | None:
    """The credit window from ``X-RateLimit-Remaining``/``-Reset`` (and ``-Limit`` when sent); ``None``
    when either of the first two is missing or not a number."""
    try:
        remaining = int(headers["X-RateLimit-Remaining"])
        reset_at = float(headers["X-RateLimit-Reset"])
        limit = int(headers["X-RateLimit-Limit"]) if "X-RateLimit-Limit" in headers else None
    except (KeyError, ValueError):
        return None
    return Budget(remaining=remaining, limit=limit, reset_at=reset_at)


def retry_delay(response: httpx.Response, now: float) -> float | None:
    """Seconds to wait before retrying: ``Retry-After`` if sent and valid, else on a 429 the time until
    ``X-RateLimit-Reset`` (epoch seconds; 0.0 if past); ``None`` otherwise (the core backs off)."""
    delay = retry_after(response, now)
    if delay is not None or response.status_code != 429:
        return delay
    try:
        return max(0.0, float(response.headers["X-RateLimit-Reset"]) - now)
    except (KeyError, ValueError):
        return None


def error_message(response: httpx.Response) -> str:
    """``"code: message (field: message; …)"`` from a Miro error body; other bodies as the core reads them."""
    body = json_object(response)
    if body is None or "error" in body:
        return standard_message(response)
    context = body.get("context")
    fields = details(context.get("fields"), "field") if isinstance(context, dict) else ""
    return with_details(join(body.get("code"), body.get("message")), fields)


RULES = VendorRules(
    display_name="Miro",
    read_budget=read_budget,
    retry_delay=retry_delay,
    error_message=error_message,
)
"""What the HTTP core needs to know about Miro."""


def credit_limiter() -> CreditRateLimiter:
    """A fresh limiter for one client: :data:`CREDITS_PER_MINUTE` per 60-second window."""
    return CreditRateLimiter(CREDITS_PER_MINUTE, 60.0)
