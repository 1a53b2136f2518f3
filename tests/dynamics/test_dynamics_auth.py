"""Entra ID client credentials through msal against the sandbox's https authority (over loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dynamics_support import ANCHOR

from cjm_sync.errors import ConfigError, redact
from cjm_sync.http import ApiClient
from connectors.dynamics.auth import EntraAuth
from connectors.dynamics.client import DataverseClient, open_api
from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.serve import SandboxServers, serve


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[SandboxServers]:
    sandbox = DataverseSandbox(records=300, seed=4, anchor=ANCHOR)
    with serve(sandbox, tmp_path / "ca.pem") as running:
        yield running


_OPEN: list[EntraAuth | ApiClient] = []


@pytest.fixture(autouse=True)
def _close_auths() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _auth(servers: SandboxServers, secret: str | None = None, ca: bool = True) -> EntraAuth:
    auth = EntraAuth(
        resource=servers.data_url,
        tenant_id=servers.sandbox.login.tenant,
        client_id=servers.client_id,
        credential=secret if secret is not None else servers.client_secret,
        authority_host=servers.authority_host,
        ca_bundle=str(servers.ca_path) if ca else None,
    )
    _OPEN.append(auth)
    return auth


def _client(servers: SandboxServers, auth: EntraAuth) -> DataverseClient:
    api = open_api(servers.data_url, auth)
    _OPEN.append(api)
    return DataverseClient(api)


def test_token_is_acquired_once_and_reused(servers: SandboxServers) -> None:
    auth = _auth(servers)
    client = _client(servers, auth)
    assert client.get("WhoAmI")["UserId"]
    client.get("WhoAmI")
    assert servers.sandbox.login.token_requests == 1
    assert auth.scope == f"{servers.data_url}/.default"


def test_token_is_renewed_before_it_expires(servers: SandboxServers) -> None:
    servers.sandbox.login.token_lifetime = 240  # inside msal's 5-minute renewal margin
    auth = _auth(servers)
    first = auth.token()
    second = auth.token()
    assert first != second
    assert servers.sandbox.login.token_requests == 2
    assert servers.sandbox.login.check(first) is not None  # the first had not expired yet


def test_a_401_drops_the_cached_token_and_retries_once(servers: SandboxServers) -> None:
    auth = _auth(servers)
    client = _client(servers, auth)
    client.get("WhoAmI")
    servers.sandbox.login._tokens.clear()  # the environment forgot every token (e.g. revoked)
    assert client.get("WhoAmI")["UserId"]
    assert servers.sandbox.login.token_requests == 2


def test_wrong_secret_names_the_credentials_and_hides_the_secret(servers: SandboxServers) -> None:
    with pytest.raises(ConfigError) as caught:
        _auth(servers, secret="not-the-secret-123").token()
    text = f"{caught.value.message} {caught.value.hint}"
    assert "AZURE_CLIENT_SECRET" in text
    assert "AZURE_CLIENT_ID" in text
    assert "invalid_client" in text
    assert "not-the-secret-123" not in redact(text)


def test_the_sandbox_certificate_needs_its_ca(servers: SandboxServers, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(ConfigError, match="TLS verification failed") as caught:
        _auth(servers, ca=False)
    assert "REQUESTS_CA_BUNDLE or SSL_CERT_FILE" in str(caught.value.hint)


def test_an_application_user_without_read_gets_a_named_privilege(servers: SandboxServers) -> None:
    servers.sandbox.app_users[servers.client_id] = {"incidents"}
    client = _client(servers, _auth(servers))
    with pytest.raises(ConfigError, match="prvReadIncident"):
        client.get("incidents", {"$select": "incidentid"})


def test_no_application_user_is_a_403_naming_it(servers: SandboxServers) -> None:
    del servers.sandbox.app_users[servers.client_id]
    client = _client(servers, _auth(servers))
    with pytest.raises(ConfigError, match="application user"):
        client.get("WhoAmI")


def test_http_data_url_only_on_loopback() -> None:
    from connectors.dynamics.settings import DynamicsSettings

    assert DynamicsSettings(base_url="http://127.0.0.1:8080/").data_url() == "http://127.0.0.1:8080"
    with pytest.raises(ConfigError, match="https"):
        DynamicsSettings(base_url="http://contoso.crm4.dynamics.com").data_url()
    with pytest.raises(ConfigError, match="AZURE_AUTHORITY_HOST must be an https URL"):
        EntraAuth(resource="https://x", tenant_id="t", client_id="c", credential="s", authority_host="http://login")


def test_plain_httpx_client_with_the_auth(servers: SandboxServers) -> None:
    with httpx.Client(base_url=servers.data_url, auth=_auth(servers)) as http:
        assert http.get("/api/data/v9.2/WhoAmI").status_code == 200
