"""The contract between the sync engine and a whiteboard connector (Miro, or a third party's Mural).

The engine owns merging; the connector owns the board. Per sync the engine calls:

1. ``read(target, state)`` → :class:`BoardRead`: the board interpreted as a neutral :class:`Journey`
   (ids resolved through ``state.id_map``), plus which fields the board carries at all.
2. ``plan(desired, read, state, conflicts)`` → the exact list of :class:`BoardOp` needed to make the
   board show ``desired`` with the fewest writes (nothing for items already right).
3. ``apply(ops, state, journal)`` performs those ops, calling ``journal.before(op)`` before and
   ``journal.after(op, external_id)`` after every external write, so a crash at any point can be
   recovered on the next run. A write whose answer was lost is read back in the same run: found, it is
   recorded with ``after``; not found, it is marked ``journal.failed`` and sent again (a new ``before``).

``state`` is a :class:`ConnectorState`: the id map (entity key → external id) and a JSON-serialisable
``memo`` the connector keeps between runs (e.g. item modification times at the last sync). The engine
persists both, and commits the memo only when the whole sync succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from cjm_sync.plugins.capabilities import Capability, ConnectorKind
from cjm_sync.schema import Journey

JSONValue = Any
"""A JSON-serialisable value."""


def entity_key(kind: str, entity_id: str) -> str:
    """Key of a journey entity or board-only element in id maps and plans, e.g. ``touchpoint:signup``."""
    return f"{kind}:{entity_id}"


class OpKind(StrEnum):
    """What a board operation does."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MOVE = "move"
    TAG = "tag"
    UNTAG = "untag"


@dataclass(frozen=True)
class FieldChange:
    """One field changing from ``old`` to ``new``."""

    field: str
    old: JSONValue
    new: JSONValue


@dataclass(frozen=True)
class BoardOp:
    """One write to the board, as shown in a plan and performed by ``apply``.

    ``key`` is the entity key the item stands for (``touchpoint:signup``, ``stage-header:awareness``,
    ``connection:a->b`` …); ``item_type`` the vendor's item type; ``payload`` the vendor request body
    (create/update), kept so that ``apply`` performs exactly what the plan showed.
    """

    kind: OpKind
    key: str
    item_type: str
    external_id: str | None = None
    changes: tuple[FieldChange, ...] = ()
    payload: Mapping[str, JSONValue] = field(default_factory=dict)
    summary: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        """Machine-readable form for ``plan --json``."""
        return {
            "op": self.kind.value,
            "key": self.key,
            "item_type": self.item_type,
            "external_id": self.external_id,
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "summary": self.summary,
        }


@dataclass
class ConnectorState:
    """What a whiteboard connector keeps between runs for one board (persisted by the engine)."""

    id_map: MutableMapping[str, str] = field(default_factory=dict)
    memo: dict[str, JSONValue] = field(default_factory=dict)
    pending: list[dict[str, JSONValue]] = field(default_factory=list)
    """Writes of interrupted runs since the last successful one (journal entries: ``op``, ``key``,
    ``item_type``, ``payload``, ``state`` pending|done|failed, ``external_id``). A connector adopts items
    those writes may have created before planning new ones, and reports the keys they touched as
    ``BoardRead.in_flight``."""
    expected: Journey | None = None
    """The journey the engine expects the board to show (the file's), set before ``read``. When the id
    map has lost its entries (a deleted state store) a connector matches the board's items to it first,
    tolerating text people edited, so that existing items are read as the entities they are."""


@dataclass(frozen=True)
class Authorship:
    """Who last changed an item on the board, and when."""

    user: str | None
    at: datetime | None


@dataclass
class BoardRead:
    """The board as the engine sees it.

    ``journey`` holds only what the board shows; ``carried`` maps an entity kind (``touchpoint``,
    ``stage``, ``pain_point``, ``opportunity``, ``note``, ``lane``) to the field names the board
    represents — every other field of that kind is taken from the base/file side. ``authors`` maps an
    entity key to who last modified it on the board (for ``newest-wins`` and the activity log).
    ``unplaced`` lists human-readable notes on items the connector saw but could not interpret (left
    alone). ``snapshot`` is connector-private data ``plan`` needs (current items, geometry…).
    ``in_flight`` lists keys an interrupted run left half-written (see :class:`ConnectorState`).
    """

    target: str
    journey: Journey
    carried: Mapping[str, frozenset[str]]
    authors: Mapping[str, Authorship] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    snapshot: Any = None
    in_flight: frozenset[str] = frozenset()
    """Entity keys whose board state is the half-done work of an interrupted run (not a person's edit):
    the engine takes no opinion from the board on them and re-plans them from the base."""
    warnings: list[str] = field(default_factory=list)
    """What ``plan`` left out because board state the tool cannot change leaves no room (a vendor
    limit): the rest is still written and the run succeeds; the engine reports these."""


class Journal(Protocol):
    """Write-ahead journal the engine hands to ``apply``."""

    def before(self, op: BoardOp) -> None:
        """Record that ``op`` is about to be sent."""

    def after(self, op: BoardOp, external_id: str | None) -> None:
        """Record that ``op`` succeeded (``external_id`` of a created item)."""

    def failed(self, op: BoardOp, error: str) -> None:
        """Record that ``op`` did not happen (e.g. read back after a lost answer and not found); a
        connector that sends it again announces the new attempt with :meth:`before`."""


ACCESS_TOKEN_OPTION = "access_token"  # noqa: S105 - an option's name
"""The ``from_config`` option carrying one journey's board token (config ``board.token_env``); the config
file cannot set it (secret-looking keys are refused there), only the CLI after reading the variable."""


@dataclass
class ApplyResult:
    """What ``apply`` did."""

    applied: int = 0
    created: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class WhiteboardConnector(Protocol):
    """A connector to a whiteboard tool. Discovered through the ``cjm_sync.connectors`` entry points."""

    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    capabilities: ClassVar[frozenset[Capability]]

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> WhiteboardConnector:
        """An instance from the connector's config table (credentials come from the environment).

        ``transport`` is an ``httpx.BaseTransport`` to use instead of the network (sandbox, tests);
        ``options["sandbox"]`` says the transport is the connector's built-in emulator;
        ``options[ACCESS_TOKEN_OPTION]`` (a ``str``, set by the CLI from a journey's ``board.token_env``,
        never from the config file) is the access token this instance uses instead of the environment's.
        """

    def read(self, target: str, state: ConnectorState) -> BoardRead:
        """Read the whole board ``target`` and interpret it as a journey."""

    def plan(
        self, desired: Journey, read: BoardRead, state: ConnectorState, conflicts: frozenset[str] = frozenset()
    ) -> list[BoardOp]:
        """The minimal ops that make the board show ``desired``; flag entity keys in ``conflicts``."""

    def apply(self, ops: Sequence[BoardOp], state: ConnectorState, journal: Journal) -> ApplyResult:
        """Perform ``ops`` in order, journaling each external write."""

    def people(self, target: str) -> dict[str, str]:
        """Display names of the people on board ``target`` by user id (only called when
        ``capabilities`` has ``Capability.PEOPLE``; an id the board does not name is left out)."""

    def api_calls(self) -> dict[str, JSONValue]:
        """API calls spent so far by kind (and credits, where the vendor counts them)."""

    def close(self) -> None:
        """Release HTTP resources."""
