"""One sync of one journey with one whiteboard: lock → read → merge → plan → push → write → commit.

``sync`` writes both sides, ``push`` only the board, ``pull`` only the file; ``plan``/``--dry-run``
stops after planning. Every board write is journaled before and after; the base only moves to values
both sides hold, so a crash anywhere converges on the next run.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cjm_sync.engine.annotation import annotate_merged
from cjm_sync.engine.base import settled_base
from cjm_sync.engine.crm_step import CrmStep, combined_calls
from cjm_sync.engine.file_order import keep_file_order
from cjm_sync.engine.inbox import (
    adopt_sources,
    adoptions,
    board_inbox_view,
    board_titles,
    inbox_events,
    keep_board_titles,
)
from cjm_sync.engine.report import SyncReport
from cjm_sync.engine.safety import check_writable, mass_deletions
from cjm_sync.errors import CjmSyncError, IntegrationError, UsageError
from cjm_sync.files import LoadedJourney, check_file_writable, load_journey, save_journey
from cjm_sync.merge import Conflict, MergeResult, Policies, build_journey, flatten, merge
from cjm_sync.merge.diff import changes
from cjm_sync.merge.entities import INBOX, KINDS, carries, split_key
from cjm_sync.merge.renames import likely_renames
from cjm_sync.merge.result import Side as MergeSide
from cjm_sync.plugins import (
    Capability,
    ConnectorState,
    CrmConnector,
    WhiteboardConnector,
    Window,
    entity_key,
    require,
)
from cjm_sync.plugins.targets import normalise_target
from cjm_sync.plugins.whiteboard import Authorship
from cjm_sync.schema import Journey
from cjm_sync.state import StateStore, StoreJournal
from cjm_sync.state.records import (
    Change,
    ConflictInput,
    ConflictStatus,
    Resolution,
    RunOutcome,
    Side,
    SyncCommit,
    blank_change,
)

log = logging.getLogger(__name__)

JourneyStep = Callable[[Journey], Journey]
"""A step that returns an enriched journey (CRM facts before the merge, annotation after it)."""


@dataclass
class SyncRequest:
    """What to sync and how."""

    journey_path: Path
    target: str
    command: str = "sync"
    write_file: bool = True
    write_board: bool = True
    dry_run: bool = False
    wait: bool = False
    wait_timeout: float | None = None
    policies: Policies = field(default_factory=Policies)
    facts: Sequence[JourneyStep] = ()
    annotate: Sequence[JourneyStep] = ()
    progress: Callable[[int, int], None] | None = None
    """Called with (done, total) after each board write, for progress displays."""
    allow_mass_delete: bool = False
    """Apply a run that deletes more than half of the journey (or more than 20 entities) on one side."""
    window: Window | None = None
    """The CRM metrics' window (default: 30 days ending now)."""
    full: bool = False
    """CRM pulls ignore their record caches and watermarks."""

    def __post_init__(self) -> None:
        if self.target or self.write_board:  # a CRM-only pull has no board: target ""
            self.target = normalise_target(self.target, source="target")


def local_author() -> str:
    """Who edits the journey file on this machine (``CJM_SYNC_AUTHOR`` or the login name)."""
    return os.environ.get("CJM_SYNC_AUTHOR") or getpass.getuser()


def _apply_steps(journey: Journey, steps: Sequence[JourneyStep]) -> Journey:
    for step in steps:
        journey = step(journey)
    return journey


def _board_view(theirs: dict[str, dict[str, Any]], carried: dict[str, frozenset[str]]) -> dict[str, dict[str, Any]]:
    return {
        key: {name: value for name, value in entity.items() if carries(name, carried[split_key(key)[0]])}
        for key, entity in theirs.items()
        if split_key(key)[0] in carried
    }


