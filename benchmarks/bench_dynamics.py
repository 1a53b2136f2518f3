"""Dynamics metrics over a large environment: requests and wall time, cjm-sync vs Microsoft's client.

The Dataverse sandbox is served over loopback (https, Entra ID tokens) with a realistic per-request
latency. cjm-sync pulls the metrics of a journey linking cases by origin, phone calls and e-mails by
direction (volumes in the window and the previous one, time to first response, time to resolve)
through the connector with an in-memory record cache, cold and then again after 50 changed cases. The reference is
``powerplatform-dataverse-client`` paging the rows the way its docs show (``records.list_pages`` with
``select``, ``filter`` and ``page_size``) and computing the same numbers in Python. Both results are
compared; the script prints requests, rows read and wall time, and the ratios.

    .venv/bin/python benchmarks/bench_dynamics.py                  # 200,000 rows, 20 ms latency
    .venv/bin/python benchmarks/bench_dynamics.py --records 50000 --latency 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient

from cjm_sync.plugins.crm import PullRequest, SourceLink
from cjm_sync.plugins.window import Window
from connectors.dynamics.connector import DynamicsConnector
from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.serve import serve

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = timedelta(days=30)
ORIGINS = {1: "phone", 2: "email", 3: "web"}
KEYS = [f"dynamics:incident:{o}" for o in ORIGINS.values()] + [
    "dynamics:phonecall:incoming",
    "dynamics:phonecall:outgoing",
    "dynamics:email:incoming",
]


def _r2(values: list[float]) -> float | None:
    if not values:
        return None
    return float(Decimal(repr(statistics.median(values))).quantize(Decimal("0.01"), ROUND_HALF_UP))


class _Cache:
    """The record-cache protocol over dicts (the CLI uses the SQLite state store; same calls)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.memos: dict[str, dict[str, Any]] = {}

    def watermark(self, stream: str) -> None:
        return None

    def put(self, stream: str, records: Any) -> int:
        batch = dict(records)
        self.rows.setdefault(stream, {}).update(batch)
        return len(batch)

    def delete(self, stream: str, record_ids: Any) -> None:
        for key in record_ids:
            self.rows.get(stream, {}).pop(key, None)

    def clear(self, stream: str) -> None:
        self.rows.pop(stream, None)
        self.memos.pop(stream, None)

    def records(self, stream: str) -> Any:
        return iter(list(self.rows.get(stream, {}).items()))

    def count(self, stream: str) -> int:
        return len(self.rows.get(stream, {}))

    def get_memo(self, stream: str) -> dict[str, Any]:
        return dict(self.memos.get(stream, {}))

    def set_memo(self, stream: str, memo: Any) -> None:
        self.memos[stream] = dict(memo)


def _pull(cache: _Cache) -> dict[str, Any]:
    connector = DynamicsConnector.from_config({})
    links = tuple(SourceLink(f"touchpoint:{key}", "touchpoint", (key,)) for key in KEYS)
    result = connector.pull(PullRequest("bench", links, Window(ANCHOR - WINDOW, ANCHOR)), cache)
    connector.close()
    out: dict[str, Any] = {}
    for fact in result.facts:
        if fact.metric != "volume-change":
            out.setdefault(fact.entity.split(":", 1)[1], {})[fact.metric] = fact.value
    return out


