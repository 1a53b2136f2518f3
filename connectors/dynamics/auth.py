"""Microsoft Entra ID client credentials for Dataverse, through ``msal`` (never hand-rolled).

``EntraAuth`` is an ``httpx.Auth``: it asks ``msal.ConfidentialClientApplication.acquire_token_for_client``
for a token with scope ``<DYNAMICS_URL>/.default`` before each request. msal keeps the token in its cache
and renews it before it expires (it treats a token within five minutes of expiry as expired, and
honours ``refresh_in``); on a 401 the cached token is dropped and the request re-sent once.

The authority is ``<AZURE_AUTHORITY_HOST or https://login.microsoftonline.com>/<AZURE_TENANT_ID>``.
With an overridden host, msal's instance discovery (a call to login.microsoftonline.com) is turned off
and the TLS trust store is ``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE`` when set, so a private authority
with its own certificate (the sandbox's) works; verification itself is never turned off.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Generator, Mapping
from typing import Any

import httpx
import msal
import requests

from cjm_sync.errors import ConfigError, TransientError, register_secret

__all__ = ["DEFAULT_AUTHORITY_HOST", "EntraAuth", "certificate_credential"]

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
_CREDENTIAL_ERRORS = {
    "invalid_client": "Entra ID rejected the client credentials "
    "(AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or the certificate)",
    "unauthorized_client": "Entra ID does not know this application in the tenant (AZURE_CLIENT_ID / AZURE_TENANT_ID)",
    "invalid_request": "Entra ID refused the token request (check AZURE_TENANT_ID and AZURE_AUTHORITY_HOST)",
    "invalid_scope": "Entra ID refused the scope <DYNAMICS_URL>/.default (check DYNAMICS_URL)",
}


def certificate_credential(path: str, password: str | None = None) -> dict[str, str]:
    """msal's certificate credential from a PEM file holding the private key and the certificate."""
    from cryptography import x509  # noqa: PLC0415 - only for certificate credentials
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        cert = x509.load_pem_x509_certificate(data)
        key = serialization.load_pem_private_key(data, password.encode() if password else None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"AZURE_CLIENT_CERTIFICATE_PATH {path}: cannot read a PEM private key and certificate ({exc})"
        ) from None
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "private_key": key_pem,
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 - the x5t thumbprint Entra ID expects
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


class EntraAuth(httpx.Auth):
    """Bearer tokens for ``resource`` from msal's client-credentials flow, cached and renewed by msal."""

    def __init__(
        self,
        *,
        resource: str,
        tenant_id: str,
        client_id: str,
        credential: str | Mapping[str, str],
        authority_host: str | None = None,
        ca_bundle: str | None = None,
        http_client: Any = None,
    ) -> None:
        host = (authority_host or DEFAULT_AUTHORITY_HOST).rstrip("/")
        if not host.startswith("https://"):
            raise ConfigError(f"AZURE_AUTHORITY_HOST must be an https URL (got {host})")
        if isinstance(credential, str):
            register_secret(credential)
        self.scope = f"{resource.rstrip('/')}/.default"
        self.authority = f"{host}/{tenant_id}"
        self._lock = threading.Lock()
        custom_host = host != DEFAULT_AUTHORITY_HOST
        self._session = http_client or _session(ca_bundle)
        try:
            self._app = self._application(client_id, credential, custom_host)
        except BaseException:
            self.close()
            raise

    def _application(self, client_id: str, credential: str | Mapping[str, str], custom_host: bool) -> Any:
        try:
            return msal.ConfidentialClientApplication(
                client_id,
                client_credential=dict(credential) if not isinstance(credential, str) else credential,
                authority=self.authority,
                instance_discovery=not custom_host,
                http_client=self._session,
            )
        except ValueError as exc:  # msal reads the authority's tenant discovery document here
            raise ConfigError(f"cannot use the Entra ID authority {self.authority}: {exc}") from None
        except requests.exceptions.SSLError as exc:
            raise _tls_error(self.authority, exc) from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(
                f"cannot reach the Entra ID authority {self.authority}: {exc}", connector="dynamics"
            ) from None

    def token(self) -> str:
        """A valid access token (from msal's cache when it has one that is not about to expire)."""
        with self._lock:
            try:
                result = self._app.acquire_token_for_client(scopes=[self.scope])
            except requests.exceptions.SSLError as exc:
                raise _tls_error(self.authority, exc) from None
            except requests.exceptions.RequestException as exc:
                raise TransientError(
                    f"cannot reach Entra ID at {self.authority}: {exc}", connector="dynamics"
                ) from None
        if "access_token" not in result:
            code = str(result.get("error", "error"))
            what = _CREDENTIAL_ERRORS.get(code, "Entra ID refused to issue a token")
            description = str(result.get("error_description", "")).split("\r\n")[0]
            raise ConfigError(
                f"{what}: {code}: {description}",
                hint="set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) "
                "for an app registration that has an application user in the Dataverse environment",
            )
        token = str(result["access_token"])
        register_secret(token)
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the bearer token; on a 401 drop the cached token and re-send once."""
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            with self._lock:
                self._app.remove_tokens_for_client()
            request.headers["Authorization"] = f"Bearer {self.token()}"
            yield request

    def close(self) -> None:
        """Close the connections to the authority."""
        close = getattr(self._session, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"EntraAuth(authority={self.authority!r}, scope={self.scope!r})"


def _session(ca_bundle: str | None) -> requests.Session:
    """msal's HTTP client: ``verify`` is passed on every request, because ``requests`` lets an inherited
    ``REQUESTS_CA_BUNDLE`` override a session-wide ``verify``."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=1)
    session.mount("https://", adapter)
    session.request = functools.partial(session.request, timeout=30, verify=ca_bundle or True)  # type: ignore[method-assign]
    return session


def _tls_error(authority: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"TLS verification failed for the Entra ID authority {authority}: {exc}",
        hint="for a private authority, point REQUESTS_CA_BUNDLE or SSL_CERT_FILE at its CA certificate",
    )
