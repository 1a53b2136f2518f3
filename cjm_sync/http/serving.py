"""The running half of every sandbox's loopback server: a started ``http.server`` in a daemon thread.

Each connector's sandbox builds its own ``ThreadingHTTPServer`` (its handler, TLS, stall release) and
hands it to :class:`ServingThread`, which serves it, names its base URL, waits for it and stops it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import HTTPServer
from types import TracebackType
from typing import Self


class ServingThread:
    """Serve ``httpd`` in a daemon thread named ``name``; :meth:`shutdown` it or use it as a context manager.

    ``on_stop`` runs first on shutdown (e.g. to release requests a fault rule holds back).
    """

    def __init__(
        self,
        httpd: HTTPServer,
        host: str,
        *,
        name: str,
        scheme: str = "http",
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self._httpd = httpd
        self._on_stop = on_stop
        self.host, self.port, self.scheme = host, int(httpd.server_port), scheme
        self._thread = threading.Thread(target=partial(httpd.serve_forever, poll_interval=0.05), name=name, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """``http(s)://host:port``, the client's base URL."""
        return f"{self.scheme}://{self.host}:{self.port}"

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C interrupts the wait)."""
        self._thread.join()

    def shutdown(self) -> None:
        """Stop serving and close the socket."""
        if self._on_stop is not None:
            self._on_stop()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()