class SyncEngine:
    """Runs plans and syncs of journeys against one whiteboard connector and any CRM connectors, with
    state in ``store``. Without a whiteboard (``connector=None``) a run only pulls the CRMs' metrics into
    the journey file (``cjm-sync pull hubspot``)."""

    def __init__(
        self,
        store: StateStore,
        connector: WhiteboardConnector | None,
        *,
        author: str | None = None,
        crms: Sequence[CrmConnector] = (),
    ) -> None:
        if connector is None and not crms:
            raise ValueError("a sync needs a whiteboard connector or at least one CRM connector")
        self.store = store
        self.connector = connector
        self.crms = list(crms)
        self.author = author or local_author()
        self._crm: CrmStep | None = None

    @property
    def _board(self) -> WhiteboardConnector:
        assert self.connector is not None, "a board step without a whiteboard connector"
        return self.connector

    def _calls(self) -> dict[str, Any]:
        board = self.connector.api_calls() if self.connector is not None else None
        crm = self._crm.api_calls() if self._crm is not None else {}
        return combined_calls(self.connector.name if self.connector else None, board, crm)

    def run(self, request: SyncRequest) -> SyncReport:
        """Plan (and unless ``dry_run``, apply) one sync; the report says what happened."""
        if self.connector is None:
            return self._run_crm_only(request)
        name = self.connector.name
        require(name, self.connector.capabilities, Capability.READ, "read boards")
        if request.write_board and not request.dry_run:
            require(name, self.connector.capabilities, Capability.WRITE, "write boards")
        journey_id = self._load(request).journey.id  # the lock is per journey: its id comes first
        owner = f"{self.author}@{socket.gethostname()}:{request.command}"
        with self.store.acquire_lock(journey_id, owner, wait=request.wait, timeout=request.wait_timeout):
            # Everything the run works from is read under the lock: a run that waited must see what the
            # run before it wrote (the file here; base, id map and board in _run_locked), not a stale copy.
            loaded = self._load(request)
            if loaded.journey.id != journey_id:
                raise UsageError(
                    f"{loaded.path} changed its id from {journey_id!r} to {loaded.journey.id!r} while this run "
                    "waited for the lock; run the command again"
                )
            report = SyncReport(journey_id, name, request.target, "plan" if request.dry_run else request.command)
            self._recover(journey_id, report)
            run_id = None if request.dry_run else self.store.start_run(journey_id, request.command).run_id
            report.run_id = run_id
            self._crm = self._crm_step(request)
            try:
                self._run_locked(request, loaded, report, run_id)
            except BaseException as error:
                self._fail(run_id, error)
                raise
            finally:
                if self._crm is not None:
                    self._crm.discard()
            report.api_calls = self._calls()
            return report

    @staticmethod
    def _load(request: SyncRequest) -> LoadedJourney:
        """The journey file, refused when an older schema version would have to be written."""
        loaded = load_journey(request.journey_path)
        if loaded.migrated_from and request.write_file and not request.dry_run:
            raise UsageError(
                f"{loaded.path} uses schema version {loaded.migrated_from[0]}; "
                f"run `cjm-sync migrate {loaded.path}` first"
            )
        return loaded

    def _crm_step(self, request: SyncRequest) -> CrmStep | None:
        if not self.crms:
            return None
        return CrmStep(self.store, self.crms, request.window or Window.ending(), full=request.full)

    def _fail(self, run_id: str | None, error: BaseException) -> None:
        if run_id is not None:
            message = error.message if isinstance(error, CjmSyncError) else repr(error)
            self.store.finish_run(run_id, RunOutcome.FAILED, api_calls=self._calls(), error=message)

    def _pull_crm(self, journey: Journey, run_id: str | None, report: SyncReport) -> Journey:
        """The journey with the CRMs' metrics (unchanged without CRMs); metric changes go into the report."""
        if self._crm is None:
            return journey
        enriched, metric_changes = self._crm.run(journey, run_id)
        report.metric_changes = metric_changes
        report.notes.extend(self._crm.notes)
        return enriched

    def _run_crm_only(self, request: SyncRequest) -> SyncReport:
        """Lock → run record → CRM pull → plan → write file → commit cache, watermarks, log and run."""
        journey_id = self._load(request).journey.id
        names = ",".join(c.name for c in self.crms)
        owner = f"{self.author}@{socket.gethostname()}:{request.command}"
        with self.store.acquire_lock(journey_id, owner, wait=request.wait, timeout=request.wait_timeout):
            loaded = self._load(request)  # under the lock: a run that waited sees what the one before wrote
            journey_id = loaded.journey.id
            report = SyncReport(journey_id, names, "", "plan" if request.dry_run else request.command)
            self._recover(journey_id, report)
            run = None if request.dry_run else self.store.start_run(journey_id, request.command)
            report.run_id = run.run_id if run else None
            self._crm = self._crm_step(request)
            try:
                enriched = self._pull_crm(loaded.journey, report.run_id, report)
                report.file_changes = list(report.metric_changes)
                report.inbox = inbox_events(loaded.journey, enriched)
                if run is not None:
                    report.file_written = save_journey(loaded, enriched)
                    with self.store.transaction():
                        assert self._crm is not None
                        self._crm.commit(journey_id, run.started_at)
                        self.store.record_changes(run.run_id, self._metric_log(report))
                        self.store.record_changes(run.run_id, self._inbox_log(report, {}, None))
                        self.store.finish_run(
                            run.run_id,
                            RunOutcome.OK,
                            api_calls=self._calls(),
                            changes={"file": len(report.file_changes), "board": 0, "conflicts": 0},
                        )
                    report.applied = True
            except BaseException as error:
                self._fail(report.run_id, error)
                raise
            finally:
                if self._crm is not None:
                    self._crm.discard()
            report.api_calls = self._calls()
            return report

    def _metric_log(self, report: SyncReport) -> list[Change]:
        author = ",".join(c.name for c in self.crms)
        out: list[Change] = []
        for change in report.metric_changes:
            if split_key(change.key)[0] == INBOX:  # logged as inbox events (_inbox_log)
                continue
            for fc in change.fields:
                if fc.field == "description":  # a person's inbox card text kept (engine/inbox.py keep_titles)
                    out.append(Change(change.key, fc.field, Side.FILE, fc.old, fc.new, self.author, "inbox text kept"))
                    continue
                out.append(Change(change.key, fc.field, Side.FILE, fc.old, fc.new, author, "crm pull", None))
        return out

    def _inbox_log(self, report: SyncReport, authors: Mapping[str, Authorship], target: str | None) -> list[Change]:
        """One log row per inbox event: the CRM's for what the pull listed, the board person's for a card
        placed on the map (when the board names them), no one's for a dismissal (a deleted card has no author)."""
        crm = ",".join(c.name for c in self.crms) or None
        placers = [authors.get(e.entity or entity_key(INBOX, e.key)) for e in report.inbox]
        names = self._people(target, placers) if target is not None else {}
        rows: list[Change] = []
        for event in report.inbox:
            if event.event in ("added", "removed", "volume"):
                who = crm
            elif (event.event == "placed" and not event.dragged) or event.event == "restored":
                who = self.author  # the file named the key, or took back a dismissal
            else:  # a card dragged into a stage, retitled, or deleted (no author: a deleted item has no modifier)
                author = authors.get(event.entity or entity_key(INBOX, event.key))
                who = names.get(author.user, author.user) if author and author.user else None
            rows.append(event.to_change(who, target))
        return rows

    def _recover(self, journey_id: str, report: SyncReport) -> None:
        """Close runs a crash left open (their writes are reconciled from the journal on read)."""
        for run in self.store.unfinished_runs(journey_id):
            self.store.finish_run(run.run_id, RunOutcome.INTERRUPTED, error="interrupted; recovered by a later run")
            report.notes.append(f"recovered interrupted run {run.run_id}")

    def _run_locked(self, request: SyncRequest, loaded: Any, report: SyncReport, run_id: str | None) -> None:
        store, name, target = self.store, self._board.name, request.target
        journey_id = loaded.journey.id
        unsettled = store.unsettled_journal(journey_id, name, target)
        state = ConnectorState(
            id_map=store.get_id_map(journey_id, name, target),
            memo=store.get_memo(journey_id, name, target),
            pending=[{**e.op, "state": e.state.value, "external_id": e.external_id} for e in unsettled],
        )
        if unsettled:
            report.notes.append(f"reconciling {len(unsettled)} write(s) of an interrupted run")
        ours_journey = self._pull_crm(_apply_steps(loaded.journey, request.facts), run_id, report)
        state.expected = ours_journey
        known = dict(state.id_map)  # what the connector adopts while reading and planning is reported
        read = self._board.read(target, state)
        report.unplaced = list(read.unplaced)
        carried = dict(read.carried)
        base = store.get_base(journey_id, name, target)
        ours = flatten(ours_journey)
        # For half-written entities, the board as the interrupted run read it (people's edits included,
        # our partial writes not) is the best knowledge of the board side; the base otherwise.
        before = store.get_memo(journey_id, name, _read_slot(target)).get("board") if unsettled else None
        theirs = _without_opinion(flatten(read.journey), read.in_flight, {**base, **(before or {})})
        adopted = adoptions(read.journey, ours, base)
        typed = board_titles(theirs, base) if INBOX in carried else {}
        if INBOX in carried:
            theirs = board_inbox_view(theirs, ours, base, adopted)
        tombstones = set(store.tombstones(journey_id))
        result = merge(
            base or None,
            ours,
            theirs,
            carried=carried,
            policies=request.policies,
            tombstones=tombstones,
            authors=read.authors,
            file_mtime=datetime.fromtimestamp(loaded.mtime, UTC),
        )
        report.notes.extend(adopt_sources(result, adopted))
        keep_board_titles(result, typed, base)  # a card text typed on the board is not lost when the file takes its key
        annotate_merged(result, loaded.journey, request.annotate, ours, base)
        file_journey = keep_file_order(build_journey(result.file_entities, loaded.journey), loaded.journey)
        board_journey = build_journey(result.board_entities, loaded.journey)
        conflict_keys = frozenset(c.key for c in result.conflicts)
        ops = self._board.plan(board_journey, read, state, conflict_keys) if request.write_board else []
        report.board_ops = ops
        _report_adopted(report, known, state.id_map, read.in_flight, ours)
        report.renames = likely_renames(base, ours, "file") if base else []
        report.notes.extend(f"skipped: {w}" for w in read.warnings)
        # every difference between the file as it is and as it would be written (facts and annotations too)
        report.file_changes = (
            changes("file", flatten(loaded.journey), flatten(file_journey)) if request.write_file else []
        )
        report.inbox = inbox_events(loaded.journey, file_journey, typed, adopted, base) if request.write_file else []
        report.conflicts = result.conflicts
        report.overwritten = result.overwritten
        report.dropped = [
            f"{d.key} (re-created on the {d.side}, but it was deleted on purpose)" for d in result.dropped
        ]
        report.conflict_ids = {
            _conflict_ref(c): _existing_conflict_id(store, journey_id, target, c) for c in result.conflicts
        }
        sides: list[MergeSide] = []
        if request.write_file:
            sides.append("file")
        if request.write_board:
            sides.append("board")
        board_changes = [c for c in result.changes if c.side == "board"]
        if not request.allow_mass_delete:
            report.held = mass_deletions([*report.file_changes, *board_changes], base, sides)
        if request.write_file and report.file_changes:
            check_writable(file_journey, loaded.path, "file")
            if not request.dry_run:  # before any board write: a run that cannot save the file writes nothing
                check_file_writable(loaded.path)
        if request.dry_run or run_id is None:
            return
        if report.held is not None:
            store.finish_run(run_id, RunOutcome.FAILED, api_calls=self._calls(), error=report.held.explain())
            return
        self._apply(request, loaded, report, run_id, state, read, result, file_journey, ours, theirs, base)

    def _apply(
        self,
        request: SyncRequest,
        loaded: Any,
        report: SyncReport,
        run_id: str,
        state: ConnectorState,
        read: Any,
        result: MergeResult,
        file_journey: Journey,
        ours: dict[str, dict[str, Any]],
        theirs: dict[str, dict[str, Any]],
        base: dict[str, dict[str, Any]],
    ) -> None:
        store, name, target = self.store, self._board.name, request.target
        journey_id = loaded.journey.id
        carried = dict(read.carried)
        if report.board_ops:
            # what the board showed before this run's writes, for recovery if the run dies mid-way
            store.set_memo(journey_id, name, _read_slot(target), {"run_id": run_id, "board": theirs})
            total, progress = len(report.board_ops), request.progress
            journal = StoreJournal(
                store,
                run_id,
                name,
                target,
                journey=journey_id,
                on_written=(lambda done: progress(done, total)) if progress is not None else None,
            )
            self._board.apply(report.board_ops, state, journal)
            report.board_writes = len(report.board_ops)
        if request.write_file and report.file_changes:
            report.file_written = save_journey(loaded, file_journey)
        file_final = flatten(file_journey) if request.write_file else ours
        board_final = result.board_entities if request.write_board else _board_view(theirs, carried)
        new_base = settled_base(base, result.new_base, file_final, board_final, carried)
        outcome = RunOutcome.CONFLICTS if result.conflicts else RunOutcome.OK
        with store.transaction():
            if self._crm is not None and request.write_file:
                run = store.get_run(run_id)
                assert run is not None
                self._crm.commit(journey_id, run.started_at)
            for key in result.new_tombstones:
                side = Side.FILE if key not in ours else Side.BOARD
                store.add_tombstone(journey_id, key, side=side, author=self.author)
            report.conflict_ids = self._record_conflicts(journey_id, target, result, read)
            store.record_changes(run_id, self._changes(report, result, read, target))
            if request.write_file:
                store.record_changes(run_id, self._metric_log(report))
                store.record_changes(run_id, self._inbox_log(report, read.authors, target))
            store.commit_sync(
                SyncCommit(
                    journey=journey_id,
                    connector=name,
                    target=target,
                    run_id=run_id,
                    base=new_base,
                    id_map=dict(state.id_map),
                    memo=dict(state.memo),
                    outcome=outcome,
                    api_calls=self._calls(),
                    changes={
                        "board": report.board_writes,
                        "file": len(report.file_changes),
                        "conflicts": len(result.conflicts),
                    },
                )
            )
            store.set_memo(journey_id, name, "*", {"last_target": target, "path": str(loaded.path.resolve())})
            store.set_memo(journey_id, name, _read_slot(target), {})
        report.applied = True

    def _record_conflicts(self, journey_id: str, target: str, result: MergeResult, read: Any) -> dict[str, str]:
        store = self.store
        found: dict[str, str] = {}
        seen: set[tuple[str, str | None]] = set()
        for conflict in result.conflicts:
            author = read.authors.get(conflict.key)
            record = store.open_conflict(
                ConflictInput(
                    journey=journey_id,
                    target=target,
                    key=conflict.key,
                    field=conflict.field,
                    base=conflict.base,
                    file=conflict.ours,
                    board=conflict.theirs,
                    file_author=self.author,
                    board_author=author.user if author else None,
                    board_at=author.at if author else None,
                )
            )
            found[_conflict_ref(conflict)] = record.id
            seen.add((conflict.key, conflict.field))
        for record in store.conflicts(journey_id, status=ConflictStatus.OPEN, target=target):
            if (record.key, record.field) not in seen:  # settled by editing one side
                store.resolve_conflict(record.id, _settled_by(record, result))
        return found

    def _people(self, target: str, authors: Sequence[Authorship | None]) -> dict[str, str]:
        """Names of the board's people, asked of the board only when a person's edit is about to be
        logged (never on a run that pulls nothing) and only where it can name them; a failure to
        answer costs the names, never the run."""
        board = self.connector
        if board is None or Capability.PEOPLE not in board.capabilities or not any(a and a.user for a in authors):
            return {}
        try:
            return board.people(target)
        except IntegrationError as exc:
            log.warning("could not read the board's member names: %s", exc)
            return {}

    def _changes(self, report: SyncReport, result: MergeResult, read: Any, target: str) -> list[Change]:
        changes: list[Change] = []
        overwritten = {(o.key, o.field, o.side): o.reason for o in result.overwritten}
        pulled = {(c.key, fc.field) for c in report.metric_changes for fc in c.fields}  # logged as the CRM's
        names = self._people(target, [read.authors.get(c.key) for c in report.file_changes])
        for change in report.file_changes:
            if split_key(change.key)[0] == INBOX:  # logged as inbox events (_inbox_log)
                continue
            author = read.authors.get(change.key)
            who = names.get(author.user, author.user) if author and author.user else None
            if not change.fields:
                changes.append(Change(change.key, None, Side.FILE, None, None, who, change.kind.value, target))
            for fc in change.fields:
                if (change.key, fc.field) in pulled or blank_change(fc.old, fc.new):
                    continue
                reason = overwritten.get((change.key, fc.field, "file"), "merge")
                changes.append(Change(change.key, fc.field, Side.FILE, fc.old, fc.new, who, reason, target))
        for change in (c for c in result.changes if c.side == "board"):
            if not report.board_ops:
                break
            for fc in (f for f in change.fields if not blank_change(f.old, f.new)):
                reason = overwritten.get((change.key, fc.field, "board"), "merge")
                changes.append(Change(change.key, fc.field, Side.BOARD, fc.old, fc.new, self.author, reason, target))
            if not change.fields:
                changes.append(Change(change.key, None, Side.BOARD, None, None, self.author, change.kind.value, target))
        return changes


