"""Constants and doubles shared by the Miro connector tests (conftest holds only fixtures)."""

from __future__ import annotations

from cjm_sync.plugins.whiteboard import BoardOp

BOARD = "uXjVmiro="
HUMAN = "3458764599999999999"


class RecordingJournal:
    """A journal that remembers every before/after call."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str | None]] = []

    def before(self, op: BoardOp) -> None:
        self.events.append(("before", op.key, None))

    def after(self, op: BoardOp, external_id: str | None) -> None:
        self.events.append(("after", op.key, external_id))

    def failed(self, op: BoardOp, error: str) -> None:
        self.events.append(("failed", op.key, error))
