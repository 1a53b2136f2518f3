"""Small stateful paginators.

Contract: ``init_request(request)`` prepares the first page, ``update_state(response, items)`` reads
the next token from a page, ``has_next`` says whether there is one, and ``next_request(request)`` puts
it into the next request. Computing the token (``_next_token``) is kept apart from where it goes
(``_place``). Every paginator raises :class:`FatalAPIError` on a repeated token (a server-side loop)
and when ``max_pages`` pages were read while the server still offers more (silently truncating a
listing would make a sync treat the missing records as deleted).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx

from cjm_sync.errors import FatalAPIError

Location = Literal["params", "json"]


@dataclass(frozen=True)
class PageRequest:
    """Where the next page comes from: a path (or absolute URL), query params and an optional JSON body."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None

    def with_value(self, location: Location, name: str, value: object) -> PageRequest:
        """A copy with ``name=value`` set in the query params or the JSON body."""
        if location == "params":
            return replace(self, params={**self.params, name: value})
        return replace(self, json={**(self.json or {}), name: value})


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise FatalAPIError("a page is not valid JSON", status=response.status_code) from exc
    if not isinstance(body, dict):
        raise FatalAPIError("a page is not a JSON object", status=response.status_code)
    return body


class Paginator(ABC):
    """Base class: page counting, loop guard and the max-pages cap."""

    def __init__(self, *, max_pages: int | None = None) -> None:
        if max_pages is not None and max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.max_pages = max_pages
        self._token: object = None
        self._seen: set[str] = set()
        self._pages = 0
        self._has_next = True

    @property
    def has_next(self) -> bool:
        """Whether another page should be requested."""
        return self._has_next

    def init_request(self, request: PageRequest) -> PageRequest:
        """Reset the state and return the request for the first page."""
        self._token, self._seen, self._pages, self._has_next = None, set(), 0, True
        return request

    def update_state(self, response: httpx.Response, items: list[Any]) -> None:
        """Read the next token from ``response`` (whose records are ``items``)."""
        self._pages += 1
        token = self._next_token(response, items)
        self._has_next = token is not None
        if token is None:
            return
        key = repr(token)
        if key in self._seen:
            raise FatalAPIError(f"pagination loop: the server repeated the token {token!r} on page {self._pages}")
        self._seen.add(key)
        if self.max_pages is not None and self._pages >= self.max_pages:
            raise FatalAPIError(f"pagination stopped: more than max_pages={self.max_pages} pages")
        self._token = token

    def next_request(self, request: PageRequest) -> PageRequest:
        """The request for the next page, built from the previous one."""
        if not self._has_next:
            raise RuntimeError("next_request() called after the last page")
        return self._place(request, self._token)

    @abstractmethod
    def _next_token(self, response: httpx.Response, items: list[Any]) -> object:
        """The token for the next page, or ``None`` on the last page."""

    @abstractmethod
    def _place(self, request: PageRequest, token: object) -> PageRequest:
        """Put ``token`` into ``request``."""


class _TokenInRequest(Paginator):
    """A token placed under ``param`` in the query (``location="params"``) or the JSON body."""

    def __init__(self, param: str, location: Location, *, max_pages: int | None = None) -> None:
        super().__init__(max_pages=max_pages)
        self.param = param
        self.location: Location = location

    def _place(self, request: PageRequest, token: object) -> PageRequest:
        return request.with_value(self.location, self.param, token)


class CursorParamPaginator(_TokenInRequest):
    """Cursor in the body: the body's ``cursor_key`` goes back as ``param`` (query or JSON body); the
    last page has none (or an empty one)."""

    def __init__(
        self,
        cursor_key: str = "cursor",
        param: str = "cursor",
        location: Location = "params",
        *,
        max_pages: int | None = None,
    ) -> None:
        super().__init__(param, location, max_pages=max_pages)
        self.cursor_key = cursor_key

    def _next_token(self, response: httpx.Response, items: list[Any]) -> object:
        cursor = _body(response).get(self.cursor_key)
        return cursor or None


class CursorAfterPaginator(_TokenInRequest):
    """After-token: ``paging.next.after`` in the body goes back as ``after`` (query param, or the JSON
    body for a POST search); the last page has no ``paging.next``."""

    def __init__(self, param: str = "after", location: Location = "params", *, max_pages: int | None = None) -> None:
        super().__init__(param, location, max_pages=max_pages)

    def _next_token(self, response: httpx.Response, items: list[Any]) -> object:
        paging = _body(response).get("paging")
        nxt = paging.get("next") if isinstance(paging, dict) else None
        after = nxt.get("after") if isinstance(nxt, dict) else None
        return after or None


class OffsetPaginator(_TokenInRequest):
    """Offset/limit: ``offset``/``limit`` query params; stop on a short page or when ``total`` is reached."""

    def __init__(
        self,
        limit: int,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_key: str | None = "total",
        *,
        max_pages: int | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        super().__init__(offset_param, "params", max_pages=max_pages)
        self.limit = limit
        self.limit_param = limit_param
        self.total_key = total_key
        self._offset = 0

    def init_request(self, request: PageRequest) -> PageRequest:
        """Start at offset 0 with the configured page size."""
        request = super().init_request(request)
        self._offset = 0
        return request.with_value("params", self.limit_param, self.limit).with_value("params", self.param, 0)

    def _next_token(self, response: httpx.Response, items: list[Any]) -> object:
        self._offset += len(items)
        total = _body(response).get(self.total_key) if self.total_key else None
        if len(items) < self.limit or (isinstance(total, int) and self._offset >= total):
            return None
        return self._offset


class NextLinkPaginator(Paginator):
    """Next link: follow the URL under ``link_key`` in the body unchanged (it carries the server's own
    paging token and every param); the client refuses one to another origin."""

    def __init__(self, link_key: str, *, max_pages: int | None = None) -> None:
        super().__init__(max_pages=max_pages)
        self.link_key = link_key

    def _next_token(self, response: httpx.Response, items: list[Any]) -> object:
        link = _body(response).get(self.link_key)
        return link if isinstance(link, str) and link else None

    def _place(self, request: PageRequest, token: object) -> PageRequest:
        return PageRequest(path=str(token), params={}, json=request.json)