def _read_slot(target: str) -> str:
    """State slot (a memo target) holding the board view a run read before it started writing."""
    return f"{target}#before-writes"


def _without_opinion(
    theirs: dict[str, dict[str, Any]], in_flight: frozenset[str], known: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The board's entities with half-written ones replaced by what was known before the interrupted
    run wrote (``known``: its pre-write read, else the base; absent without either), so its partial
    work is neither taken as a person's edit nor as a conflict."""
    view = dict(theirs)
    for key in in_flight:
        if key in known:
            view[key] = dict(known[key])
        else:
            view.pop(key, None)
    return view


def _conflict_ref(conflict: Conflict) -> str:
    return f"{conflict.key}#{conflict.field or ''}"


def _existing_conflict_id(store: StateStore, journey_id: str, target: str, conflict: Conflict) -> str:
    for record in store.conflicts(journey_id, status=ConflictStatus.OPEN, target=target):
        if record.key == conflict.key and record.field == conflict.field:
            return record.id
    return "new"


def _settled_by(record: Any, result: MergeResult) -> Resolution:
    value = result.file_entities.get(record.key, {}).get(record.field) if record.field else None
    if value == record.board:
        return Resolution.BOARD
    if value == record.file:
        return Resolution.FILE
    return Resolution.BASE


def _report_adopted(
    report: SyncReport,
    known: Mapping[str, str],
    id_map: Mapping[str, str],
    in_flight: frozenset[str],
    ours: Mapping[str, Any],
) -> None:
    """Items the connector adopted while reading and planning (already on the board, unknown to the id
    map, e.g. after the state store was lost) are reported as adopted, not as items "left alone".
    Keys an interrupted run left half-written are recovery, reported as such elsewhere; items the id map
    knew under another key (an inbox card placed in a stage) and entities people created on the board
    (a new sticky: an entity kind the file does not have) are not adoptions."""
    mapped = set(known.values())
    adopted = {
        key: item
        for key, item in id_map.items()
        if known.get(key) != item
        and key not in in_flight
        and item not in mapped
        and not (split_key(key)[0] in KINDS and key not in ours)
    }
    if not adopted:
        return
    items = set(adopted.values())
    report.unplaced = [note for note in report.unplaced if not any(f" {item} " in note for item in items)]
    report.notes.append(
        f"adopted {len(adopted)} item(s) already on the board (the state store had no record of them; "
        "matched by content and position): they are updated in place, not drawn again"
    )
