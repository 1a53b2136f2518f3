"""The sandbox: one request pipeline (faults → latency → auth → credits → route) over one locked state."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .auth import TokenPair, TokenRegistry
from .clock import Clock, SystemClock, iso_utc
from .context import Context, Dropped, Outcome, Reply, SandboxRequest, SandboxResponse
from .errors import ApiError
from .faults import Fault, FaultKind, Faults, Latency
from .humans import HumanSession
from .persistence import StoreFile
from .ratelimit import DEFAULT_CREDITS_PER_MINUTE, RateLimiter, RateStatus
from .routes import match
from .server import SandboxServer
from .store import Stamp, Store
from .transport import AsyncSandboxTransport, SandboxTransport

__all__ = ["CallRecord", "MiroSandbox"]

API_USER = "3458764500000000001"
TEAM_ID = "3458764500000000000"
STATUS_CODES = {429: "tooManyRequests", 500: "internalError", 502: "badGateway", 503: "serviceUnavailable"}


@dataclass(frozen=True)
class CallRecord:
    """One request as the sandbox saw it; ``status`` is ``None`` when no answer was sent."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    credits: int
    body: Any
    user: str | None
    fault: str | None = None


class MiroSandbox:
    """A stateful emulator of the Miro REST API v2 endpoints the connector uses.

    Drive it over HTTP through :meth:`transport` / :meth:`serve`, act as a person with :meth:`as_user`,
    inspect :attr:`calls`, inject :class:`Fault` rules with :meth:`inject`.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        credits_per_minute: int = DEFAULT_CREDITS_PER_MINUTE,
        auto_create_boards: bool = True,
        strict_tokens: bool = False,
        latency: Latency | None = None,
        user_id: str = API_USER,
        seed: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.user_id = user_id
        self.auto_create_boards = auto_create_boards
        self.latency = latency
        self.store = Store()
        self.tokens = TokenRegistry(self.clock, strict=strict_tokens, default_user=user_id, team_id=TEAM_ID)
        self.rate_limiter = RateLimiter(self.clock, credits_per_minute)
        self.faults = Faults(seed)
        self._lock = threading.RLock()
        self._calls: list[CallRecord] = []
        self._file: StoreFile | None = None

    @classmethod
    def open(cls, path: Path, **options: Any) -> MiroSandbox:
        """A sandbox whose boards live in the JSON file ``path``, shared with every other process that
        opens it (a loopback server, ``--sandbox`` runs): each request reloads what others changed and
        saves its own changes, under a file lock (see :mod:`.persistence`). ``options`` go to the constructor.
        Raises :class:`~cjm_sync.errors.ValidationFailed` naming the file when it cannot be read back.
        """
        sandbox = cls(**options)
        sandbox._file = StoreFile(path)
        with sandbox._state(saving=False):
            pass  # read the file now: a corrupt one is reported before anything runs
        return sandbox

    @property
    def path(self) -> Path | None:
        """The file the boards persist in (``None``: in memory only)."""
        return self._file.path if self._file is not None else None

    @contextmanager
    def _state(self, *, saving: bool) -> Iterator[None]:
        """Hold the state lock (and the file lock, with fresh boards, when persisted); ``saving`` saves
        the boards on the way out (also when the block created a board)."""
        with self._lock:
            if self._file is None:
                yield
                return
            with self._file.session(self.store) as fresh:
                self.store = fresh
                boards = len(fresh.boards)
                yield
                if saving or len(self.store.boards) != boards:
                    self._file.save(self.store)

    # -- set-up and inspection -------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Add a fault rule (see :class:`Fault`)."""
        return self.faults.add(fault)

    def issue_tokens(self, user_id: str | None = None) -> TokenPair:
        """Mint an access/refresh pair (needed in strict-token mode)."""
        return self.tokens.issue(user_id)

    def create_board(self, name: str = "Untitled", board_id: str | None = None) -> str:
        """Create a board directly (no API call logged) and return its id."""
        with self.edit(self.user_id) as stamp:
            board_id = board_id or self.store.new_board_id()
            self.store.add_board(board_id, name, "", stamp)
        return board_id

    def ensure_board(self, board_id: str, name: str = "Untitled") -> bool:
        """Create board ``board_id`` unless it exists; whether it was created."""
        with self.edit(self.user_id) as stamp:
            if board_id in self.store.boards:
                return False
            self.store.add_board(board_id, name, "", stamp)
        return True

    @property
    def calls(self) -> list[CallRecord]:
        """Every request handled so far, oldest first."""
        with self._lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        """Forget the call log."""
        with self._lock:
            self._calls.clear()

    @contextmanager
    def edit(self, actor: str) -> Iterator[Stamp]:
        """Hold the state lock and get a :class:`Stamp` for changes made by ``actor`` (saved when persisted)."""
        with self._state(saving=True):
            yield Stamp(actor, iso_utc(self.clock.now()))

    def dump(self) -> dict[str, Any]:
        """The boards as a JSON-serialisable snapshot."""
        with self._state(saving=False):
            return self.store.dump()

    @classmethod
    def load(cls, snapshot: dict[str, Any], **options: Any) -> MiroSandbox:
        """A sandbox holding the boards of :meth:`dump`; ``options`` go to the constructor."""
        sandbox = cls(**options)
        sandbox.store = Store.load(snapshot)
        return sandbox

    # -- ways in ---------------------------------------------------------------------------------

    def transport(self) -> SandboxTransport:
        """An ``httpx.BaseTransport`` answering from this sandbox in-process."""
        return SandboxTransport(self.handle)

    def async_transport(self) -> AsyncSandboxTransport:
        """An ``httpx.AsyncBaseTransport`` answering from this sandbox in-process."""
        return AsyncSandboxTransport(self.handle)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Serve this sandbox over HTTP in background threads (``port=0`` picks a free port)."""
        return SandboxServer(self.handle, host, port)

    def as_user(self, user_id: str, name: str | None = None) -> HumanSession:
        """Edit the boards as a person in the Miro UI would (``modifiedBy`` = ``user_id``); ``name`` is
        the display name board member lists give for them."""
        if name is not None:
            with self._state(saving=True):
                self.store.users[user_id] = name
        return HumanSession(self, user_id)

    # -- the pipeline ----------------------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> Outcome:
        """Answer one request (thread-safe)."""
        fault = self.faults.take(request.method, request.path)
        if self.latency is not None:
            self.clock.sleep(self.latency.next_delay())
        if fault is not None and (fault.kind is FaultKind.STATUS or not fault.after_commit):
            response = self._fault_response(fault) if fault.kind is FaultKind.STATUS else None
            self._record(request, response, 0, None, fault)
            return response or Dropped(fault)
        with self._state(saving=request.method != "GET"):
            response, credits, user = self._process(request)
            self._record(request, response, credits, user, fault)
        return Dropped(fault) if fault is not None else response

    def _process(self, request: SandboxRequest) -> tuple[SandboxResponse, int, str | None]:
        found = match(request.method, request.path)
        user: str | None = None
        try:
            if found is None or found[0].authenticated:
                user = self.tokens.authenticate(request.headers.get("authorization"))
            if found is None:
                raise ApiError(404, "notFound", f"No endpoint {request.method} {request.path}")
        except ApiError as error:
            return (
                self._respond(Reply(error.status, error.body()), self.rate_limiter.status(user or self.user_id)),
                0,
                user,
            )
        route, params = found
        credits = route.cost(request)
        allowed, status = self.rate_limiter.charge(user or self.user_id, credits)
        if not allowed:
            body = {"status": 429, "code": "tooManyRequests", "message": "Rate limit exceeded", "type": "error"}
            return self._respond(Reply(429, body), status), 0, user
        stamp = Stamp(user or self.user_id, iso_utc(self.clock.now()))
        ctx = Context(request, params, self.store, self.tokens, stamp, self.auto_create_boards)
        try:
            reply = route.handler(ctx)
        except ApiError as error:
            reply = Reply(error.status, error.body())
        return self._respond(reply, status), credits, user

    def _fault_response(self, fault: Fault) -> SandboxResponse:
        code = STATUS_CODES.get(fault.status, "error")
        body: dict[str, Any] = {"type": "error", "status": fault.status, "code": code, "message": "Injected fault"}
        status = self.rate_limiter.status(self.user_id)
        if fault.status == 429:
            status = RateStatus(status.limit, 0, status.reset)
        else:
            body["context"] = {}
        return self._respond(Reply(fault.status, body), status)

    @staticmethod
    def _respond(reply: Reply, rate: RateStatus) -> SandboxResponse:
        headers = rate.headers()
        if reply.body is None:
            return SandboxResponse(reply.status, headers, b"")
        headers["Content-Type"] = "application/json; charset=utf-8"
        return SandboxResponse(reply.status, headers, json.dumps(reply.body).encode())

    def _record(
        self,
        request: SandboxRequest,
        response: SandboxResponse | None,
        credits: int,
        user: str | None,
        fault: Fault | None,
    ) -> None:
        try:
            body = request.json()
        except ApiError:
            body = None
        record = CallRecord(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            status=None
            if response is None or (fault is not None and fault.kind is not FaultKind.STATUS)
            else response.status,
            credits=credits,
            body=body,
            user=user,
            fault=fault.kind.value if fault is not None else None,
        )
        with self._lock:
            self._calls.append(record)
