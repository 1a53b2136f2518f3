"""What a route handler sees (the parsed request plus the state) and what it returns."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import quote

from .auth import TokenRegistry
from .errors import ApiError, FieldError, invalid
from .faults import Fault
from .render import PATH_SAFE
from .store import Board, Stamp, Store

__all__ = ["Context", "Dropped", "Handler", "Outcome", "Reply", "SandboxRequest", "SandboxResponse"]


@dataclass(frozen=True)
class SandboxRequest:
    """A transport-neutral HTTP request (header names lower-case, one value per query key)."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    def json(self) -> Any:
        """The body parsed as JSON, ``None`` when empty; a 400 if it is not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(400, "invalidParameters", f"Request body is not valid JSON: {exc}") from exc


@dataclass(frozen=True)
class SandboxResponse:
    """An answer to send back."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Dropped:
    """No answer: the transport times out or drops the connection, as ``fault`` says."""

    fault: Fault


Outcome: TypeAlias = SandboxResponse | Dropped


@dataclass(frozen=True)
class Reply:
    """A handler's answer; ``body=None`` means no content."""

    status: int
    body: Any = None


@dataclass
class Context:
    """One request being handled under the sandbox lock."""

    request: SandboxRequest
    params: dict[str, str]
    store: Store
    tokens: TokenRegistry
    stamp: Stamp
    auto_create_boards: bool

    @property
    def base(self) -> str:
        """Scheme and host the client used, for ``links``."""
        return self.request.base_url

    @property
    def url(self) -> str:
        """This request's URL without the query, path segments percent-encoded once (for ``links``)."""
        return f"{self.request.base_url}{quote(self.request.path, safe='/' + PATH_SAFE)}"

    def board(self) -> Board:
        """The board named in the path (created on demand when the sandbox allows it)."""
        return self.store.board(self.params["board_id"], create_as=self.stamp if self.auto_create_boards else None)

    def body(self) -> Any:
        """The JSON body; a 400 when it is missing."""
        payload = self.request.json()
        if payload is None:
            raise invalid([FieldError("body", "is required")])
        return payload

    def required_query(self, name: str) -> str:
        """A query parameter that must be present, else a 400."""
        value = self.request.query.get(name)
        if not value:
            raise invalid([FieldError(name, "is required")])
        return value

    def int_query(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query parameter within ``[low, high]``, else a 400."""
        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid([FieldError(name, "must be an integer")]) from None
        if not low <= value <= high:
            raise invalid([FieldError(name, f"must be between {low} and {high}")])
        return value


Handler: TypeAlias = Callable[[Context], Reply]
