"""httpx transports that answer from a sandbox in-process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from .context import Dropped, Outcome, SandboxRequest, SandboxResponse
from .faults import FaultKind

if TYPE_CHECKING:
    from collections.abc import Callable

    Handle = Callable[[SandboxRequest], Outcome]

__all__ = ["AsyncSandboxTransport", "SandboxTransport", "to_sandbox_request"]


def to_sandbox_request(request: httpx.Request, body: bytes) -> SandboxRequest:
    """Translate an httpx request."""
    url = request.url
    return SandboxRequest(
        method=request.method.upper(),
        path=url.path,
        query=dict(url.params.multi_items()[::-1]),  # first value wins
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        base_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
    )


def _to_response(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    if isinstance(outcome, Dropped):
        if outcome.fault.kind is FaultKind.TIMEOUT:
            raise httpx.ReadTimeout("Miro sandbox: injected read timeout", request=request)
        raise httpx.RemoteProtocolError("Miro sandbox: server disconnected without a response", request=request)
    assert isinstance(outcome, SandboxResponse)
    return httpx.Response(outcome.status, headers=outcome.headers, content=outcome.body, request=request)


class SandboxTransport(httpx.BaseTransport):
    """``httpx.Client(transport=sandbox.transport(), base_url="https://api.miro.com")``."""

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self._handle(to_sandbox_request(request, request.read()))
        return _to_response(outcome, request)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """The async twin of :class:`SandboxTransport` (handling itself is synchronous and fast)."""

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self._handle(to_sandbox_request(request, await request.aread()))
        return _to_response(outcome, request)