def _official(url: str, start: datetime) -> tuple[dict[str, Any], int, int]:
    env = os.environ
    credential = ClientSecretCredential(
        env["AZURE_TENANT_ID"],
        env["AZURE_CLIENT_ID"],
        env["AZURE_CLIENT_SECRET"],
        authority=env["AZURE_AUTHORITY_HOST"],
        disable_instance_discovery=True,
    )
    client = DataverseClient(url, credential)
    previous = start - WINDOW
    span = f"createdon ge {previous:%Y-%m-%dT%H:%M:%SZ} and createdon lt {ANCHOR:%Y-%m-%dT%H:%M:%SZ}"
    pages = rows = 0

    def read(table: str, select: list[str], filter_text: str | None) -> list[dict[str, Any]]:
        nonlocal pages, rows
        out: list[dict[str, Any]] = []
        for page in client.records.list_pages(table, select=select, filter=filter_text, page_size=5000):
            pages += 1
            out.extend(dict(r) for r in page)
        rows += len(out)
        return out

    cases = read("incident", ["incidentid", "caseorigincode", "createdon", "_firstresponsebykpiid_value"], span)
    kpis = read("slakpiinstance", ["slakpiinstanceid", "status", "succeededon"], "status eq 4")
    resolutions = read("incidentresolution", ["activityid", "_incidentid_value", "actualend"], "statecode eq 1")
    calls = read("phonecall", ["activityid", "directioncode", "createdon"], span)
    mails = read("email", ["activityid", "directioncode", "createdon"], f"{span} and directioncode eq false")
    credential.close()

    def when(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    result: dict[str, Any] = {}
    succeeded = {k["slakpiinstanceid"]: when(k["succeededon"]) for k in kpis if k.get("succeededon")}
    resolved: dict[str, datetime] = {}
    for res in resolutions:
        resolved[res["_incidentid_value"]] = max(
            when(res["actualend"]), resolved.get(res["_incidentid_value"], ANCHOR - WINDOW * 100)
        )
    for value, name in ORIGINS.items():
        mine = [c for c in cases if c["caseorigincode"] == value]
        now = [c for c in mine if when(c["createdon"]) >= start]
        first = [
            (succeeded[c["_firstresponsebykpiid_value"]] - when(c["createdon"])).total_seconds() / 3600
            for c in now
            if c["_firstresponsebykpiid_value"] in succeeded
        ]
        resolve = [
            (resolved[c["incidentid"]] - when(c["createdon"])).total_seconds() / 3600
            for c in now
            if c["incidentid"] in resolved
        ]
        result[f"dynamics:incident:{name}"] = {
            "volume": len(now),
            "volume-previous": len(mine) - len(now),
            "time-to-first-response": _r2(first),
            "time-to-resolve": _r2(resolve),
        }
    for table, rows_, directions in (("phonecall", calls, ("incoming", "outgoing")), ("email", mails, ("incoming",))):
        for direction in directions:
            mine = [r for r in rows_ if bool(r["directioncode"]) is (direction == "outgoing")]
            now = [r for r in mine if when(r["createdon"]) >= start]
            result[f"dynamics:{table}:{direction}"] = {"volume": len(now), "volume-previous": len(mine) - len(now)}
    return result, pages, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--latency", type=float, default=20.0, help="ms added to every Web API request")
    args = parser.parse_args()
    built = time.perf_counter()
    sandbox = DataverseSandbox(records=args.records, seed=1, anchor=ANCHOR, now=lambda: ANCHOR)
    print(f"generated {args.records:,} rows in {time.perf_counter() - built:.1f} s; latency {args.latency} ms/request")
    with tempfile.TemporaryDirectory() as tmp, serve(sandbox, Path(tmp) / "ca.pem", data_tls=True) as servers:
        os.environ.update(servers.environment())  # msal, azure-identity and requests read these
        sandbox.latency = args.latency / 1000
        cache = _Cache()
        figures = []
        ours: dict[str, Any] = {}
        for label in ("cjm-sync cold", "cjm-sync rerun"):
            if label == "cjm-sync rerun":
                for case in sandbox.rows("incidents")[:50]:
                    sandbox.update("incidents", case["incidentid"], title="changed")
            mark, started = len(sandbox.calls), time.perf_counter()
            ours = _pull(cache)
            calls = sandbox.calls[mark:]
            http = sum(not c.in_batch for c in calls)
            figures.append((label, http, len(calls) - http, sum(c.rows for c in calls), time.perf_counter() - started))
        mark, started = len(sandbox.calls), time.perf_counter()
        theirs, _, rows = _official(servers.data_url, ANCHOR - WINDOW)
        figures.append(("official client", len(sandbox.calls) - mark, 0, rows, time.perf_counter() - started))
    print(f"\n{'run':<18}{'HTTP requests':>14}{'(in $batch)':>12}{'rows read':>12}{'wall s':>9}")
    for label, requests, inner, read, wall in figures:
        print(f"{label:<18}{requests:>14,}{inner:>12,}{read:>12,}{wall:>9.2f}")
    cold, rerun, official = figures
    print(
        f"\nrequests: official / cjm-sync cold = {official[1] / cold[1]:.1f}x; / rerun = {official[1] / rerun[1]:.1f}x"
    )
    print(
        f"wall time: official / cjm-sync cold = {official[4] / cold[4]:.1f}x; / rerun = {official[4] / rerun[4]:.1f}x"
    )
    print(f"rows read: rerun / cold = {rerun[3] / max(1, cold[3]):.3f}")
    mismatches = [
        (key, metric, value, theirs[key].get(metric))
        for key, metrics in ours.items()
        for metric, value in metrics.items()
        if metric in theirs.get(key, {}) and theirs[key][metric] != value
    ]
    print("values: " + ("equal" if not mismatches else f"MISMATCH {mismatches}"))


if __name__ == "__main__":
    main()
