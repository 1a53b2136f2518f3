"""Acting as a person on the board between syncs: same state as the API, another ``modifiedBy``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .connectors import create_connector
from .items import create_item, delete_item, detach_from_frame, move_item, update_item
from .render import connector_json, item_json, tag_json
from .store import Board, Stamp
from .tags import attach_tag, create_tag, detach_tag

if TYPE_CHECKING:
    from .sandbox import MiroSandbox

__all__ = ["HumanSession"]

API_BASE = "https://api.miro.com"
COLOUR_FIELD = {"card": "cardTheme"}  # every other type is recoloured through style.fillColor


class HumanSession:
    """UI-style edits by ``user_id``; not logged as API calls and not rate-limited.

    Every method returns what ``GET`` on the API would return afterwards (``None`` for deletes);
    invalid edits raise :class:`~.errors.ApiError` just like the API would answer.
    """

    def __init__(self, sandbox: MiroSandbox, user_id: str) -> None:
        self._sandbox = sandbox
        self.user_id = user_id

    def create_item(
        self,
        board_id: str,
        item_type: str,
        *,
        data: dict[str, Any] | None = None,
        style: dict[str, Any] | None = None,
        position: dict[str, float] | None = None,
        geometry: dict[str, float] | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        """Add an item (``position`` is frame-relative when ``parent_id`` is given)."""
        payload = _payload(data=data, style=style, position=position, geometry=geometry, parent_id=parent_id)
        with self._board(board_id) as (board, stamp):
            item = create_item(self._sandbox.store, board, item_type, payload, stamp)
            return item_json(API_BASE, board, item)

    def update_item(
        self,
        board_id: str,
        item_id: str,
        *,
        data: dict[str, Any] | None = None,
        style: dict[str, Any] | None = None,
        position: dict[str, float] | None = None,
        geometry: dict[str, float] | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        """Change content, style, geometry, position and/or frame of an item."""
        payload = _payload(data=data, style=style, position=position, geometry=geometry, parent_id=parent_id)
        with self._board(board_id) as (board, stamp):
            return item_json(API_BASE, board, update_item(board, board.item(item_id), payload, stamp))

    def move_item(
        self, board_id: str, item_id: str, x: float, y: float, *, parent_id: str | None = None
    ) -> dict[str, Any]:
        """Drag an item to ``(x, y)`` (into frame ``parent_id`` when given, coordinates then frame-relative)."""
        payload = _payload(position={"x": x, "y": y}, parent_id=parent_id)
        with self._board(board_id) as (board, stamp):
            return item_json(API_BASE, board, move_item(board, board.item(item_id), payload, stamp))

    def remove_from_frame(self, board_id: str, item_id: str) -> dict[str, Any]:
        """Drag an item out of its frame onto the canvas, keeping its on-screen place."""
        with self._board(board_id) as (board, stamp):
            return item_json(API_BASE, board, detach_from_frame(board, board.item(item_id), stamp))

    def recolour(self, board_id: str, item_id: str, colour: str) -> dict[str, Any]:
        """Change an item's colour (a sticky colour name for sticky notes, hex otherwise)."""
        with self._board(board_id) as (board, stamp):
            item = board.item(item_id)
            payload = {"style": {COLOUR_FIELD.get(item.type, "fillColor"): colour}}
            return item_json(API_BASE, board, update_item(board, item, payload, stamp))

    def delete_item(self, board_id: str, item_id: str) -> None:
        """Delete an item (and its connectors)."""
        with self._board(board_id) as (board, _stamp):
            delete_item(board, board.item(item_id))

    def create_tag(self, board_id: str, title: str, fill_color: str = "red") -> dict[str, Any]:
        """Create a board tag."""
        with self._board(board_id) as (board, _stamp):
            tag = create_tag(self._sandbox.store, board, {"title": title, "fillColor": fill_color})
            return tag_json(API_BASE, board, tag)

    def tag_item(self, board_id: str, item_id: str, tag_id: str) -> None:
        """Attach a tag to a card or sticky note."""
        with self._board(board_id) as (board, stamp):
            attach_tag(board.item(item_id), board.tag(tag_id), stamp)

    def untag_item(self, board_id: str, item_id: str, tag_id: str) -> None:
        """Remove a tag from an item."""
        with self._board(board_id) as (board, stamp):
            detach_tag(board.item(item_id), board.tag(tag_id), stamp)

    def add_connector(
        self,
        board_id: str,
        start_id: str,
        end_id: str,
        *,
        shape: str | None = None,
        captions: list[dict[str, Any]] | None = None,
        style: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Draw a connector between two items."""
        payload: dict[str, Any] = {"startItem": {"id": start_id}, "endItem": {"id": end_id}}
        payload.update({k: v for k, v in (("shape", shape), ("captions", captions), ("style", style)) if v is not None})
        with self._board(board_id) as (board, stamp):
            return connector_json(API_BASE, board, create_connector(self._sandbox.store, board, payload, stamp))

    def delete_connector(self, board_id: str, connector_id: str) -> None:
        """Delete a connector."""
        with self._board(board_id) as (board, _stamp):
            del board.connectors[board.connector(connector_id).id]

    @contextmanager
    def _board(self, board_id: str) -> Iterator[tuple[Board, Stamp]]:
        with self._sandbox.edit(self.user_id) as stamp:
            create_as = stamp if self._sandbox.auto_create_boards else None
            yield self._sandbox.store.board(board_id, create_as=create_as), stamp


def _payload(*, parent_id: str | None = None, **members: Any) -> dict[str, Any]:
    payload = {k: v for k, v in members.items() if v is not None}
    if parent_id is not None:
        payload["parent"] = {"id": parent_id}
    return payload
