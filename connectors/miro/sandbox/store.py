"""The board state: boards holding items, tags and connectors, plus id allocation and persistence."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import not_found

__all__ = ["Board", "Connector", "Item", "Stamp", "Store", "Tag"]

FIRST_ID = 3_458_764_600_000_000_000  # Miro ids are int64 numbers sent as strings


@dataclass(frozen=True)
class Stamp:
    """Who changes something, and when (ISO-8601 UTC)."""

    actor: str
    at: str


@dataclass
class Item:
    """A board item. ``x``/``y`` are frame-relative (top-left) when ``parent_id`` is set."""

    id: str
    type: str
    data: dict[str, Any]
    style: dict[str, Any]
    geometry: dict[str, float]
    x: float
    y: float
    parent_id: str | None
    created_at: str
    created_by: str
    modified_at: str
    modified_by: str
    tag_ids: list[str] = field(default_factory=list)

    def touch(self, stamp: Stamp) -> None:
        """Record a modification."""
        self.modified_at, self.modified_by = stamp.at, stamp.actor


@dataclass
class Tag:
    """A board tag."""

    id: str
    title: str
    fill_color: str


@dataclass
class Connector:
    """A line between two items; ``start``/``end`` hold ``{id, position?, snapTo?}``."""

    id: str
    start: dict[str, Any]
    end: dict[str, Any]
    shape: str
    captions: list[dict[str, Any]]
    style: dict[str, Any]
    created_at: str
    created_by: str
    modified_at: str
    modified_by: str

    def touch(self, stamp: Stamp) -> None:
        """Record a modification."""
        self.modified_at, self.modified_by = stamp.at, stamp.actor


@dataclass
class Board:
    """One board and everything on it (dicts keep creation order, which is id order)."""

    id: str
    name: str
    description: str
    created_at: str
    created_by: str
    modified_at: str
    modified_by: str
    items: dict[str, Item] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    connectors: dict[str, Connector] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        """The item with this id, or a 404."""
        found = self.items.get(item_id)
        if found is None:
            raise not_found("Item")
        return found

    def tag(self, tag_id: str) -> Tag:
        """The tag with this id, or a 404."""
        found = self.tags.get(tag_id)
        if found is None:
            raise not_found("Tag")
        return found

    def connector(self, connector_id: str) -> Connector:
        """The connector with this id, or a 404."""
        found = self.connectors.get(connector_id)
        if found is None:
            raise not_found("Connector")
        return found


class Store:
    """All boards plus the id sequence; serialisable with :meth:`dump` / :meth:`load`."""

    def __init__(self) -> None:
        self.boards: dict[str, Board] = {}
        self.users: dict[str, str] = {}
        """Display names by user id (``GET /boards/{id}/members`` answers with them)."""
        self._ids = itertools.count(FIRST_ID)

    def new_id(self) -> str:
        """A fresh numeric id (monotonic, so sorting by id is creation order)."""
        return str(next(self._ids))

    def new_board_id(self) -> str:
        """A fresh board id in Miro's ``uXjV...=`` style."""
        return f"uXjV{int(self.new_id()) % 10**8:08d}="

    def board(self, board_id: str, *, create_as: Stamp | None = None) -> Board:
        """The board with this id; unknown ids are created when ``create_as`` is given, else 404."""
        found = self.boards.get(board_id)
        if found is None:
            if create_as is None:
                raise not_found("Board")
            found = self.add_board(board_id, "Untitled", "", create_as)
        return found

    def add_board(self, board_id: str, name: str, description: str, stamp: Stamp) -> Board:
        """Create and register a board."""
        board = Board(board_id, name, description, stamp.at, stamp.actor, stamp.at, stamp.actor)
        self.boards[board_id] = board
        return board

    def dump(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot."""
        next_id = next(self._ids)
        self._ids = itertools.count(next_id)
        boards = [asdict(b) for b in self.boards.values()]
        return {"version": 1, "next_id": next_id, "boards": boards, "users": dict(self.users)}

    @classmethod
    def load(cls, snapshot: dict[str, Any]) -> Store:
        """Rebuild a store from :meth:`dump` output."""
        store = cls()
        store._ids = itertools.count(int(snapshot["next_id"]))
        store.users = {str(k): str(v) for k, v in snapshot.get("users", {}).items()}
        for raw in snapshot["boards"]:
            board = Board(**{k: v for k, v in raw.items() if k not in ("items", "tags", "connectors")})
            board.items = {i["id"]: Item(**i) for i in raw["items"].values()}
            board.tags = {t["id"]: Tag(**t) for t in raw["tags"].values()}
            board.connectors = {c["id"]: Connector(**c) for c in raw["connectors"].values()}
            store.boards[board.id] = board
        return store
