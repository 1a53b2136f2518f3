"""Acceptance: against an independent server that validates requests with Miro's official spec, no
request is rejected.

The connector runs a realistic session against the sandbox (see :mod:`prism_scenario`); every request
it sent is then replayed, byte for byte, against Stoplight Prism (``prism mock --errors``) loaded with
the Miro spec. Prism answers an invalid request with 4xx/422 and says why (``sl-violations`` header or a
problem+json ``validation`` list located in ``request``); a valid one gets a 2xx mock.

One spec defect is tolerated, and only where it bites: Prism rejects *every* bulk create because
``ItemCreate.data``/``.style`` are undiscriminated ``oneOf`` lists (see :func:`is_oneof_quirk`); each
bulk item is then replayed as its per-type create, whose schema is exact, and must pass there. Prism's
own mock responses also break a few ``oneOf`` schemas (HTTP 500, violations located in ``response``);
those say nothing about the request and are counted, not failed.

Needs a running Prism: ``scripts/prism-check.sh`` installs, starts and stops it and sets
``CJM_PRISM_URL``. Without that variable the module is skipped, so the normal suite needs no node.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prism_scenario import TOKEN, Recorded, record_scenario

PRISM_URL = os.environ.get("CJM_PRISM_URL", "")
REPORT = os.environ.get("CJM_PRISM_REPORT", "")

pytestmark = pytest.mark.skipif(
    not PRISM_URL, reason="CJM_PRISM_URL is not set: run scripts/prism-check.sh (needs npm) to start Stoplight Prism"
)

FORWARDED_HEADERS = ("authorization", "content-type", "accept")
TYPE_PATHS = {
    "app_card": "app_cards",
    "card": "cards",
    "shape": "shapes",
    "sticky_note": "sticky_notes",
    "text": "texts",
}


def _violations(response: httpx.Response) -> list[dict[str, Any]]:
    """Every violation Prism reported, from the ``sl-violations`` header and a problem+json body."""
    found: list[dict[str, Any]] = []
    header = response.headers.get("sl-violations")
    if header:
        found += json.loads(header)
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        found += [v for v in response.json().get("validation", []) if v not in found]
    return found


def _where(violation: dict[str, Any]) -> list[str]:
    return [str(part) for part in violation.get("location", [""])]


def is_oneof_quirk(method: str, path: str, violation: dict[str, Any]) -> bool:
    """The one spec defect Prism trips over: ``ItemCreate.data``/``.style`` of a bulk create.

    They are ``oneOf`` lists without a discriminator whose variants have no required members
    (``ShapeData`` and ``StickyNoteData`` are even identical), so *every* item matches several variants
    and Prism rejects every possible bulk body. :func:`test_bulk_items_are_valid_single_creates` checks
    each such item against its exact per-type schema instead.
    """
    where = _where(violation)
    return (
        method == "POST"
        and path.endswith("/items/bulk")
        and violation.get("code") == "oneOf"
        and len(where) == 4
        and where[:2] == ["request", "body"]
        and where[3] in {"data", "style"}
    )


def verdict(response: httpx.Response, method: str = "", path: str = "") -> tuple[str, str]:
    """``(outcome, reason)``: ``accepted``, ``rejected``, ``oneof-quirk`` (only :func:`is_oneof_quirk`
    violations) or ``mock-quirk`` (accepted; Prism's own generated *response* broke the spec)."""
    violations = _violations(response)
    request_side = [v for v in violations if _where(v)[0] == "request"]
    if request_side:
        reason = "; ".join(f"{'.'.join(_where(v))}: {v['message']}" for v in request_side)
        quirk = all(is_oneof_quirk(method, path, v) for v in request_side)
        return ("oneof-quirk" if quirk else "rejected"), reason
    if response.status_code < 400:
        return "accepted", ""
    if violations and all(_where(v)[0] == "response" for v in violations):
        return "mock-quirk", violations[0]["message"]
    problem = ""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem = str(response.json().get("type", ""))
    return "rejected", f"HTTP {response.status_code} {problem}: {response.text[:300]}".replace(" :", ":")


def replay(prism: httpx.Client, rec: Recorded) -> httpx.Response:
    headers = {k: v for k, v in rec.headers if k in FORWARDED_HEADERS}
    return prism.request(rec.method, rec.path, params=list(rec.query), headers=headers, content=rec.body or None)


def single_creates(rec: Recorded) -> list[tuple[str, dict[str, Any]]]:
    """Each item of a bulk create as the per-type create it stands for (path, body).

    Miro's bulk schema types ``data`` and ``style`` as a ``oneOf`` with no discriminator whose variants
    have no required members, so a validator cannot check them against the item's ``type``; the per-type
    endpoints (``POST /sticky_notes`` …) carry the exact schema, so each item is checked there too.
    """
    board = rec.path.rsplit("/items/bulk", 1)[0]
    probes = []
    for item in json.loads(rec.body):
        body = {k: v for k, v in item.items() if k != "type"}
        probes.append((f"{board}/{TYPE_PATHS[item['type']]}", body))
    return probes


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Recorded]:
    return record_scenario(tmp_path_factory.mktemp("prism-scenario"))


@pytest.fixture(scope="module")
def prism() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=PRISM_URL, timeout=30.0) as client:
        yield client


