"""A thin Miro REST v2 client on the shared HTTP core: listing, bulk create, PATCH, delete, tags, connectors."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from cjm_sync.http import ApiClient, CallKind, CursorParamPaginator, OffsetPaginator
from cjm_sync.plugins.targets import normalise_target, path_segment
from connectors.miro.resources import BULK_LIMIT, LIST_LIMIT, type_path
from connectors.miro.rules import RULES, credit_limiter

LEVEL_1, LEVEL_2, LEVEL_3 = 50, 100, 500
_TAG_PATHS = re.compile(r"/tags(/|$)")
_ITEM = re.compile(r"/v2/boards/[^/]+/(items|[a-z_]+s|connectors)/[^/]+$")

JSON = dict[str, Any]


class MiroCost:
    """Miro's rate-limit levels as a cost function: list/create/update L2, single GET and tag ops L1,
    delete L3, bulk L2 per item.

    The core sees only method and path, so :class:`MiroClient` states what the path cannot tell
    (the size of a bulk call, a ``tag_id`` query) with :meth:`override` around those calls.
    """

    def __init__(self) -> None:
        self._local = threading.local()  # per thread: concurrent writes each state their own cost

    @contextmanager
    def override(self, kind: CallKind, credits: int) -> Iterator[None]:
        """Calls made inside the block (by this thread) cost ``credits`` each and count as ``kind``."""
        self._local.override = (kind, credits)
        try:
            yield
        finally:
            self._local.override = None

    def __call__(self, method: str, path: str) -> tuple[CallKind, int]:
        """``(kind, credits)`` of one call."""
        override: tuple[CallKind, int] | None = getattr(self._local, "override", None)
        if override is not None:
            return override
        method = method.upper()
        if _TAG_PATHS.search(path):
            return CallKind.TAG, LEVEL_1
        if method == "DELETE":
            return CallKind.DELETE, LEVEL_3
        if method == "GET":
            return (CallKind.GET, LEVEL_1) if _ITEM.search(path) else (CallKind.LIST, LEVEL_2)
        if method == "PATCH":
            return CallKind.UPDATE, LEVEL_2
        return CallKind.CREATE, LEVEL_2


class MiroClient:
    """Calls on one board; every request body matches the Miro v2 OpenAPI spec."""

    def __init__(
        self,
        board_id: str,
        *,
        base_url: str = "https://api.miro.com",
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        api: ApiClient | None = None,
    ) -> None:
        self.board_id = normalise_target(board_id, source="Miro board id")
        self._cost = MiroCost()
        self.api = api or ApiClient(
            "miro",
            base_url,
            auth=auth,
            transport=transport,
            cost=self._cost,
            rate_limiter=credit_limiter(),
            rules=RULES,
        )

    @property
    def _board(self) -> str:
        """The board's path, its id percent-encoded exactly once."""
        return f"/v2/boards/{path_segment(self.board_id)}"

    # --- reading ---------------------------------------------------------------------------------
    def items(self, item_type: str | None = None) -> Iterator[JSON]:
        """Every item on the board, or of one type (cursor-paged, 50 a page); connectors and tags are not items."""
        params = {"limit": str(LIST_LIMIT), **({"type": item_type} if item_type else {})}
        return self.api.paginate(f"{self._board}/items", CursorParamPaginator(), params=params)

    def connectors(self) -> Iterator[JSON]:
        """Every connector on the board (cursor-paged, 50 a page)."""
        return self.api.paginate(f"{self._board}/connectors", CursorParamPaginator(), params={"limit": str(LIST_LIMIT)})

    def tags(self) -> Iterator[JSON]:
        """Every tag of the board (offset-paged, 50 a page)."""
        return self.api.paginate(f"{self._board}/tags", OffsetPaginator(LIST_LIMIT), kind=CallKind.TAG)

    def members(self) -> list[JSON]:
        """The board's members ``{id, name, role, type}`` (offset-paged, 50 a page; Level 1)."""
        with self._cost.override(CallKind.LIST, LEVEL_1):
            return list(self.api.paginate(f"{self._board}/members", OffsetPaginator(LIST_LIMIT)))

    def items_with_tag(self, tag_id: str) -> list[JSON]:
        """Items carrying one tag (offset-paged, 50 a page; Level 1)."""
        with self._cost.override(CallKind.TAG, LEVEL_1):
            return list(
                self.api.paginate(
                    f"{self._board}/items", OffsetPaginator(LIST_LIMIT), params={"tag_id": tag_id}, kind=CallKind.TAG
                )
            )

    def item_tags(self, item_id: str) -> list[JSON]:
        """The tags attached to one item (``GET /items/{item_id}/tags``, Level 1)."""
        with self._cost.override(CallKind.TAG, LEVEL_1):
            body = self.api.get_json(f"{self._board}/items/{item_id}/tags", kind=CallKind.TAG)
        tags: list[JSON] = body.get("tags", []) if isinstance(body, dict) else []
        return tags

    # --- writing ---------------------------------------------------------------------------------
    def create_bulk(self, items: Sequence[Mapping[str, Any]]) -> list[JSON]:
        """Create 1–20 items in one transactional call; returns them in request order."""
        if not 1 <= len(items) <= BULK_LIMIT:
            raise ValueError(f"a bulk create takes 1 to {BULK_LIMIT} items, not {len(items)}")
        with self._cost.override(CallKind.BULK, LEVEL_2 * len(items)):
            body = self.api.post_json(f"{self._board}/items/bulk", list(items))
        created: list[JSON] = body["data"]
        return created

    def create(self, item_type: str, payload: Mapping[str, Any]) -> JSON:
        """Create one item with its per-type endpoint (frames)."""
        created: JSON = self.api.post_json(f"{self._board}/{type_path(item_type)}", dict(payload))
        return created

    def update(self, item_type: str, item_id: str, changes: Mapping[str, Any]) -> JSON:
        """PATCH only ``changes`` on one item."""
        updated: JSON = self.api.patch_json(f"{self._board}/{type_path(item_type)}/{item_id}", dict(changes))
        return updated

    def move(self, item_id: str, changes: Mapping[str, Any]) -> JSON:
        """Move (or re-parent) any item through the generic ``PATCH /items/{id}``."""
        moved: JSON = self.api.patch_json(f"{self._board}/items/{item_id}", dict(changes))
        return moved

    def delete(self, item_id: str) -> None:
        """Delete one item (already gone counts as deleted)."""
        self.api.delete(f"{self._board}/items/{item_id}", missing_ok=True)

    def create_connector(self, payload: Mapping[str, Any]) -> JSON:
        """Create a connector between two items."""
        created: JSON = self.api.post_json(f"{self._board}/connectors", dict(payload))
        return created

    def update_connector(self, connector_id: str, changes: Mapping[str, Any]) -> JSON:
        """PATCH only ``changes`` on one connector."""
        updated: JSON = self.api.patch_json(f"{self._board}/connectors/{connector_id}", dict(changes))
        return updated

    def delete_connector(self, connector_id: str) -> None:
        """Delete one connector (already gone counts as deleted)."""
        self.api.delete(f"{self._board}/connectors/{connector_id}", missing_ok=True)

    def create_tag(self, title: str, fill_color: str) -> JSON:
        """Create a board tag."""
        created: JSON = self.api.post_json(f"{self._board}/tags", {"title": title, "fillColor": fill_color})
        return created

    def attach_tag(self, item_id: str, tag_id: str) -> None:
        """Attach a tag to a card or sticky note."""
        with self._cost.override(CallKind.TAG, LEVEL_1):
            self.api.request("POST", f"{self._board}/items/{item_id}", params={"tag_id": tag_id})

    def detach_tag(self, item_id: str, tag_id: str) -> None:
        """Remove a tag from an item."""
        with self._cost.override(CallKind.TAG, LEVEL_1):
            self.api.request("DELETE", f"{self._board}/items/{item_id}", params={"tag_id": tag_id})

    def close(self) -> None:
        """Release the connection pool."""
        self.api.close()
