"""Bearer auth and refresh-token rotation."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD

from connectors.miro.sandbox import ManualClock, MiroSandbox

API = "https://api.miro.com"


def _get(sandbox: MiroSandbox, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.Client(transport=sandbox.transport()).get(f"{API}{BOARD}", headers=headers)


def _refresh(sandbox: MiroSandbox, refresh_token: str, *, as_form: bool = True) -> httpx.Response:
    client = httpx.Client(transport=sandbox.transport())
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    secrets = {"client_id": "id", "client_secret": "secret"}
    if as_form:
        return client.post(f"{API}/v1/oauth/token", params=params, data=secrets)
    return client.post(f"{API}/v1/oauth/token", params={**params, **secrets})


@pytest.mark.parametrize("as_form", [True, False])
def test_refresh_rotates_both_tokens_and_kills_the_old_pair(as_form: bool) -> None:
    sandbox = MiroSandbox(clock=ManualClock(), strict_tokens=True)
    old = sandbox.issue_tokens()
    assert _get(sandbox, old.access_token).status_code == 200
    response = _refresh(sandbox, old.refresh_token, as_form=as_form)
    assert response.status_code == 200
    new = response.json()
    assert new["expires_in"] == 3600
    assert new["token_type"] == "bearer"
    assert {new["access_token"], new["refresh_token"]}.isdisjoint({old.access_token, old.refresh_token})
    assert _get(sandbox, old.access_token).status_code == 401
    assert _refresh(sandbox, old.refresh_token).status_code == 400
    assert _get(sandbox, new["access_token"]).status_code == 200
    assert _refresh(sandbox, new["refresh_token"]).status_code == 200


def test_revoked_tokens_fail_even_in_lenient_mode(sandbox: MiroSandbox) -> None:
    pair = sandbox.issue_tokens()
    _refresh(sandbox, pair.refresh_token)
    assert _get(sandbox, pair.access_token).json()["code"] == "tokenInvalid"
    assert _get(sandbox, "anything-else").status_code == 200


def test_access_tokens_expire_after_an_hour() -> None:
    clock = ManualClock()
    sandbox = MiroSandbox(clock=clock)
    pair = sandbox.issue_tokens()
    clock.advance(3599)
    assert _get(sandbox, pair.access_token).status_code == 200
    clock.advance(1)
    assert _get(sandbox, pair.access_token).json()["code"] == "tokenExpired"


def test_missing_or_unknown_tokens() -> None:
    lenient, strict = MiroSandbox(), MiroSandbox(strict_tokens=True)
    for sandbox in (lenient, strict):
        missing = _get(sandbox, None)
        assert missing.status_code == 401
        assert missing.json()["code"] == "tokenNotProvided"
        assert _get(sandbox, "").status_code == 401
    assert _get(lenient, "whatever").status_code == 200
    assert _get(strict, "whatever").status_code == 401
    assert _refresh(strict, "never-issued").status_code == 400
    assert _refresh(lenient, "never-issued").status_code == 200


def test_wrong_grant_type_is_rejected(sandbox: MiroSandbox) -> None:
    response = httpx.Client(transport=sandbox.transport()).post(
        f"{API}/v1/oauth/token", params={"grant_type": "password"}
    )
    assert response.status_code == 400
