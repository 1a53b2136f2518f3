"""The write-ahead :class:`~cjm_sync.plugins.whiteboard.Journal` that ``apply`` writes into the store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cjm_sync.plugins.whiteboard import BoardOp
from cjm_sync.state.records import JSONValue
from cjm_sync.state.store import StateStore


def op_to_json(op: BoardOp) -> dict[str, JSONValue]:
    """What the journal keeps of an op: the plan's view plus the exact request payload."""
    return {**op.to_dict(), "payload": dict(op.payload)}


@dataclass
class _Slot:
    work: Callable[[], Any]
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class _GroupCommit:
    """Runs store work in transactions, committing what several threads queued meanwhile together.

    Each caller returns only after the transaction holding its work committed (so an entry is durable
    before its write is sent), but concurrent writers share one commit (one fsync) instead of queueing
    for one each. If a transaction fails, every caller in it gets the error.
    """

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._cond = threading.Condition()
        self._queue: list[_Slot] = []
        self._committing = False

    def run(self, work: Callable[[], Any]) -> Any:
        slot = _Slot(work)
        with self._cond:
            self._queue.append(slot)
            while not slot.done:
                if self._committing:
                    self._cond.wait()
                    continue
                self._committing = True
                batch, self._queue = self._queue, []
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    self._cond.acquire()
                    self._committing = False
                    self._cond.notify_all()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            with self._store.transaction():
                for slot in batch:
                    slot.result = slot.work()
        except BaseException as error:
            for slot in batch:
                slot.error = error
        finally:
            for slot in batch:
                slot.done = True


class StoreJournal:
    """Journals each board write of one run: ``before`` commits a pending entry, ``after`` marks it done.

    Do not call it inside :meth:`StateStore.transaction`: an entry must be committed before the write.
    Thread-safe: a connector writing from several threads has its entries committed in groups (one
    transaction for whatever the threads queued meanwhile), each call returning once its entry is
    committed; nothing else uses the store while ``apply`` runs.
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
        self._commits = _GroupCommit(store)
        self._progress = threading.Lock()
        self.written = 0

    def before(self, op: BoardOp) -> None:
        """Record that ``op`` is about to be sent."""

        def append() -> None:
            entry = self._store.journal_append(self._run_id, self._connector, self._target, op_to_json(op))
            self._pending[id(op)] = (op, entry.seq)

        self._commits.run(append)

    def after(self, op: BoardOp, external_id: str | None) -> None:
        """Record that ``op`` succeeded; with ``journey`` set, a created item's id is mapped in the same commit.

        Mapping at once (not at the end of the run) is what lets a rerun after a crash find the item.
        """

        def mark() -> None:
            seq = self._take(op)
            self._store.journal_mark_done(self._run_id, seq, external_id)
            if self._journey is not None and external_id is not None and op.key:
                self._store.set_id(self._journey, self._connector, self._target, op.key, external_id)

        self._commits.run(mark)
        with self._progress:
            self.written += 1
            if self._on_written is not None:
                self._on_written(self.written)

    def failed(self, op: BoardOp, error: str) -> None:
        """Record that ``op`` was refused (so recovery need not check it)."""
        self._commits.run(lambda: self._store.journal_mark_failed(self._run_id, self._take(op), error))

    def _take(self, op: BoardOp) -> int:
        found = self._pending.pop(id(op), None)
        if found is None:
            raise ValueError(f"journal: {op.kind} {op.key} was not announced with before()")
        return found[1]
