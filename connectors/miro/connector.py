"""``MiroConnector``: the whiteboard connector for Miro (read → plan → apply on one board).

``target`` is the board id. The journey lives in one frame; see :mod:`connectors.miro.mapping` for
what stands for what and :mod:`connectors.miro.layout` for where it goes. ``state.memo`` holds
``created`` (ids of items the connector made), ``modified`` (item id → ``modifiedAt`` at the end of
the last sync), ``emotion_scale``, ``shown`` (values with several spellings on the board, as the file
wrote them, see :mod:`connectors.miro.shown`), ``self_user`` (the Miro user the connector writes as) and ``placed``
(position-derived values the board shows, kept for recovering from a half-done grid shift, see
:mod:`connectors.miro.recovery`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from cjm_sync.errors import ConfigError, FatalAPIError, OutcomeUnknown
from cjm_sync.plugins.capabilities import Capability, ConnectorKind
from cjm_sync.plugins.targets import normalise_target
from cjm_sync.plugins.whiteboard import (
    ACCESS_TOKEN_OPTION,
    ApplyResult,
    BoardOp,
    BoardRead,
    ConnectorState,
    Journal,
    OpKind,
)
from cjm_sync.schema import Journey, Scale, slugify
from connectors.miro.board import Snapshot, Tag, parse_connector, parse_items
from connectors.miro.client import JSON, MiroClient
from connectors.miro.inbox import plan_inbox
from connectors.miro.limits import limit_problems
from connectors.miro.matrix import plan_matrix
from connectors.miro.planner import REF, adopt_existing, plan_board
from connectors.miro.readback import MAX_SENDS, ReadBack
from connectors.miro.reading import interpret
from connectors.miro.recovery import Recovery, adopt_pending, in_flight, self_user, written_by_us
from connectors.miro.schedule import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, Unit, run_units, units
from connectors.miro.settings import MiroSettings
from connectors.miro.shown import (
    lane_kinds,
    placed_values,
    prefer_shown,
    restore_unshown,
    shown_values,
    unshown_values,
)

CARRIED: Mapping[str, frozenset[str]] = {
    "stage": frozenset({"title", "kind"}),
    "lane": frozenset({"title", "kind"}),
    "touchpoint": frozenset({"title", "description", "stage", "channel", "moment_of_truth", "emotion", "connections"}),
    "pain_point": frozenset({"title", "stage"}),
    "opportunity": frozenset({"title", "stage"}),
    "note": frozenset({"text", "stage", "lane"}),
    "inbox": frozenset({"title", "dismissed"}),
}
"""Fields the board represents, per entity kind; everything else comes from the journey file."""


def read_snapshot(client: MiroClient, memo: Mapping[str, Any], concurrency: int = DEFAULT_CONCURRENCY) -> Snapshot:
    """The whole board: items (cursor), connectors (cursor), tags and the items each tag is on.

    The item and connector listings and the tags' listings run side by side (up to ``concurrency``
    requests at once); the pages of one cursor listing are necessarily one after another.
    """
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="cjm-miro-read") as pool:
        items_done = pool.submit(lambda: list(client.items()))
        lines_done = pool.submit(lambda: list(client.connectors()))
        tags = {str(t["id"]): t for t in client.tags()}
        per_tag = list(pool.map(client.items_with_tag, tags))
        raw_items, raw_lines = items_done.result(), lines_done.result()
    connectors = {c.id: c for c in (parse_connector(raw) for raw in raw_lines)}
    tagged: dict[str, list[str]] = {}
    for tag, members in zip(tags.values(), per_tag, strict=True):
        for item in members:
            tagged.setdefault(str(item["id"]), []).append(str(tag["title"]))
    items = parse_items(raw_items, tagged)
    modified = memo.get("modified", {})
    stamps = [(i.id, i.modified_at) for i in items.values()] + [(c.id, c.modified_at) for c in connectors.values()]
    changed = frozenset(obj_id for obj_id, at in stamps if modified.get(obj_id) != at)
    return Snapshot(
        items, connectors, {k: Tag(k, str(t["title"]), str(t["fillColor"])) for k, t in tags.items()}, changed
    )


def _pending_adoptions(
    journey: Journey, memo: dict[str, Any], adopted: Mapping[str, str], expected: Journey | None
) -> None:
    """Inbox cards adopted into a stage keep naming their key until the journey file has the touchpoint:
    a ``push`` re-keys the card but writes no file, so the next run must still see the adoption
    (``memo["inbox_adopted"]``: touchpoint id → source key)."""
    pending = {**{str(k): str(v) for k, v in (memo.get("inbox_adopted") or {}).items()}, **adopted}
    in_file = {t.id for t in expected.touchpoints} if expected is not None else set()
    on_board = {t.id: t for t in journey.touchpoints}
    for ident, key in pending.items():
        if ident in on_board and ident not in in_file:
            on_board[ident].sources = [key]
    memo["inbox_adopted"] = {i: k for i, k in pending.items() if i in on_board and i not in in_file}


class MiroConnector:
    """Sync a journey with a frame on a Miro board."""

    name: ClassVar[str] = "miro"
    kind: ClassVar[ConnectorKind] = ConnectorKind.WHITEBOARD
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.READ, Capability.WRITE, Capability.PEOPLE})
    limit_problems = staticmethod(limit_problems)
    """Journey values Miro would refuse (see :mod:`connectors.miro.limits`)."""

    def __init__(
        self,
        settings: MiroSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        emotion_lines: bool = True,
    ) -> None:
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ConfigError(f"Miro concurrency must be between 1 and {MAX_CONCURRENCY}, not {concurrency}")
        self.concurrency = concurrency
        """Requests per board in flight at once (reads side by side, independent writes)."""
        self.emotion_lines = emotion_lines
        """Join the emotion curve's points with connectors (one per touchpoint with an emotion)."""
        self.settings = settings or MiroSettings.from_env()
        self._auth = self.settings.auth()
        self._credential = self.settings.fingerprint()
        """Which credential writes (a hash, never the secret): the remembered own user belongs to it."""
        self._transport = transport
        self._clients: dict[str, MiroClient] = {}
        self._target = ""
        self._placing: frozenset[str] = frozenset()
        """Touchpoints whose card the last read adopted from the inbox (laid out by the next plan)."""

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: httpx.BaseTransport | None = None) -> MiroConnector:
        """A connector from a ``[connectors.miro]`` table and the environment (the environment's credentials).

        With ``sandbox`` set, the built-in emulator behind ``transport`` accepts any token, so none is needed.
        ``options["access_token"]`` (a journey's ``board.token_env`` token, see
        :data:`~cjm_sync.plugins.whiteboard.ACCESS_TOKEN_OPTION`) wins over the environment's credentials.
        """
        settings = MiroSettings.from_env()
        updates: dict[str, Any] = {}
        if options.get("base_url"):
            updates["base_url"] = str(options["base_url"])
        token = options.get(ACCESS_TOKEN_OPTION)
        if token is not None:
            if not isinstance(token, str) or not token:
                raise ConfigError("the Miro access token given for this board is empty")
            # this board's own user: no refresh trio of the default user may stand in for it
            updates.update(access_token=SecretStr(token), client_id=None, client_secret=None, refresh_token=None)
        elif options.get("sandbox") and settings.access_token is None and settings.refresh_token is None:
            # Any token works; this one is registered as a secret like every token, so it must be a
            # string no message contains ("sandbox" turned every mention of the sandbox into ***).
            updates["access_token"] = SecretStr("cjm-sync-sandbox-access-token")
        concurrency = options.get("concurrency", DEFAULT_CONCURRENCY)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise ConfigError(f"[connectors.miro] concurrency must be a whole number, not {concurrency!r}")
        emotion_lines = options.get("emotion_lines", True)
        if not isinstance(emotion_lines, bool):
            raise ConfigError(f"[connectors.miro] emotion_lines must be true or false, not {emotion_lines!r}")
        return cls(settings.model_copy(update=updates), transport, concurrency=concurrency, emotion_lines=emotion_lines)

    def client(self, target: str) -> MiroClient:
        """The API client for board ``target`` (one HTTP pool per board)."""
        board_id = target or self.settings.board_id
        if not board_id:
            raise ConfigError("no Miro board given", hint="pass the board id as the target or set CJM_MIRO_BOARD_ID")
        board_id = normalise_target(board_id, source="Miro board id")
        if board_id not in self._clients:
            self._clients[board_id] = MiroClient(
                board_id, base_url=self.settings.base_url, auth=self._auth, transport=self._transport
            )
        return self._clients[board_id]

    def read(self, target: str, state: ConnectorState) -> BoardRead:
        """Read the board and interpret the journey frame; updates the id map for people's additions."""
        self._target = target
        try:
            snapshot = read_snapshot(self.client(target), state.memo, self.concurrency)
        except FatalAPIError as error:
            if error.status != 404:
                raise
            raise ConfigError(
                f"Miro board {normalise_target(target)!r} not found (or the token cannot see it)",
                hint="check --board / the config's board target; the id is the part after /app/board/ in its link",
            ) from None
        scale = Scale.model_validate(state.memo.get("emotion_scale") or {})
        journey_id = str(state.memo.get("journey") or slugify(target, fallback="journey"))
        if state.memo.get("self_user_of", self._credential) != self._credential:
            # another token writes now (a journey moved to its own token_env user): the remembered user
            # and the items it made say nothing about this one; until its first confirmed create, an
            # unconfirmed create is matched by type, text and place whoever made the item
            state.memo.pop("self_user", None)
            me = None
        else:
            me = self_user(snapshot, state.memo, state.pending)
        state.memo["self_user_of"] = self._credential
        if me is not None:
            state.memo["self_user"] = me
        recovery = Recovery()
        if state.pending:
            snapshot, recovery = self._recover(snapshot, state, me)
        if state.expected is not None:
            adopt_existing(state.expected, snapshot, state.id_map)
        result = interpret(
            snapshot,
            state.id_map,
            journey_id=journey_id,
            emotion_scale=scale,
            pinned=recovery.pinned,
            settled=state.memo.get("placed") or {},
            lane_kinds=lane_kinds(state.memo.get("shown") or {}),
            frameless=bool(state.memo.get("frameless")),
            expected=state.expected,
        )
        _pending_adoptions(result.journey, state.memo, result.adopted, state.expected)
        self._placing = frozenset(f"touchpoint:{ident}" for ident in result.adopted)
        prefer_shown(result.journey, state.memo.get("shown") or {}, result.card_texts)
        restore_unshown(result.journey, state.memo.get("unshown") or {})
        ours = set(state.id_map.values())
        stamps = [(i.id, i.modified_at) for i in snapshot.items.values()]
        stamps += [(c.id, c.modified_at) for c in snapshot.connectors.values()]
        state.memo["modified"] = {obj_id: at for obj_id, at in stamps if obj_id in ours and at}
        return BoardRead(
            target=target,
            journey=result.journey,
            carried=CARRIED,
            authors=result.authors,
            unplaced=result.unplaced,
            snapshot=(target, snapshot),
            in_flight=recovery.in_flight | result.doubtful,
        )

    def _recover(self, snapshot: Snapshot, state: ConnectorState, me: str | None) -> tuple[Snapshot, Recovery]:
        """Adopt what interrupted runs created, and find what they left half-written (see
        :mod:`connectors.miro.recovery`); their own writes do not count as changes since the last sync."""
        adopted = adopt_pending(snapshot, state.id_map, state.pending, me)
        created = [str(c) for c in state.memo.get("created", [])]
        made = {str(e["key"]) for e in state.pending if e.get("op") == "create" and e.get("external_id")}
        for key in sorted(made | set(adopted)):
            item_id = state.id_map.get(key)
            if item_id and item_id not in created:
                created.append(item_id)
        state.memo["created"] = created
        ours = written_by_us(state.pending, state.id_map)
        mine = {i for i in ours if (self._modifier(snapshot, i) or me) == me}
        snapshot = replace(snapshot, changed=snapshot.changed - mine)
        return snapshot, in_flight(snapshot, state.id_map, state.pending, me)

    @staticmethod
    def _modifier(snapshot: Snapshot, obj_id: str) -> str | None:
        item = snapshot.items.get(obj_id)
        if item is not None:
            return item.modified_by
        line = snapshot.connectors.get(obj_id)
        return line.modified_by if line is not None else None

    def plan(
        self, desired: Journey, read: BoardRead, state: ConnectorState, conflicts: frozenset[str] = frozenset()
    ) -> list[BoardOp]:
        """The fewest ops that make the board show ``desired``; ``conflicts`` are tagged, not overwritten."""
        self._target, snapshot = read.snapshot
        state.memo["journey"] = desired.id
        state.memo["emotion_scale"] = desired.emotion_scale.model_dump(mode="json")
        state.memo["placed"] = placed_values(desired)
        state.memo["shown"] = shown_values(desired)
        skipped: list[tuple[str, str]] = []
        ops = plan_board(
            desired,
            snapshot,
            state.id_map,
            state.memo,
            conflicts,
            skipped,
            read.warnings,
            emotion_lines=self.emotion_lines,
            placing=self._placing,
        )
        state.memo["unshown"] = unshown_values(skipped)
        ops += plan_inbox(desired, snapshot, state.id_map, state.memo, ops)
        return ops + plan_matrix(desired, snapshot, state.id_map, ops)

    def apply(self, ops: Sequence[BoardOp], state: ConnectorState, journal: Journal) -> ApplyResult:
        """Perform ``ops`` (planned from the last read board): up to ``concurrency`` writes at once, each
        after the writes it depends on; item creates go out as transactional bulk calls of ≤ 20 (see
        :mod:`connectors.miro.schedule`). Every write is journaled before it is sent and after its answer."""
        return _Applier(self.client(self._target), state, journal, self.concurrency).run(ops)

    def people(self, target: str) -> dict[str, str]:
        """Display names by user id, from the board's member list (``GET /v2/boards/{id}/members``)."""
        return {
            str(member["id"]): str(member["name"])
            for member in self.client(target).members()
            if member.get("id") and member.get("name")
        }

    def api_calls(self) -> dict[str, Any]:
        """Calls and credits spent so far, over every board."""
        totals: dict[str, Any] = {}
        for client in self._clients.values():
            for name, value in client.api.stats.to_dict().items():
                if isinstance(value, dict):
                    merged = totals.setdefault(name, {})
                    for k, v in value.items():
                        merged[k] = merged.get(k, 0) + v
                else:
                    totals[name] = totals.get(name, 0) + value
        return totals

    def close(self) -> None:
        """Release HTTP resources."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()


class _Applier:
    """Performs one plan: resolves ``@key:`` references, journals every write, records ids and times."""

    def __init__(self, client: MiroClient, state: ConnectorState, journal: Journal, concurrency: int) -> None:
        self.client = client
        self.state = state
        self.journal = journal
        self.concurrency = concurrency
        self._lock = threading.Lock()  # the id map, memo and result are shared by the write threads
        self._in_flight: dict[int, BoardOp] = {}  # creates being sent by any thread, not yet recorded
        self.result = ApplyResult()
        self.created: list[str] = list(state.memo.get("created", []))
        self.modified: dict[str, Any] = dict(state.memo.get("modified", {}))
        self.tagged: set[str] = set()

    def run(self, ops: Sequence[BoardOp]) -> ApplyResult:
        try:
            run_units(units(ops), self._perform, self.concurrency)
            if self.tagged:
                self._refresh_times()
        finally:
            self.state.memo["created"] = self.created
            self.state.memo["modified"] = self.modified
        return self.result

    def _perform(self, unit: Unit) -> None:
        """One request's worth of ops (runs in a worker thread; see :mod:`connectors.miro.schedule`)."""
        creates = [op for op in unit.ops if op.kind is OpKind.CREATE]
        with self._lock:
            self._in_flight.update((id(op), op) for op in creates)
        try:
            if unit.bulk:
                self._bulk(list(unit.ops))
            else:
                self._one(unit.ops[0])
        finally:
            with self._lock:
                for op in creates:
                    self._in_flight.pop(id(op), None)

    def _created(self, ops: Sequence[BoardOp]) -> dict[str, JSON]:
        """What the creates ``ops`` (answers lost) made, read back with the other threads' creates still in
        flight competing for the same items (see :meth:`ReadBack.created`)."""
        with self._lock:
            mine = {id(op) for op in ops}
            others = [op for key, op in self._in_flight.items() if key not in mine and op.key not in self.state.id_map]
        return self._readback().created(ops, others)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(REF):
            return self.state.id_map[value[len(REF) :]]
        if isinstance(value, Mapping):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    def _record(self, op: BoardOp, body: JSON | None, created: bool = False) -> None:
        with self._lock:
            self._note(op, body, created)
        self.journal.after(op, str(body["id"]) if created and body else None)

    def _note(self, op: BoardOp, body: JSON | None, created: bool) -> None:
        if body is not None:
            item_id = str(body["id"])
            if created:
                self.state.id_map[op.key] = item_id
                self.created.append(item_id)
                self.result.created[op.key] = item_id
            if body.get("modifiedAt"):
                self.modified[item_id] = body["modifiedAt"]
            creator = body.get("createdBy")
            if created and isinstance(creator, Mapping) and creator.get("id") is not None:
                self.state.memo["self_user"] = str(creator["id"])
        self.result.applied += 1

    def _bulk(self, batch: list[BoardOp]) -> None:
        todo = batch
        for send in range(1, MAX_SENDS + 1):
            for op in todo:
                self.journal.before(op)
            try:
                created = self.client.create_bulk([self._resolve(op.payload) for op in todo])
            except OutcomeUnknown as lost:  # a bulk call is transactional: all of it happened, or none
                found = self._created(todo)
                for op in todo:
                    if op.key in found:
                        self._record(op, found[op.key], created=True)
                todo = self._not_made([op for op in todo if op.key not in found], lost, send)
                if not todo:
                    return
                continue
            for op, body in zip(todo, created, strict=True):
                self._record(op, body, created=True)
            return

    def _one(self, op: BoardOp) -> None:
        for send in range(1, MAX_SENDS + 1):
            self.journal.before(op)
            try:
                self._send(op)
                return
            except OutcomeUnknown as lost:
                if self._made(op) or not self._not_made([op], lost, send):
                    return

    def _not_made(self, ops: list[BoardOp], lost: OutcomeUnknown, send: int) -> list[BoardOp]:
        """``ops`` were read back and not found: mark them failed and return them to be sent again, or —
        once :data:`MAX_SENDS` sends had their answers lost — stop the run (they stay pending for recovery)."""
        if ops and send >= MAX_SENDS:
            raise lost
        for op in ops:
            self.journal.failed(op, f"not on the board after a lost answer ({lost.message}); sent again")
        return ops

    def _readback(self) -> ReadBack:
        self_user = self.state.memo.get("self_user")
        return ReadBack(self.client, self.state.id_map, str(self_user) if self_user else None)

    def _made(self, op: BoardOp) -> bool:
        """Whether the write ``op``, whose answer was lost, happened; if so it is recorded as done."""
        readback = self._readback()
        if op.kind is OpKind.TAG:
            target, tag_id = self._tag_target(op)
            if not readback.has_tag(target, tag_id):
                return False
            with self._lock:
                self.tagged.add(target)
            self._record(op, None)
            return True
        if op.item_type == "tag":
            found_tag = readback.tag_id(str(op.payload["title"]))
            if found_tag is None:
                return False
            self._record_tag(op, found_tag)
            return True
        found = self._created([op]).get(op.key)
        if found is None:
            return False
        self._record(op, found, created=True)
        return True

    def _record_tag(self, op: BoardOp, tag_id: str) -> None:
        with self._lock:
            self.state.id_map[op.key] = tag_id
            self.result.applied += 1
        self.journal.after(op, tag_id)

    def _tag_target(self, op: BoardOp) -> tuple[str, str]:
        target = op.external_id or self.state.id_map.get(op.key)
        payload = self._resolve(op.payload)
        tag_id = payload.get("tag_id") or self.state.id_map.get(f"tag:{payload['tag']}")
        assert target is not None, f"no board id for {op.key}"
        assert tag_id is not None, f"tag {payload['tag']!r} was neither on the board nor created"
        return target, str(tag_id)

    def _send(self, op: BoardOp) -> None:
        """Perform one write and record it; :class:`OutcomeUnknown` when its answer was lost."""
        payload = self._resolve(op.payload)
        target = op.external_id or self.state.id_map.get(op.key)
        body: JSON | None = None
        if op.kind is OpKind.CREATE:
            if op.item_type == "tag":
                tag = self.client.create_tag(payload["title"], payload["fillColor"])
                self._record_tag(op, str(tag["id"]))
                return
            if op.item_type == "connector":
                body = self.client.create_connector(payload)
            else:
                body = self.client.create(op.item_type, payload)
            self._record(op, body, created=True)
            return
        assert target is not None, f"no board id for {op.key}"
        if op.kind is OpKind.UPDATE:
            if op.item_type == "connector":
                body = self.client.update_connector(target, payload)
            else:
                body = self.client.update(op.item_type, target, payload)
        elif op.kind is OpKind.MOVE:
            body = self.client.move(target, payload)
        elif op.kind in (OpKind.TAG, OpKind.UNTAG):
            target, tag_id = self._tag_target(op)
            (self.client.attach_tag if op.kind is OpKind.TAG else self.client.detach_tag)(target, tag_id)
            with self._lock:
                self.tagged.add(target)
        elif op.kind is OpKind.DELETE:
            (self.client.delete_connector if op.item_type == "connector" else self.client.delete)(target)
            with self._lock:
                self.state.id_map.pop(op.key, None)
                self.modified.pop(target, None)
                self.created = [c for c in self.created if c != target]
        self._record(op, body)

    def _refresh_times(self) -> None:
        """Tagging changes an item's ``modifiedAt`` without returning it: read it back from the list of sticky
        notes (the only items cjm-sync tags), so our own tag writes are not taken for a person's edit."""
        for raw in self.client.items("sticky_note"):
            if str(raw["id"]) in self.tagged and raw.get("modifiedAt"):
                self.modified[str(raw["id"])] = raw["modifiedAt"]
