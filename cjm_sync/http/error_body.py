"""Reading an error answer's explanation: the standard shapes, and helpers for a connector's own parser.

The core understands only shapes that are not any one vendor's: the OAuth 2.0 error body
``{error, error_description}`` (RFC 6749 §5.2), a top-level ``{code, message}`` and non-JSON text. A
connector whose vendor nests its explanation elsewhere passes its own parser in
:class:`~cjm_sync.http.rules.VendorRules` and builds it from :func:`json_object`, :func:`join`,
:func:`details` and :func:`with_details`, falling back to :func:`standard_message`.
"""

from __future__ import annotations

import json

import httpx

MAX_TEXT = 300
"""Characters kept of a non-JSON body; a JSON explanation keeps twice as many."""


def json_object(response: httpx.Response) -> dict[str, object] | None:
    """The body as a JSON object, or ``None`` (not JSON, or JSON that is not an object)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def join(*parts: object) -> str:
    """The non-empty parts joined by ``": "`` (``join("code", None, "text") == "code: text"``)."""
    return ": ".join(str(p) for p in parts if p not in (None, ""))


def details(entries: object, key: str) -> str:
    """``"<entry[key]>: <entry.message>; …"`` for a list of detail objects (``""`` if not a list)."""
    if not isinstance(entries, list):
        return ""
    texts = [join(e.get(key), e.get("message")) if isinstance(e, dict) else str(e) for e in entries if e is not None]
    return "; ".join(t for t in texts if t)


def with_details(head: str, detail: str) -> str:
    """``"head (detail)"``, or whichever is non-empty, cut to ``2 * MAX_TEXT`` characters."""
    text = f"{head} ({detail})" if head and detail else head or detail
    return text[: MAX_TEXT * 2]


def standard_message(response: httpx.Response) -> str:
    """The explanation in an error response, in the standard shapes (possibly empty; callers redact it).

    OAuth ``{error, error_description}`` → ``"error: description"``; ``{code, message}`` →
    ``"code: message"``; JSON that is not an object → its text; non-JSON → the body text, stripped and
    cut to :data:`MAX_TEXT` characters.
    """
    try:
        body = json.loads(response.content)
    except ValueError:
        return response.text.strip()[:MAX_TEXT]
    if not isinstance(body, dict):
        return str(body)[:MAX_TEXT]
    error = body.get("error")
    if isinstance(error, str):
        return join(error, body.get("error_description"))
    return with_details(join(body.get("code"), body.get("message")), "")
