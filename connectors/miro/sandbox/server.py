"""The sandbox over loopback HTTP (stdlib ``ThreadingHTTPServer``), for curl, SDKs and the CLI.

Each answer leaves in one ``send`` (status line, headers and body buffered together) on a socket with
``TCP_NODELAY``: with headers and body in two writes, Nagle's algorithm held the body back until the
client's delayed ACK (~40 ms on Linux) on every request of a kept-alive connection, which distorted
every timing taken through the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from cjm_sync.http.serving import ServingThread

from .context import Dropped, Outcome, SandboxRequest
from .faults import FaultKind

if TYPE_CHECKING:
    pass

__all__ = ["SandboxServer"]

Answer = Callable[[SandboxRequest], Outcome]
_WRITE_BUFFER = 1 << 20


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], answer: Answer, stopping: threading.Event) -> None:
        super().__init__(address, _Handler)
        self.answer = answer
        self.stopping = stopping


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted connection
    wbufsize = _WRITE_BUFFER  # headers and body are buffered and leave in one write when the handler returns

    def _dispatch(self) -> None:
        server = cast(_HTTPServer, self.server)
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        request = SandboxRequest(
            method=self.command,
            path=unquote(url.path),  # decoded once, as httpx decodes it in-process
            query=dict(reversed(parse_qsl(url.query, keep_blank_values=True))),  # first value wins
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=f"http://{self.headers.get('Host', '127.0.0.1')}",
        )
        outcome = server.answer(request)
        if isinstance(outcome, Dropped):
            if outcome.fault.kind is FaultKind.TIMEOUT:
                server.stopping.wait(outcome.fault.stall_seconds)
            self.close_connection = True
            return
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        self.wfile.write(outcome.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet; the sandbox keeps its own call log."""


class SandboxServer(ServingThread):
    """A running loopback server; stop it with :meth:`shutdown` (or use it as a context manager).
    Shutting down first releases requests a fault rule holds back."""

    def __init__(self, answer: Answer, host: str, port: int) -> None:
        self._stopping = threading.Event()
        super().__init__(
            _HTTPServer((host, port), answer, self._stopping), host, name="miro-sandbox", on_stop=self._stopping.set
        )
