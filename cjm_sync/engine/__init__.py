"""The sync engine: one cycle of lock → read → merge → plan → push → write → commit."""

from cjm_sync.engine.cycle import JourneyStep, SyncEngine, SyncRequest, local_author
from cjm_sync.engine.report import SyncReport

__all__ = ["JourneyStep", "SyncEngine", "SyncReport", "SyncRequest", "local_author"]
