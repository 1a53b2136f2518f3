"""Pull the vendor's own explanation out of an error response body."""

from __future__ import annotations

import json

import httpx

_MAX_TEXT = 300


def _join(*parts: object) -> str:
    return ": ".join(str(p) for p in parts if p not in (None, ""))


def _details(entries: object, key: str) -> str:
    if not isinstance(entries, list):
        return ""
    texts = [_join(e.get(key), e.get("message")) if isinstance(e, dict) else str(e) for e in entries if e is not None]
    return "; ".join(t for t in texts if t)


def vendor_message(response: httpx.Response) -> str:
    """The vendor's message for an error response (possibly empty); callers redact it.

    Understands Miro ``{type:"error", code, message, context:{fields}}``, HubSpot
    ``{category, message, errors:[...]}``, OData ``{error:{code, message}}`` and OAuth
    ``{error, error_description}``; anything else is returned as (truncated) text.
    """
    try:
        body = json.loads(response.content)
    except ValueError:
        return response.text.strip()[:_MAX_TEXT]
    if not isinstance(body, dict):
        return str(body)[:_MAX_TEXT]
    error = body.get("error")
    if isinstance(error, dict):
        return _join(error.get("code"), error.get("message"))
    if isinstance(error, str):
        return _join(error, body.get("error_description"))
    context = body.get("context")
    fields = _details(context.get("fields"), "field") if isinstance(context, dict) else ""
    details = _details(body.get("errors"), "in") or fields
    head = _join(body.get("code") or body.get("category"), body.get("message"))
    text = f"{head} ({details})" if head and details else head or details
    return text[: _MAX_TEXT * 2]
