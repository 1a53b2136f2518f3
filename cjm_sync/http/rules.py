"""What a connector tells the HTTP core about its vendor's API: :class:`VendorRules`.

The core knows only standard HTTP: ``Retry-After`` (delay-seconds or an HTTP-date, RFC 9110 §10.2.3),
exponential backoff with jitter when the server names no delay, the OAuth 2.0 error body (RFC 6749
§5.2) and a top-level ``code``/``message``. Everything a vendor adds — a rate-limit header family, a
quota answer no wait fixes, an error-body layout, the name users know it by — comes in one
:class:`VendorRules` object that each connector builds in its own ``rules``/``limits`` module and hands
to :class:`~cjm_sync.http.client.ApiClient`::

    connector ──VendorRules──▶ ApiClient
       read_budget(headers) ─▶ Budget ─▶ limiter.observe()      (slow down before a 429)
       retry_delay(response, now) ─▶ seconds | None              (None: the core's backoff)
       give_up(response) ─▶ reason | None                        (a retryable status no wait fixes)
       error_message(response) ─▶ text                           (the vendor's own words, redacted later)
       display_name ─▶ "waiting 60 s for <name>'s rate limit"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from cjm_sync.http.error_body import standard_message


@dataclass(frozen=True)
class Budget:
    """What one response says about the rate-limit budget of the bucket its request was counted in.

    ``remaining`` calls or credits are left of ``limit`` (``None``: the response does not say). The
    window ends at ``reset_at`` (epoch seconds, a fixed window's reset timestamp) or ``resets_in``
    seconds after the response (a rolling window's interval); a limiter uses whichever it needs and
    derives it from the other if only that one is given.
    """

    remaining: int
    limit: int | None = None
    reset_at: float | None = None
    resets_in: float | None = None


BudgetReader = Callable[[httpx.Headers], "Budget | None"]
"""``headers -> Budget`` read from a response's rate-limit headers, or ``None`` when it carries none."""
DelayRule = Callable[[httpx.Response, float], "float | None"]
"""``(response, now epoch seconds) -> seconds`` the server asks to wait before a retry, or ``None``
(then the core's exponential backoff)."""
GiveUpRule = Callable[[httpx.Response], "str | None"]
"""``response -> reason`` when a retryable-looking answer is one that waiting will not fix (a daily
quota), e.g. ``"daily API limit reached; …"``; ``None`` otherwise. The reason leads the error message."""
ErrorParser = Callable[[httpx.Response], str]
"""``response -> text``: the vendor's own explanation of an error answer (possibly empty; the client
redacts it)."""


def retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds from a ``Retry-After`` header: delay-seconds, or an HTTP-date (a past date gives 0.0).

    ``now`` is epoch seconds. ``None`` when the header is absent or malformed (RFC 9110 §10.2.3).
    """
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if re.fullmatch(r"[0-9]+", value.strip()):  # ASCII digits only ("²".isdigit() is true)
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def never_give_up(response: httpx.Response) -> str | None:
    """The standard rule: every retryable status is worth retrying (always ``None``)."""
    del response
    return None


@dataclass(frozen=True)
class VendorRules:
    """A connector's rules for its vendor's API (see the module docstring); the defaults are standard HTTP.

    ``display_name`` names the vendor in user-facing messages (``None``: the connector's name);
    ``read_budget`` feeds the client's rate limiter from response headers (``None``: headers teach it
    nothing); ``retry_delay``, ``give_up`` and ``error_message`` as typed above.
    """

    display_name: str | None = None
    read_budget: BudgetReader | None = None
    retry_delay: DelayRule = retry_after
    give_up: GiveUpRule = never_give_up
    error_message: ErrorParser = standard_message


STANDARD_RULES = VendorRules()
"""Plain HTTP: ``Retry-After``, backoff with jitter, OAuth/``code``+``message`` error bodies."""
