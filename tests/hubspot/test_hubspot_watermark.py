"""The modification watermark: a record edited just before a run is read again once (search is
eventually consistent), and never again once it is older than the consistency lag — an unchanged rerun
reads no records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hubspot_support import ANCHOR, ConnectorFactory, unthrottled

from cjm_sync.plugins import PullRequest, SourceLink, Window
from cjm_sync.state import SQLiteStateStore
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot import streams
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.hubspot.values import instant

LINKS = (SourceLink("touchpoint:support", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:tickets:EMAIL")),)
WINDOW = Window(ANCHOR - timedelta(days=30), ANCHOR)


def test_a_bulk_edit_is_re_read_at_most_once_after_the_lag(
    connect: ConnectorFactory, store: SQLiteStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2b_saas", 12_000, anchor=ANCHOR))
    clock = [ANCHOR + timedelta(days=2)]
    monkeypatch.setattr(streams, "now", lambda: clock[0])
    read: list[int] = []

    def pull(run: str) -> None:
        connector, _ = connect(sandbox)
        cache = StoreRecordCache(store, run, "j", "hubspot")
        put = cache.put
        cache.put = lambda stream, rows: put(stream, [row for row in rows if not read.append(1)])  # type: ignore[method-assign]
        result = connector.pull(PullRequest("j", LINKS, WINDOW), cache)
        with store.transaction():
            store.crm_commit(run, "j", "hubspot", result.watermarks)

    pull("r1")
    in_windows = [  # tickets the cache keeps: created in the two windows
        rid
        for rid, record in sorted(sandbox.portal.records["tickets"].items())
        if (created := instant(record["properties"].get("createdate"))) and created >= WINDOW.previous.start
    ]
    edited = in_windows[:40]
    assert len(edited) == 40
    assert len(in_windows) > 200  # more than one page: the stream is caught up, not simply re-read
    bulk = clock[0] + timedelta(seconds=30)
    for rid in edited:  # a bulk edit, all within one second, just before the next run
        sandbox.update("tickets", rid, {"hs_ticket_priority": "HIGH"}, at=bulk)
    clock[0] = bulk + timedelta(seconds=40)  # within the lag: the run must read them ...
    read.clear()
    pull("r2")
    assert len(read) >= len(edited)
    clock[0] = bulk + timedelta(minutes=5)  # ... the next run may read them once more (they were recent) ...
    pull("r3")
    for run in ("r4", "r5"):  # ... and from then on, with nothing changed, a rerun reads no record at all
        clock[0] += timedelta(minutes=15)
        read.clear()
        pull(run)
        assert read == [], f"{run} re-read {len(read)} unchanged records"
