"""Bearer and rotating OAuth2 auth, token stores, and keeping secrets out of sight."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.errors import ConfigError, TransientError
from cjm_sync.http import (
    ApiClient,
    BearerAuth,
    CallKind,
    FileTokenStore,
    MemoryTokenStore,
    OAuth2RefreshAuth,
    OAuthTokens,
    default_state_dir,
)

TOKEN_URL = f"{BASE}/v1/oauth/token"
CLIENT_SECRET = "client-secret-" + uuid.uuid4().hex


def secret(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def token_response(access: str, refresh: str, expires_in: int = 3600) -> httpx.Response:
    body = {"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "bearer"}
    return httpx.Response(200, json=body)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        yield router


def make_auth(tokens: OAuthTokens, clock: FakeClock, store: Any = None) -> OAuth2RefreshAuth:
    return OAuth2RefreshAuth(
        TOKEN_URL, "client-id", CLIENT_SECRET, store or MemoryTokenStore(), tokens=tokens, connector="miro", clock=clock
    )


def test_bearer_auth_sets_header_and_hides_token(api: respx.MockRouter) -> None:
    token = secret("static")
    route = api.get("/v2/boards").mock(return_value=httpx.Response(200, json={}))
    auth = BearerAuth(token)
    with ApiClient("hubspot", BASE, auth=auth) as client:
        client.get_json("/v2/boards")
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {token}"
    assert token not in repr(auth)
    assert token not in str(auth)


def test_empty_bearer_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        BearerAuth("")


def test_token_expiry_uses_a_skew_margin() -> None:
    tokens = OAuthTokens(secret("a"), secret("r"), expires_at=1000.0)
    assert not tokens.is_expired(now=900.0, skew_seconds=60)
    assert tokens.is_expired(now=941.0, skew_seconds=60)
    assert not OAuthTokens(secret("a"), secret("r")).is_expired(now=1e12)


def test_expired_token_is_refreshed_before_the_request(api: respx.MockRouter, clock: FakeClock, tmp_path: Path) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now + 10)
    new_access, new_refresh = secret("new-access"), secret("new-refresh")
    token_route = api.post(TOKEN_URL).mock(return_value=token_response(new_access, new_refresh, 3600))
    board_route = api.get("/v2/boards").mock(return_value=httpx.Response(200, json={}))
    store = FileTokenStore(tmp_path / "state" / "miro.tokens.json")
    auth = make_auth(old, clock, store)

    with ApiClient("miro", BASE, auth=auth) as client:
        client.get_json("/v2/boards")
        stats = client.stats

    form = parse_qs(token_route.calls.last.request.content.decode())
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": [old.refresh_token],
        "client_id": ["client-id"],
        "client_secret": [CLIENT_SECRET],
    }
    assert token_route.calls.last.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert board_route.calls.last.request.headers["Authorization"] == f"Bearer {new_access}"
    assert auth.tokens == OAuthTokens(new_access, new_refresh, clock.now + 3600)
    assert store.load() == auth.tokens
    assert (stats.calls(CallKind.AUTH), stats.calls()) == (1, 2)


def test_rotated_tokens_are_persisted_atomically_with_mode_0600(
    api: respx.MockRouter, clock: FakeClock, tmp_path: Path
) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    new_access, new_refresh = secret("new-access"), secret("new-refresh")
    api.post(TOKEN_URL).mock(return_value=token_response(new_access, new_refresh))
    api.get("/v2/boards").mock(return_value=httpx.Response(200, json={}))
    path = tmp_path / "state" / "miro.tokens.json"
    with ApiClient("miro", BASE, auth=make_auth(old, clock, FileTokenStore(path))) as client:
        client.get_json("/v2/boards")

    saved = json.loads(path.read_text())
    assert (saved["access_token"], saved["refresh_token"]) == (new_access, new_refresh)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["miro.tokens.json"]


def test_401_refreshes_once_and_resends(api: respx.MockRouter, clock: FakeClock) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now + 3000)
    new_access = secret("new-access")
    token_route = api.post(TOKEN_URL).mock(return_value=token_response(new_access, secret("new-refresh")))
    board_route = api.get("/v2/boards").mock(side_effect=[httpx.Response(401), httpx.Response(200, json={"ok": 1})])
    with ApiClient("miro", BASE, auth=make_auth(old, clock)) as client:
        assert client.get_json("/v2/boards") == {"ok": 1}
    assert token_route.call_count == 1
    sent = [call.request.headers["Authorization"] for call in board_route.calls]
    assert sent == [f"Bearer {old.access_token}", f"Bearer {new_access}"]


def test_a_second_401_is_a_config_error_not_a_loop(api: respx.MockRouter, clock: FakeClock) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now + 3000)
    token_route = api.post(TOKEN_URL).mock(return_value=token_response(secret("a"), secret("r")))
    board_route = api.get("/v2/boards").mock(return_value=httpx.Response(401, json={"message": "Unauthorized"}))
    with ApiClient("miro", BASE, auth=make_auth(old, clock)) as client, pytest.raises(ConfigError, match="401"):
        client.get_json("/v2/boards")
    assert (token_route.call_count, board_route.call_count) == (1, 2)


class CountingLock:
    """A lock that counts how many threads have tried to take it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entered = threading.Condition()
        self.attempts = 0

    def __enter__(self) -> None:
        with self._entered:
            self.attempts += 1
            self._entered.notify_all()
        self._lock.acquire()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._lock.release()

    def wait_for_attempts(self, n: int) -> bool:
        with self._entered:
            return self._entered.wait_for(lambda: self.attempts >= n, timeout=10)


