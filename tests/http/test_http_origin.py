"""One check for every way a base URL arrives: config, environment, connector options, the OAuth refresh URL.

Issue 7: ``CJM_MIRO_BASE_URL=http://<non-loopback host>`` was accepted (only the config was checked) and
the bearer token went out in clear text; the OAuth refresh ignored the configured base and went to the
real host.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import main
from cjm_sync.errors import ConfigError
from cjm_sync.http import MemoryTokenStore, OAuth2RefreshAuth, OAuthTokens
from cjm_sync.http.origin import BaseUrlError, check_base_url
from connectors.miro.client import MiroClient
from connectors.miro.connector import MiroConnector
from connectors.miro.sandbox import MiroSandbox
from connectors.miro.settings import MiroSettings

UNSAFE = [
    "http://example.com",
    "http://10.0.0.5:8765",
    "http://localhost.evil.com",
    "ftp://api.miro.com",
    "api.miro.com",
]
SAFE = ["https://api.miro.com/", "http://127.0.0.1:8765", "http://localhost:1", "http://[::1]:9000"]


@pytest.mark.parametrize("url", [*UNSAFE, "https://user:pw@api.miro.com", "https://"])
def test_unsafe_base_urls_are_refused_with_exit_code_2(url: str) -> None:
    with pytest.raises(BaseUrlError) as caught:
        check_base_url(url, source="CJM_MIRO_BASE_URL")
    assert caught.value.exit_code == 2
    assert "CJM_MIRO_BASE_URL" in caught.value.message
    assert "pw" not in caught.value.message


@pytest.mark.parametrize("url", SAFE)
def test_https_and_loopback_http_pass(url: str) -> None:
    assert check_base_url(url, source="x") == url.rstrip("/")


@pytest.mark.parametrize("url", UNSAFE)
def test_the_environment_is_checked_like_the_config(url: str) -> None:
    with pytest.raises(ConfigError, match="CJM_MIRO_BASE_URL"):
        MiroSettings.from_env({"MIRO_ACCESS_TOKEN": "tok-123456", "CJM_MIRO_BASE_URL": url})


def test_connector_options_and_direct_settings_are_checked() -> None:
    with pytest.raises(ConfigError):
        MiroConnector.from_config({"base_url": "http://example.com"})
    with pytest.raises(ConfigError):
        MiroSettings(base_url="http://example.com", access_token="tok-123456")  # type: ignore[arg-type]


def test_cli_refuses_a_clear_text_base_url_before_sending_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("j.yaml").write_text("schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s\n    title: S\n", "utf-8")
    sent: list[httpx.Request] = []
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", lambda _self, request: sent.append(request))
    result = CliRunner().invoke(
        _main,
        ["pull", "--journey", "j.yaml", "--board", "uXjVx="],
        env={"CJM_MIRO_BASE_URL": "http://example.com", "MIRO_ACCESS_TOKEN": "secret-token-123456"},
    )
    assert result.exit_code == 2, result.output
    assert "CJM_MIRO_BASE_URL" in result.output
    assert "secret-token-123456" not in result.output
    assert sent == []


def test_oauth_refresh_goes_to_the_configured_base() -> None:
    sandbox = MiroSandbox(strict_tokens=True)
    sandbox.create_board(board_id="uXjVauth=")
    pair = sandbox.issue_tokens()
    with sandbox.serve() as server:
        settings = MiroSettings.from_env(
            {
                "CJM_MIRO_BASE_URL": server.base_url,
                "MIRO_CLIENT_ID": "client-1",
                "MIRO_CLIENT_SECRET": "secret-123456",
                "MIRO_REFRESH_TOKEN": pair.refresh_token,
            }
        )
        assert settings.token_url == f"{server.base_url}/v1/oauth/token"
        store = MemoryTokenStore()
        auth = settings.auth(store)
        client = MiroClient("uXjVauth=", base_url=settings.base_url, auth=auth)
        assert list(client.items()) == []
        client.close()
    refreshed = store.load()
    assert refreshed is not None
    assert refreshed.refresh_token != pair.refresh_token
    assert [c.path for c in sandbox.calls][:2] == ["/v1/oauth/token", "/v2/boards/uXjVauth=/items"]


def test_an_oauth_token_url_in_clear_text_is_refused() -> None:
    tokens = OAuthTokens("a", "r", expires_at=time.time() + 3600)
    with pytest.raises(ConfigError, match="token URL"):
        OAuth2RefreshAuth("http://example.com/v1/oauth/token", "id", "secret-1", MemoryTokenStore(tokens))


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main(ctx: click.Context) -> None:
    main(list(ctx.args))
