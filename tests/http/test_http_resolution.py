"""The outcome → action table."""

from __future__ import annotations

import httpx
import pytest

from cjm_sync.errors import ConfigError, ConflictError, FatalAPIError, SkippableError, TransientError
from cjm_sync.http import Action, Overrides, Resolution, ResolutionTable

REQUEST = httpx.Request("GET", "https://api.example.test/x")


@pytest.mark.parametrize(
    ("status", "action", "kind"),
    [
        (200, Action.OK, None),
        (201, Action.OK, None),
        (204, Action.OK, None),
        (304, Action.OK, None),
        (400, Action.FAIL, FatalAPIError),
        (401, Action.REFRESH_AUTH, ConfigError),
        (403, Action.FAIL, FatalAPIError),
        (404, Action.FAIL, FatalAPIError),
        (405, Action.FAIL, FatalAPIError),
        (409, Action.CONFLICT, ConflictError),
        (412, Action.CONFLICT, ConflictError),
        (422, Action.FAIL, FatalAPIError),
        (429, Action.RATE_LIMITED, TransientError),
        (500, Action.RETRY, TransientError),
        (502, Action.RETRY, TransientError),
        (503, Action.RETRY, TransientError),
    ],
)
def test_default_status_table(status: int, action: Action, kind: type[Exception] | None) -> None:
    resolution = ResolutionTable().resolve(httpx.Response(status))
    assert (resolution.action, resolution.kind) == (action, kind)


@pytest.mark.parametrize(
    ("exc", "action"),
    [
        (httpx.ConnectError("refused", request=REQUEST), Action.RETRY),
        (httpx.ReadTimeout("slow", request=REQUEST), Action.RETRY),
        (httpx.RemoteProtocolError("eof", request=REQUEST), Action.RETRY),
        (httpx.TooManyRedirects("loop", request=REQUEST), Action.FAIL),
        (ValueError("bug"), Action.FAIL),
    ],
)
def test_default_exception_table(exc: BaseException, action: Action) -> None:
    assert ResolutionTable().resolve(exc).action is action


def test_timeouts_have_their_own_message() -> None:
    table = ResolutionTable()
    assert table.resolve(httpx.ReadTimeout("x", request=REQUEST)).message == "request timed out"
    assert table.resolve(httpx.ConnectError("x", request=REQUEST)).message == "network error"


def test_connector_overrides_win_and_defaults_remain() -> None:
    duplicate = Resolution(Action.FAIL, SkippableError, "duplicate record")
    table = ResolutionTable({409: duplicate})
    assert table.resolve(httpx.Response(409)) is duplicate
    assert table.resolve(httpx.Response(412)).action is Action.CONFLICT


def test_per_call_overrides_stack_without_mutating_the_base() -> None:
    base = ResolutionTable({409: Resolution(Action.FAIL, SkippableError, "duplicate")})
    call = base.with_overrides({404: Resolution(Action.IGNORE)})
    assert call.resolve(httpx.Response(404)).action is Action.IGNORE
    assert call.resolve(httpx.Response(409)).kind is SkippableError
    assert base.resolve(httpx.Response(404)).action is Action.FAIL
    assert base.with_overrides(None) is base


def test_exception_override_matches_subclasses() -> None:
    overrides: Overrides = {httpx.TimeoutException: Resolution(Action.FAIL, FatalAPIError, "no")}
    table = ResolutionTable(overrides)
    assert table.resolve(httpx.ReadTimeout("x", request=REQUEST)).action is Action.FAIL
    assert table.resolve(httpx.ConnectError("x", request=REQUEST)).action is Action.RETRY