def _write_report(section: str, data: dict[str, Any]) -> None:
    if not REPORT:
        return
    path = Path(REPORT)
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    report[section] = data
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


def test_prism_validates_requests(prism: httpx.Client) -> None:
    """The server really is a validating Prism: bad bodies, bad queries, unknown paths and missing
    credentials are rejected (so an all-accepted replay means something)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad_tag = prism.post("/v2/boards/uXjVx=/tags", json={"title": "t", "fillColor": "not-a-colour"}, headers=auth)
    outcome, reason = verdict(bad_tag)
    assert outcome == "rejected"
    assert "fillColor" in reason
    bad_sticky = {"data": {"content": "x"}, "style": {"fillColor": "plaid"}}
    assert verdict(prism.post("/v2/boards/uXjVx=/sticky_notes", json=bad_sticky, headers=auth))[0] == "rejected"
    bad_bulk = [{"type": "no_such_type", "position": {"x": "left"}}]
    assert verdict(prism.post("/v2/boards/uXjVx=/items/bulk", json=bad_bulk, headers=auth))[0] == "rejected"
    too_many = prism.get("/v2/boards/uXjVx=/items", params={"limit": "500"}, headers=auth)
    assert verdict(too_many)[0] == "rejected"
    anonymous = prism.get("/v2/boards/uXjVx=/items", params={"limit": "50"})
    assert anonymous.status_code == 401
    assert verdict(anonymous)[0] == "rejected"
    assert verdict(prism.get("/v2/boards/uXjVx=/no_such_things", headers=auth))[0] == "rejected"


def test_scenario_exercises_every_kind_of_request(recorded: list[Recorded]) -> None:
    """The replay covers what the connector does: lists, bulk, single creates, PATCH, DELETE, tags, lines."""
    assert all(200 <= r.status < 300 for r in recorded), [r.label for r in recorded if r.status >= 300]
    shapes = {(r.method, r.path.split("/")[4] if r.path.count("/") >= 4 else "", r.path.count("/")) for r in recorded}
    for wanted in [
        ("GET", "items", 4),  # item listing (cursor) and items with a tag (offset)
        ("GET", "connectors", 4),
        ("GET", "tags", 4),
        ("POST", "frames", 4),
        ("POST", "items", 5),  # items/bulk, and attach tag (items/{id}?tag_id=)
        ("POST", "connectors", 4),
        ("POST", "tags", 4),
        ("PATCH", "items", 5),
        ("PATCH", "shapes", 5),
        ("PATCH", "app_cards", 5),
        ("PATCH", "sticky_notes", 5),
        ("PATCH", "connectors", 5),
        ("DELETE", "items", 5),
        ("DELETE", "connectors", 5),
    ]:
        assert wanted in shapes, f"the scenario sent no {wanted}"
    queries = {k for r in recorded for k, _ in r.query}
    assert {"limit", "cursor", "offset", "tag_id"} <= queries
    steps = Counter(r.step for r in recorded)
    assert set(steps) == {"initial push", "sync", "no-op sync", "pull", "import"}


def test_no_recorded_request_is_rejected(prism: httpx.Client, recorded: list[Recorded]) -> None:
    outcomes: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    rejected: list[str] = []
    quirks: list[str] = []
    for rec in recorded:
        response = replay(prism, rec)
        statuses[response.status_code] += 1
        outcome, reason = verdict(response, rec.method, rec.path)
        outcomes[outcome] += 1
        if outcome == "rejected":
            body = rec.body.decode("utf-8", "replace")[:400]
            rejected.append(f"{rec.label}\n    body: {body}\n    Prism: {reason}")
        elif outcome == "oneof-quirk":
            quirks.append(f"{rec.label}: {reason[:200]}…")
    _write_report(
        "replay",
        {
            "requests": len(recorded),
            "outcomes": dict(outcomes),
            "by_step": dict(Counter(r.step for r in recorded)),
            "by_method": dict(Counter(r.method for r in recorded)),
            "prism_statuses": {str(k): v for k, v in sorted(statuses.items())},
            "rejections": rejected,
            "oneof_quirks": quirks,
        },
    )
    assert not rejected, f"Prism rejected {len(rejected)} of {len(recorded)} requests:\n" + "\n".join(rejected)


def test_bulk_items_are_valid_single_creates(prism: httpx.Client, recorded: list[Recorded]) -> None:
    """Each bulk item passes Prism as the per-type create it stands for (see :func:`is_oneof_quirk`)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    probes = [(rec, probe) for rec in recorded if rec.path.endswith("/items/bulk") for probe in single_creates(rec)]
    assert probes
    rejected = []
    for rec, (path, body) in probes:
        outcome, reason = verdict(prism.post(path, json=body, headers=auth), "POST", path)
        if outcome not in ("accepted", "mock-quirk"):
            item = json.dumps(body, ensure_ascii=False)[:400]
            rejected.append(f"{rec.label} item as POST {path}\n    body: {item}\n    Prism: {reason}")
    _write_report("bulk_items", {"items": len(probes), "rejected": len(rejected), "rejections": rejected})
    assert not rejected, f"Prism rejected {len(rejected)} of {len(probes)} bulk items:\n" + "\n".join(rejected)
