"""The HubSpot sandbox over loopback HTTP (stdlib ``ThreadingHTTPServer``), for curl and the official
``hubspot-api-client``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qsl, urlsplit

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


class SandboxServer:
    """A running loopback server; :meth:`shutdown` stops it (also a context manager)."""

    def __init__(self, sandbox: HubSpotSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK:
            raise ValueError("the sandbox only listens on loopback")
        self._httpd = _Server((host, port), sandbox)
        self.host, self.port = host, self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def wait(self) -> None:
        """Block until stopped (Ctrl-C interrupts)."""
        self._thread.join()

    def shutdown(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
