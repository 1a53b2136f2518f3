"""The sandbox over loopback: the Dataverse Web API on plain http and the Entra ID look-alike on https.

The https side uses a certificate from a CA made at start (``trustme``); its PEM is written to
``ca_path`` so clients can trust it through ``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE``. One app is
registered (``client_id``/``client_secret``) with an application user, and tokens are required.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import trustme

from .sandbox import DataverseSandbox
from .wire import LoopbackServer

__all__ = ["DEFAULT_CLIENT_ID", "SandboxServers", "run", "serve"]

DEFAULT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"


@dataclass
class SandboxServers:
    """Both servers of a running sandbox and what a client needs to reach them."""

    sandbox: DataverseSandbox
    data: LoopbackServer
    login: LoopbackServer
    ca_path: Path
    client_id: str
    client_secret: str

    @property
    def data_url(self) -> str:
        """``DYNAMICS_URL`` for this sandbox (plain http on loopback)."""
        return self.data.base_url

    @property
    def authority_host(self) -> str:
        """``AZURE_AUTHORITY_HOST`` for this sandbox (https)."""
        return self.login.base_url

    def environment(self) -> dict[str, str]:
        """The environment variables that point cjm-sync (or azure-identity/msal) at this sandbox."""
        return {
            "DYNAMICS_URL": self.data_url,
            "AZURE_AUTHORITY_HOST": self.authority_host,
            "AZURE_TENANT_ID": self.sandbox.login.tenant,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "SSL_CERT_FILE": str(self.ca_path),
        }

    def shutdown(self) -> None:
        """Stop both servers."""
        self.data.shutdown()
        self.login.shutdown()

    def __enter__(self) -> SandboxServers:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()


def serve(
    sandbox: DataverseSandbox,
    ca_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    login_port: int = 0,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str | None = None,
    data_tls: bool = False,
) -> SandboxServers:
    """Start the data server on ``host:port`` and the https authority on ``host:login_port`` (0 = free).

    ``data_tls`` serves the Web API over https too (with the same certificate), for clients such as
    ``powerplatform-dataverse-client`` that refuse a plain-http environment URL.
    """
    ca_path = ca_path.resolve()
    ca = trustme.CA()
    names = [host, "localhost", "127.0.0.1"]
    cert = ca.issue_cert(*dict.fromkeys(names))
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_path))
    import ssl  # noqa: PLC0415

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    secret = client_secret or secrets.token_urlsafe(24)
    sandbox.auth = "issued"
    sandbox.login.apps[client_id] = secret
    sandbox.app_users.setdefault(client_id, set())
    data = LoopbackServer(sandbox.handle, host, port, tls=context if data_tls else None)
    login = LoopbackServer(sandbox.login.handle, host, login_port, tls=context)
    sandbox.login.resource = data.base_url
    return SandboxServers(sandbox, data, login, ca_path, client_id, secret)


def run(
    sandbox: DataverseSandbox,
    state_dir: Path,
    *,
    host: str,
    port: int,
    login_port: int,
    data_tls: bool,
    emit: Callable[[str], None],
) -> None:
    """Serve until Ctrl-C, after printing the environment that points clients at the sandbox."""
    servers = serve(
        sandbox, state_dir / "sandbox-dynamics-ca.pem", host=host, port=port, login_port=login_port, data_tls=data_tls
    )
    try:
        emit(f"Dataverse sandbox: Web API on {servers.data_url}, Entra ID authority on {servers.authority_host}")
        emit(f"{sandbox.records} generated rows up to {sandbox.anchor:%Y-%m-%d}; set these to point cjm-sync at it:")
        for name, value in servers.environment().items():
            emit(f"export {name}={shlex.quote(value)}")
        servers.data.wait()
    except KeyboardInterrupt:
        pass
    finally:
        servers.shutdown()
