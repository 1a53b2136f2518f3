"""One table that turns an HTTP outcome (a status code or a raised exception) into an action.

The default table covers every connector; a connector merges a small override map on top, e.g.
``{409: duplicate → skip}`` or an idempotent delete ``{404: IGNORE}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import httpx

from cjm_sync.errors import (
    CjmSyncError,
    ConfigError,
    ConflictError,
    FatalAPIError,
    OutcomeUnknown,
    TransientError,
)


class Action(StrEnum):
    """What the client does with an outcome."""

    OK = "ok"
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REFRESH_AUTH = "refresh_auth"
    CONFLICT = "conflict"
    FAIL = "fail"
    IGNORE = "ignore"


RETRYABLE = frozenset({Action.RETRY, Action.RATE_LIMITED})


@dataclass(frozen=True)
class Resolution:
    """An action, the error class raised if the outcome ends the call, and a user-readable message."""

    action: Action
    kind: type[CjmSyncError] | None = None
    message: str = ""


Key = int | type[BaseException]
"""A status code or an exception class (matched along the exception's MRO)."""

Overrides = Mapping[Key, Resolution]
"""Resolutions merged on top of a table (annotate module constants with it: Mapping keys are invariant)."""

DEFAULT_RESOLUTIONS: Mapping[Key, Resolution] = {
    400: Resolution(Action.FAIL, FatalAPIError, "bad request"),
    401: Resolution(Action.REFRESH_AUTH, ConfigError, "credentials rejected; re-authorise the connector"),
    403: Resolution(Action.FAIL, FatalAPIError, "forbidden: the token lacks a scope or permission"),
    404: Resolution(Action.FAIL, FatalAPIError, "not found"),
    409: Resolution(Action.CONFLICT, ConflictError, "conflict with the remote state"),
    412: Resolution(Action.CONFLICT, ConflictError, "the remote record changed (precondition failed)"),
    422: Resolution(Action.FAIL, FatalAPIError, "the request was rejected as invalid"),
    429: Resolution(Action.RATE_LIMITED, TransientError, "rate limited"),
    httpx.TimeoutException: Resolution(Action.RETRY, TransientError, "request timed out"),
    httpx.TransportError: Resolution(Action.RETRY, TransientError, "network error"),
    httpx.HTTPError: Resolution(Action.FAIL, FatalAPIError, "HTTP error"),
}
_MAYBE_DONE = Resolution(
    Action.FAIL,
    OutcomeUnknown,
    "the write may have reached the server, so it is not repeated blindly (it is read back first)",
)
NON_IDEMPOTENT: Overrides = {
    # A create whose answer was lost may have happened: repeating it would duplicate the item. Only
    # failures before the request left (connect/pool) and explicit "not processed" answers are retried.
    httpx.TransportError: _MAYBE_DONE,
    httpx.TimeoutException: _MAYBE_DONE,
    httpx.ConnectError: Resolution(Action.RETRY, TransientError, "could not connect"),
    httpx.ConnectTimeout: Resolution(Action.RETRY, TransientError, "connect timed out"),
    httpx.PoolTimeout: Resolution(Action.RETRY, TransientError, "no free connection"),
    500: _MAYBE_DONE,
    502: _MAYBE_DONE,
    504: _MAYBE_DONE,
}
"""Resolutions layered on top for non-idempotent calls (POST creates): 429 and 503 still retry."""
_SUCCESS = Resolution(Action.OK)
_SERVER_ERROR = Resolution(Action.RETRY, TransientError, "server error")
_CLIENT_ERROR = Resolution(Action.FAIL, FatalAPIError, "request refused")
_UNKNOWN_EXCEPTION = Resolution(Action.FAIL, None, "unexpected error")


class ResolutionTable:
    """The default table with layers of overrides (connector, then call) merged on top, in order."""

    def __init__(self, *layers: Overrides | None) -> None:
        self._table: dict[Key, Resolution] = dict(DEFAULT_RESOLUTIONS)
        for layer in layers:
            for key, resolution in (layer or {}).items():
                self._table[key] = resolution

    def with_overrides(self, overrides: Overrides | None) -> ResolutionTable:
        """Return a new table with ``overrides`` merged on top of this one."""
        return ResolutionTable(self._table, overrides) if overrides else self

    def resolve(self, outcome: httpx.Response | BaseException) -> Resolution:
        """Classify a response by status, or an exception by the most specific class in the table."""
        if isinstance(outcome, BaseException):
            for cls in type(outcome).__mro__:
                if cls in self._table:
                    return self._table[cls]
            return _UNKNOWN_EXCEPTION
        status = outcome.status_code
        if status in self._table:
            return self._table[status]
        if status < 400:
            return _SUCCESS
        return _SERVER_ERROR if status >= 500 else _CLIENT_ERROR
