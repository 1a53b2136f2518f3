"""A write whose answer was lost is settled in the same run by reading the board back (issue 7).

Found: recorded as done, never sent twice. Not found: marked failed and sent again (journaled anew).
Unreachable past the budget: the run stops, and the next run's recovery takes over without duplicates.
Every exchange still goes through the spec-checking transport.
"""

from __future__ import annotations

import fnmatch
from collections import Counter

import pytest
from journeys import carried, journey
from miro_helpers import BOARD, RecordingJournal
from pydantic import SecretStr

from cjm_sync.errors import OutcomeUnknown
from cjm_sync.plugins.whiteboard import ConnectorState
from connectors.miro.connector import MiroConnector
from connectors.miro.readback import MAX_SENDS
from connectors.miro.sandbox import Fault, ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

BULK = "/v2/boards/*/items/bulk"
TAGGING = "/v2/boards/*/items/[0-9]*"


def types(sandbox: MiroSandbox) -> Counter[str]:
    board = sandbox.store.board(BOARD)
    found = Counter(item.type for item in board.items.values())
    found["connector"] = len(board.connectors)
    found["tag"] = len(board.tags)
    found["tagging"] = sum(len(item.tag_ids) for item in board.items.values())
    return found


def calls(sandbox: MiroSandbox, method: str, pattern: str) -> int:
    return sum(c.method == method and fnmatch.fnmatchcase(c.path, pattern) for c in sandbox.calls)


@pytest.fixture
def reference() -> tuple[Counter[str], int]:
    """What a fault-free first push of the test journey puts on a board, and its number of bulk calls."""
    box = MiroSandbox(clock=ManualClock())
    box.create_board("CJM", BOARD)
    conn = MiroConnector(MiroSettings(access_token=SecretStr("t"), board_id=BOARD), transport=box.transport())
    push(conn, ConnectorState())
    conn.close()
    return types(box), calls(box, "POST", BULK)


def push(connector: MiroConnector, state: ConnectorState) -> RecordingJournal:
    journal = RecordingJournal()
    read = connector.read(BOARD, state)
    connector.apply(connector.plan(journey(), read, state), state, journal)
    return journal


@pytest.mark.parametrize(
    ("fault", "pattern"),
    [
        (Fault.disconnect("POST", BULK, after_commit=True), BULK),
        (Fault.timeout("POST", BULK, after_commit=True, skip=1), BULK),
        (Fault.disconnect("POST", "/v2/boards/*/frames", after_commit=True), "/v2/boards/*/frames"),
        (Fault.disconnect("POST", "/v2/boards/*/connectors", after_commit=True, skip=2), "/v2/boards/*/connectors"),
        (Fault.disconnect("POST", "/v2/boards/*/tags", after_commit=True), "/v2/boards/*/tags"),
        (Fault.disconnect("POST", TAGGING, after_commit=True, skip=1), TAGGING),
    ],
    ids=["bulk", "bulk-timeout", "frame", "connector", "tag", "tagging"],
)
def test_a_write_that_happened_is_adopted_not_repeated(
    connector: MiroConnector,
    state: ConnectorState,
    sandbox: MiroSandbox,
    reference: tuple[Counter[str], int],
    fault: Fault,
    pattern: str,
) -> None:
    sandbox.inject(fault)
    journal = push(connector, state)  # no error: settled in the same run
    assert [c for c in sandbox.calls if c.fault and fnmatch.fnmatchcase(c.path, pattern)]  # the fault did fire
    assert types(sandbox) == reference[0]
    before = [k for kind, k, _ in journal.events if kind == "before"]
    after = [k for kind, k, _ in journal.events if kind == "after"]
    assert sorted(before) == sorted(after)  # exactly one entry per write, each closed
    assert not [e for e in journal.events if e[0] == "failed"]
    faulted = next(c for c in sandbox.calls if c.fault)
    same = [
        c
        for c in sandbox.calls
        if (c.method, c.path, c.query, c.body) == (faulted.method, faulted.path, faulted.query, faulted.body)
    ]
    assert len(same) == 1  # never sent twice
    read = connector.read(BOARD, state)
    assert carried(read.journey) == carried(journey())
    assert read.unplaced == []


@pytest.mark.parametrize("status", [500, 502])
def test_a_write_that_did_not_happen_is_journaled_as_failed_and_sent_again(
    connector: MiroConnector,
    state: ConnectorState,
    sandbox: MiroSandbox,
    reference: tuple[Counter[str], int],
    status: int,
) -> None:
    sandbox.inject(Fault.http(status, "POST", BULK, skip=1))
    journal = push(connector, state)
    assert types(sandbox) == reference[0]
    failed = [k for kind, k, _ in journal.events if kind == "failed"]
    assert failed  # the first attempt's entries were closed as "did not happen"
    for i, (kind, key, _) in enumerate(journal.events):  # and each sent again under a new entry
        if kind == "failed":  # (a badge's key is also its tag attaches' key, so count entries, not keys)
            assert ("before", key, None) in journal.events[i + 1 :]
    assert calls(sandbox, "POST", BULK) == reference[1] + 1  # only the refused call was sent again


def test_an_unreachable_vendor_stops_the_run_and_the_next_run_duplicates_nothing(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, reference: tuple[Counter[str], int]
) -> None:
    sandbox.inject(Fault.disconnect("POST", BULK, times=None, skip=1))
    with pytest.raises(OutcomeUnknown):
        push(connector, state)
    assert calls(sandbox, "POST", BULK) == 1 + MAX_SENDS  # the first batch, then one batch sent MAX_SENDS times
    sandbox.faults.clear()
    push(connector, state)  # the next run reads the board first and finishes the push
    assert types(sandbox) == reference[0]
    read = connector.read(BOARD, state)
    assert carried(read.journey) == carried(journey())
    assert read.unplaced == []
