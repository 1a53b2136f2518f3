"""The write-ahead :class:`~cjm_sync.plugins.whiteboard.Journal` that ``apply`` writes into the store."""

from __future__ import annotations

from collections.abc import Callable

from cjm_sync.plugins.whiteboard import BoardOp
from cjm_sync.state.records import JSONValue
from cjm_sync.state.store import StateStore


def op_to_json(op: BoardOp) -> dict[str, JSONValue]:
    """What the journal keeps of an op: the plan's view plus the exact request payload."""
    return {**op.to_dict(), "payload": dict(op.payload)}


class StoreJournal:
    """Journals each board write of one run: ``before`` commits a pending entry, ``after`` marks it done.

    Do not call it inside :meth:`StateStore.transaction`: an entry must be committed before the write.
    """

    def __init__(
        self,
        store: StateStore,
        run_id: str,
        connector: str,
        target: str,
        *,
        journey: str | None = None,
        on_written: Callable[[int], None] | None = None,
    ) -> None:
        self._store = store
        self._run_id = run_id
        self._connector = connector
        self._target = target
        self._journey = journey
        self._pending: dict[int, tuple[BoardOp, int]] = {}
        self._on_written = on_written
        self.written = 0

    def before(self, op: BoardOp) -> None:
        """Record that ``op`` is about to be sent."""
        entry = self._store.journal_append(self._run_id, self._connector, self._target, op_to_json(op))
        self._pending[id(op)] = (op, entry.seq)

    def after(self, op: BoardOp, external_id: str | None) -> None:
        """Record that ``op`` succeeded; with ``journey`` set, a created item's id is mapped in the same commit.

        Mapping at once (not at the end of the run) is what lets a rerun after a crash find the item.
        """
        seq = self._take(op)
        with self._store.transaction():
            self._store.journal_mark_done(self._run_id, seq, external_id)
            if self._journey is not None and external_id is not None and op.key:
                self._store.set_id(self._journey, self._connector, self._target, op.key, external_id)
        self.written += 1
        if self._on_written is not None:
            self._on_written(self.written)

    def failed(self, op: BoardOp, error: str) -> None:
        """Record that ``op`` was refused (so recovery need not check it)."""
        self._store.journal_mark_failed(self._run_id, self._take(op), error)

    def _take(self, op: BoardOp) -> int:
        found = self._pending.pop(id(op), None)
        if found is None:
            raise ValueError(f"journal: {op.kind} {op.key} was not announced with before()")
        return found[1]
