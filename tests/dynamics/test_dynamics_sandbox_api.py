"""The Dataverse sandbox behaves like the Web API for the reads cjm-sync makes (and official clients)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from dynamics_support import ANCHOR

from connectors.dynamics.sandbox import DataverseSandbox


def _all_pages(http: httpx.Client, url: str, prefer: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    body = http.get(url, params=params, headers={"Prefer": prefer}).json()
    rows += body["value"]
    while "@odata.nextLink" in body:
        body = http.get(body["@odata.nextLink"], headers={"Prefer": prefer}).json()
        rows += body["value"]
    return rows


def test_paging_follows_next_links_with_skip_tokens(http: httpx.Client, sandbox: DataverseSandbox) -> None:
    first = http.get("emails", params={"$select": "activityid,createdon"}, headers={"Prefer": "odata.maxpagesize=50"})
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=50"
    body = first.json()
    assert len(body["value"]) == 50
    assert "$skiptoken=" in body["@odata.nextLink"]
    assert body["@odata.nextLink"].startswith("https://org.crm4.dynamics.com/api/data/v9.2/emails?")
    rows = _all_pages(http, "emails", "odata.maxpagesize=50", {"$select": "activityid,createdon"})
    ids = [r["activityid"] for r in rows]
    assert len(ids) == len(set(ids)) == len(sandbox.rows("emails"))
    assert set(rows[0]) == {"@odata.etag", "activityid", "createdon"}


def test_filter_select_orderby_top_and_count(http: httpx.Client, sandbox: DataverseSandbox) -> None:
    start = ANCHOR - timedelta(days=30)
    window = f"createdon ge {start:%Y-%m-%dT%H:%M:%SZ} and createdon lt {ANCHOR:%Y-%m-%dT%H:%M:%SZ}"
    body = http.get(
        "phonecalls",
        params={"$select": "activityid,createdon", "$filter": f"{window} and directioncode eq true",
                "$orderby": "createdon desc", "$top": "5", "$count": "true"},
    ).json()  # fmt: skip
    expected = sorted(
        (r for r in sandbox.rows("phonecalls") if start <= r["createdon"] < ANCHOR and r["directioncode"]),
        key=lambda r: r["createdon"],
        reverse=True,
    )
    assert [r["activityid"] for r in body["value"]] == [r["activityid"] for r in expected[:5]]
    assert body["@odata.count"] == len(expected)
    assert "@odata.nextLink" not in body


def test_count_is_capped_at_5000() -> None:
    big = DataverseSandbox(records=22_000, seed=3, anchor=ANCHOR, now=lambda: ANCHOR)
    with httpx.Client(
        transport=big.transport(), base_url="https://x/api/data/v9.2/", headers={"Authorization": "Bearer t"}
    ) as http:
        assert len(big.rows("emails")) > 5000
        assert http.get("emails/$count").text == "5000"
        body = http.get(
            "emails",
            params={"$count": "true", "$select": "activityid"},
            headers={"Prefer": 'odata.maxpagesize=10,odata.include-annotations="*"'},
        ).json()
        assert body["@odata.count"] == 5000
        assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True


def test_expand_a_lookup(http: httpx.Client, sandbox: DataverseSandbox) -> None:
    body = http.get(
        "incidents",
        params={"$select": "incidentid", "$expand": "firstresponsebykpiid($select=status,succeededon)", "$top": "3"},
    ).json()
    kpis = {r["slakpiinstanceid"]: r for r in sandbox.rows("slakpiinstances")}
    for row in body["value"]:
        nested = row["firstresponsebykpiid"]
        assert nested["status"] == kpis[nested["slakpiinstanceid"]]["status"]
        assert set(nested) == {"@odata.etag", "status", "succeededon", "slakpiinstanceid"}


def test_apply_groupby_counts_and_the_aggregate_limit(sandbox: DataverseSandbox, http: httpx.Client) -> None:
    apply = "filter(createdon lt 2026-11-01T00:00:00Z)/groupby((caseorigincode),aggregate($count as n))"
    body = http.get("incidents", params={"$apply": apply}).json()
    expected = Counter(r["caseorigincode"] for r in sandbox.rows("incidents"))
    assert {r["caseorigincode"]: r["n"] for r in body["value"]} == dict(expected)
    sandbox.aggregate_limit = 10
    refused = http.get("incidents", params={"$apply": apply})
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "0x8004E023",
        "message": "AggregateQueryRecordLimit exceeded. Cannot perform this operation.",
    }


def test_change_tracking_delta_links_deletes_and_expiry(sandbox: DataverseSandbox) -> None:
    now = [ANCHOR]
    sandbox.now = lambda: now[0]
    http = httpx.Client(
        transport=sandbox.transport(), base_url="https://x/api/data/v9.2/", headers={"Authorization": "Bearer t"}
    )
    prefer = "odata.track-changes,odata.maxpagesize=100"
    body = http.get("incidents", params={"$select": "incidentid,title"}, headers={"Prefer": prefer}).json()
    count = len(body["value"])
    while "@odata.nextLink" in body:
        assert "@odata.deltaLink" not in body
        body = http.get(body["@odata.nextLink"], headers={"Prefer": prefer}).json()
        count += len(body["value"])
    assert count == len(sandbox.rows("incidents"))
    delta = body["@odata.deltaLink"]
    assert "$deltatoken=" in delta
    refused = http.get(
        "incidents", params={"$select": "incidentid", "$filter": "statecode eq 0"}, headers={"Prefer": prefer}
    )
    assert refused.status_code == 400
    assert "Change Tracking" in refused.json()["error"]["message"]

    rows = sandbox.rows("incidents")
    sandbox.update("incidents", rows[0]["incidentid"], title="changed")
    sandbox.delete("incidents", rows[1]["incidentid"])
    changes = http.get(delta, headers={"Prefer": prefer}).json()
    assert [r.get("title") for r in changes["value"] if "title" in r] == ["changed"]
    deleted = [r for r in changes["value"] if r.get("reason") == "deleted"]
    assert deleted == [{
        "@odata.context": "https://x/api/data/v9.2/$metadata#incidents/$deletedEntity",
        "id": rows[1]["incidentid"],
        "reason": "deleted",
    }]  # fmt: skip
    assert http.get(changes["@odata.deltaLink"], headers={"Prefer": prefer}).json()["value"] == []

    now[0] = ANCHOR + timedelta(days=8)
    expired = http.get(changes["@odata.deltaLink"], headers={"Prefer": prefer})
    assert expired.status_code == 400
    assert "expired" in expired.json()["error"]["message"]


def test_change_tracking_needs_it_enabled(http: httpx.Client) -> None:
    refused = http.get("workflows", params={"$select": "workflowid"}, headers={"Prefer": "odata.track-changes"})
    assert refused.status_code == 400
    assert "not enabled for change tracking" in refused.json()["error"]["message"]


def test_metadata_entity_sets_change_tracking_and_option_labels(http: httpx.Client) -> None:
    body = http.get(
        "EntityDefinitions",
        params={"$select": "LogicalName,EntitySetName,ChangeTrackingEnabled",
                "$filter": "LogicalName eq 'incident' or LogicalName eq 'workflow'"},
    ).json()  # fmt: skip
    found = {r["LogicalName"]: (r["EntitySetName"], r["ChangeTrackingEnabled"]) for r in body["value"]}
    assert found == {"incident": ("incidents", True), "workflow": ("workflows", False)}
    options = http.get(
        "EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='leadsourcecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        params={"$select": "LogicalName", "$expand": "OptionSet($select=Options)"},
    ).json()["OptionSet"]["Options"]
    labels = {o["Value"]: (o["Label"]["UserLocalizedLabel"] or {}).get("Label") for o in options}
    assert labels[7] == "Trade Show"
    assert labels[100000000] == "Salon Café Pro"


def test_single_row_etag_and_304(http: httpx.Client, sandbox: DataverseSandbox) -> None:
    key = sandbox.rows("leads")[0]["leadid"]
    first = http.get(f"leads({key})", params={"$select": "subject"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.json()["@odata.etag"] == etag
    assert http.get(f"leads({key})", headers={"If-None-Match": etag}).status_code == 304
    sandbox.update("leads", key, subject="new")
    assert http.get(f"leads({key})", headers={"If-None-Match": etag}).status_code == 200


def test_service_protection_429_with_retry_after(sandbox: DataverseSandbox, http: httpx.Client) -> None:
    sandbox.protection.throttle(1, retry_after=7)
    refused = http.get("WhoAmI")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"
    assert refused.json()["error"]["code"] == "0x80072322"
    assert http.get("WhoAmI").status_code == 200
    sandbox.protection.max_requests = 3
    statuses = [http.get("WhoAmI").status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert int(http.get("WhoAmI").headers["Retry-After"]) >= 1


def test_missing_token_is_401_with_a_challenge(sandbox: DataverseSandbox) -> None:
    with httpx.Client(transport=sandbox.transport(), base_url="https://x/api/data/v9.2/") as anonymous:
        response = anonymous.get("incidents")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_batch_answers_each_get(http: httpx.Client, sandbox: DataverseSandbox) -> None:
    body = (
        "--batch_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET leads/$count HTTP/1.1\r\nAccept: application/json\r\n\r\n"
        "--batch_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET incidents?$filter=nosuch%20eq%201 HTTP/1.1\r\nAccept: application/json\r\n\r\n"
        "--batch_1--\r\n"
    )
    response = http.post("$batch", content=body, headers={"Content-Type": "multipart/mixed;boundary=batch_1"})
    assert response.status_code == 200
    text = response.text
    assert "HTTP/1.1 200 OK\r\nContent-Type: text/plain" in text
    assert f"\r\n\r\n{len(sandbox.rows('leads'))}\r\n" in text
    assert "HTTP/1.1 400 Bad Request" in text
    assert "Could not find a property named 'nosuch'" in text


@pytest.mark.parametrize("records", [500, 4000])
def test_generator_is_deterministic(records: int) -> None:
    one = DataverseSandbox(records=records, seed=5, anchor=ANCHOR)
    two = DataverseSandbox(records=records, seed=5, anchor=ANCHOR)
    assert one.rows("incidents") == two.rows("incidents")
    total = sum(len(one.rows(t)) for t in ("phonecalls", "emails", "incidents", "leads", "msfp_surveyresponses"))
    assert records * 0.5 < total < records * 1.2
