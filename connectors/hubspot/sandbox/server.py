"""The HubSpot sandbox over loopback HTTP (stdlib ``ThreadingHTTPServer``), for curl and the official
``hubspot-api-client``."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qsl, urlsplit

from cjm_sync.http.serving import ServingThread
from connectors.hubspot.sandbox.sandbox import HubSpotSandbox

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: HubSpotSandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        sandbox = cast(_Server, self.server).sandbox
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        status, headers, body = sandbox.handle(
            self.command,
            url.path,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            dict(self.headers.items()),
            self.rfile.read(length) if length else b"",
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox keeps its own call log."""


class SandboxServer(ServingThread):
    """A running loopback server; :meth:`shutdown` stops it (also a context manager)."""

    def __init__(self, sandbox: HubSpotSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK:
            raise ValueError("the sandbox only listens on loopback")
        super().__init__(_Server((host, port), sandbox), host, name="hubspot-sandbox")