def test_concurrent_refresh_from_8_threads_calls_the_token_endpoint_once(
    api: respx.MockRouter, clock: FakeClock
) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    new_access = secret("new-access")
    auth = make_auth(old, clock)
    lock = CountingLock()
    auth._lock = lock  # type: ignore[assignment]

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        assert lock.wait_for_attempts(8), "all 8 threads should be contending for the refresh"
        return token_response(new_access, secret("new-refresh"))

    token_route = api.post(TOKEN_URL).mock(side_effect=token_endpoint)
    board_route = api.get("/v2/boards").mock(return_value=httpx.Response(200, json={}))
    with ApiClient("miro", BASE, auth=auth, max_concurrency=8) as client:
        client.map_concurrent(lambda _: client.get_json("/v2/boards"), range(8))
    assert token_route.call_count == 1
    assert {call.request.headers["Authorization"] for call in board_route.calls} == {f"Bearer {new_access}"}


def test_rejected_refresh_is_a_config_error_without_secrets(api: respx.MockRouter, clock: FakeClock) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    api.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_grant", "error_description": f"refresh token {old.refresh_token} revoked"}
        )
    )
    with ApiClient("miro", BASE, auth=make_auth(old, clock)) as client, pytest.raises(ConfigError) as info:
        client.get_json("/v2/boards")
    text = f"{info.value} {info.value.to_dict()} {info.value!r}"
    assert "invalid_grant" in text
    assert old.refresh_token not in text
    assert info.value.hint == "re-authorise the connector"


def test_token_endpoint_outage_is_transient(api: respx.MockRouter, clock: FakeClock) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    api.post(TOKEN_URL).mock(return_value=httpx.Response(503, text="down"))
    with ApiClient("miro", BASE, auth=make_auth(old, clock)) as client, pytest.raises(TransientError, match="down"):
        client.get_json("/v2/boards")


def test_failed_save_is_a_config_error(api: respx.MockRouter, clock: FakeClock, tmp_path: Path) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    api.post(TOKEN_URL).mock(return_value=token_response(secret("a"), secret("r")))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    store = FileTokenStore(blocker / "miro.tokens.json")
    with (
        ApiClient("miro", BASE, auth=make_auth(old, clock, store)) as client,
        pytest.raises(ConfigError, match="could not save"),
    ):
        client.get_json("/v2/boards")


def test_missing_tokens_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no OAuth tokens"):
        OAuth2RefreshAuth(TOKEN_URL, "id", CLIENT_SECRET, MemoryTokenStore(), connector="miro")


def test_tokens_load_from_the_store() -> None:
    tokens = OAuthTokens(secret("a"), secret("r"), None)
    auth = OAuth2RefreshAuth(TOKEN_URL, "id", CLIENT_SECRET, MemoryTokenStore(tokens))
    assert auth.tokens is tokens


def test_file_store_round_trip(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    assert store.load() is None
    tokens = OAuthTokens(secret("a"), secret("r"), 123.0)
    store.save(tokens)
    assert store.load() == tokens


def test_file_store_replace_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    first = OAuthTokens(secret("a"), secret("r"), 1.0)
    store.save(first)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save(OAuthTokens(secret("a"), secret("r"), 2.0))
    monkeypatch.undo()
    assert store.load() == first
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_corrupt_token_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the token file"):
        FileTokenStore(path).load()


def test_default_location_follows_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "cjm-sync"
    assert FileTokenStore.for_installation("miro-team1").path == tmp_path / "cjm-sync" / "miro-team1.tokens.json"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")
    assert default_state_dir() == Path.home() / ".local" / "state" / "cjm-sync"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_state_dir() == Path.home() / ".local" / "state" / "cjm-sync"


def test_reprs_never_show_secrets(tmp_path: Path, clock: FakeClock) -> None:
    tokens = OAuthTokens(secret("access"), secret("refresh"), clock.now + 100)
    store = MemoryTokenStore(tokens)
    auth = make_auth(tokens, clock, store)
    texts = [repr(tokens), str(tokens), repr(store), repr(auth), repr(FileTokenStore(tmp_path / "t.json"))]
    for text in texts:
        assert tokens.access_token not in text
        assert tokens.refresh_token not in text
        assert CLIENT_SECRET not in text


def test_refresh_and_requests_never_log_secrets(
    api: respx.MockRouter, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    old = OAuthTokens(secret("old-access"), secret("old-refresh"), expires_at=clock.now - 1)
    new = (secret("new-access"), secret("new-refresh"))
    api.post(TOKEN_URL).mock(return_value=token_response(*new))
    api.get("/v2/boards").mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
    caplog.set_level(logging.DEBUG)
    with ApiClient("miro", BASE, auth=make_auth(old, clock)) as client:
        client.get_json("/v2/boards")
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "GET /v2/boards -> 200" in logged
    assert "POST /v1/oauth/token -> 200" in logged
    for value in (old.access_token, old.refresh_token, *new, CLIENT_SECRET):
        assert value not in logged
