"""Dataverse's rate-limit and error rules, handed to the shared HTTP core as :data:`RULES` and
:func:`limiter`.

Source: learn.microsoft.com/power-apps/developer/data-platform/api-limits (``api-facts.md``):

- service protection allows 6,000 requests per user per web server in a sliding 5-minute window
  (:data:`REQUESTS_PER_WINDOW`, :data:`WINDOW_SECONDS`); the client keeps itself under that with a
  :class:`~cjm_sync.http.RequestRateLimiter` (a ``$batch`` counts as one request locally);
- a 429 carries ``Retry-After`` in seconds, honoured exactly — that is the core's standard rule, so
  :data:`RULES` keeps it; the ``x-ms-ratelimit-*-remaining`` headers are informational ("do not throttle
  on them"), so no header reader feeds the limiter;
- error bodies are OData's ``{"error": {"code", "message"}}`` (:func:`error_message`).
"""

from __future__ import annotations

import httpx

from cjm_sync.http import RequestRateLimiter, VendorRules
from cjm_sync.http.error_body import join, json_object, standard_message, with_details

REQUESTS_PER_WINDOW = 6000
"""Requests per user per web server in one window (service protection, "subject to change")."""
WINDOW_SECONDS = 300.0
"""The sliding window of :data:`REQUESTS_PER_WINDOW`: five minutes."""
NEXT_LINK = "@odata.nextLink"
"""Where an OData page names the next one (followed unchanged)."""


def error_message(response: httpx.Response) -> str:
    """``"code: message"`` from an OData error body; other bodies as the core reads them."""
    body = json_object(response)
    error = body.get("error") if body is not None else None
    if not isinstance(error, dict):
        return standard_message(response)
    return with_details(join(error.get("code"), error.get("message")), "")


RULES = VendorRules(display_name="Dynamics 365", error_message=error_message)
"""What the HTTP core needs to know about Dataverse (``Retry-After`` is the standard rule)."""


def limiter() -> RequestRateLimiter:
    """A fresh limiter for one client: :data:`REQUESTS_PER_WINDOW` per :data:`WINDOW_SECONDS`."""
    return RequestRateLimiter(REQUESTS_PER_WINDOW, WINDOW_SECONDS)
