"""Transport-neutral requests and responses, the in-process httpx transport and the loopback server."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import httpx

from cjm_sync.http.serving import ServingThread

__all__ = ["LoopbackServer", "Request", "Response", "SandboxTransport", "json_response"]


@dataclass(frozen=True)
class Request:
    """One request: method, path, decoded query (first value wins), lower-case headers, body, base URL."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    raw_query: str = ""


@dataclass(frozen=True)
class Response:
    """One answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer with Dataverse's OData headers."""
    data = json.dumps(body, ensure_ascii=False).encode()
    base = {"Content-Type": "application/json; odata.metadata=minimal", "OData-Version": "4.0"}
    return Response(status, {**base, **(headers or {})}, data)


Handle = Callable[[Request], Response]


def _query(raw: str) -> dict[str, str]:
    return dict(reversed(parse_qsl(raw, keep_blank_values=True)))


class SandboxTransport(httpx.BaseTransport):
    """Answer httpx requests in-process: ``httpx.Client(transport=sandbox.transport(), base_url=...)``."""

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Translate, answer, translate back."""
        url = request.url
        raw = url.query.decode("ascii")
        answer = self._handle(
            Request(
                method=request.method.upper(),
                path=url.path,
                query=_query(raw),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.read(),
                base_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
                raw_query=raw,
            )
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handle: Handle, scheme: str) -> None:
        super().__init__(address, _Handler)
        self.handle_request_ = handle
        self.scheme = scheme


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _dispatch(self) -> None:
        server = cast(_HTTPServer, self.server)
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        answer = server.handle_request_(
            Request(
                method=self.command,
                path=url.path,
                query=_query(url.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                base_url=f"{server.scheme}://{self.headers.get('Host', '127.0.0.1')}",
                raw_query=url.query,
            )
        )
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox keeps its own call log."""


class LoopbackServer(ServingThread):
    """Serve ``handle`` on ``host:port`` (plain http, or https with ``tls``) in a daemon thread."""

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
        scheme = "https" if tls is not None else "http"
        httpd = _HTTPServer((host, port), handle, scheme)
        if tls is not None:
            httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
        super().__init__(httpd, host, name="dataverse-sandbox", scheme=scheme)
