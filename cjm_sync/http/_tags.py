"""Request extensions that carry a call's kind, credit cost and rate-limit bucket from whoever builds it
to the client's hooks."""

from __future__ import annotations

import httpx

from cjm_sync.http.stats import CallKind

KIND = "cjm_sync.kind"
CREDITS = "cjm_sync.credits"
STARTED = "cjm_sync.started"
BUCKET = "cjm_sync.bucket"


def tags(kind: CallKind, credits: int, bucket: str | None = None) -> dict[str, object]:
    """Extensions to pass to ``httpx.Client.build_request`` / ``httpx.Request``."""
    extensions: dict[str, object] = {KIND: kind, CREDITS: credits}
    if bucket is not None:
        extensions[BUCKET] = bucket
    return extensions


def kind_of(request: httpx.Request) -> tuple[CallKind, int] | None:
    """The tags set on ``request``, if any."""
    kind = request.extensions.get(KIND)
    if not isinstance(kind, CallKind):
        return None
    credits = request.extensions.get(CREDITS, 0)
    return kind, credits if isinstance(credits, int) else 0
