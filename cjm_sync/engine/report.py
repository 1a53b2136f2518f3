"""What a plan or a sync found and did, for text and ``--json`` output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cjm_sync.engine.safety import MassDelete
from cjm_sync.merge.renames import Rename
from cjm_sync.plugins import BoardOp


@dataclass
class SyncReport:
    """The outcome of one plan/sync/push/pull of one journey with one board."""

    journey: str
    connector: str
    target: str
    mode: str
    board_ops: list[BoardOp] = field(default_factory=list)
    file_changes: list[Any] = field(default_factory=list)
    conflicts: list[Any] = field(default_factory=list)
    conflict_ids: dict[str, str] = field(default_factory=dict)
    overwritten: list[Any] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    applied: bool = False
    file_written: bool = False
    board_writes: int = 0
    api_calls: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    notes: list[str] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    """Entities whose id changed but not their content (planned as delete + create; see ``merge.renames``)."""
    held: MassDelete | None = None
    """Set when the run applied nothing because it would delete too much on one side (see ``safety``)."""
    metric_changes: list[Any] = field(default_factory=list)
    """The CRM pull's changes to the file (also part of ``file_changes``)."""
    inbox: list[Any] = field(default_factory=list)
    """What changes in the journey's inbox (:class:`~cjm_sync.engine.inbox.InboxEvent`), also part of
    ``file_changes`` as ``inbox:<key>`` entities."""

    @property
    def has_changes(self) -> bool:
        """True when the plan would write anything on either side."""
        return bool(self.board_ops or self.file_changes)
