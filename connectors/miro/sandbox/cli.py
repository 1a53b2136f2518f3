"""Entry point for ``cjm-sync sandbox miro --port P``."""

from __future__ import annotations

from .sandbox import MiroSandbox

__all__ = ["run_server"]


def run_server(port: int, host: str = "127.0.0.1", sandbox: MiroSandbox | None = None) -> None:
    """Serve ``sandbox`` (a fresh one by default) on ``host:port`` until Ctrl-C."""
    sandbox = sandbox or MiroSandbox()
    server = sandbox.serve(host, port)
    print(f"Miro sandbox listening on {server.base_url}", flush=True)
    where = f"boards in {sandbox.path} (shared with --sandbox runs)" if sandbox.path else "boards in memory only"
    print(where, flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
