"""The sandbox's $filter parser accepts what Dataverse accepts and refuses the rest with its error body."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from connectors.dynamics.sandbox.edm import table_by_set
from connectors.dynamics.sandbox.errors import ODataError
from connectors.dynamics.sandbox.odata_filter import compile_filter

INCIDENT = table_by_set("incidents")
assert INCIDENT is not None
ROW = {
    "incidentid": "7d0f1c52-8a46-4b84-9a4c-2f0f8e6a1b00",
    "title": "Printer O'Neil jammed",
    "caseorigincode": 1,
    "statecode": 0,
    "createdon": datetime(2026, 10, 5, 12, 0, tzinfo=UTC),
    "_firstresponsebykpiid_value": None,
}

ACCEPTED = [
    ("caseorigincode eq 1", True),
    ("caseorigincode ne 1", False),
    ("caseorigincode gt 0 and caseorigincode le 1", True),
    ("caseorigincode lt 1 or statecode ge 0", True),
    ("not (caseorigincode eq 1)", False),
    ("createdon ge 2026-10-01T00:00:00Z and createdon lt 2026-11-01T00:00:00Z", True),
    ("createdon ge 2026-10-05T14:00:00+02:00", True),
    ("createdon lt 2026-10-05", False),
    ("createdon gt 2026-10-05T12:00:00.000Z", False),
    ("contains(title,'printer')", True),
    ("startswith(title,'PRINTER')", True),
    ("endswith(title,'jammed')", True),
    ("contains(title,'O''Neil')", True),
    ("_firstresponsebykpiid_value eq null", True),
    ("_firstresponsebykpiid_value ne null", False),
    ("incidentid eq 7d0f1c52-8a46-4b84-9a4c-2f0f8e6a1b00", True),
    ("((statecode eq 0))", True),
    ("title eq 'printer o''neil jammed'", True),
]

REJECTED = [
    ("createdon ge '2026-01-01'", "incompatible types"),
    ("caseorigincode eq 'phone'", "incompatible types"),
    ("_firstresponsebykpiid_value eq '7d0f1c52-8a46-4b84-9a4c-2f0f8e6a1b00'", "incompatible types"),
    ("colour eq 1", "Could not find a property named 'colour'"),
    ("createdon ge", "Syntax error"),
    ("caseorigincode eq 1 and", "Syntax error"),
    ("(caseorigincode eq 1", "Syntax error"),
    ("caseorigincode == 1", "Syntax error"),
    ("tolower(title) eq 'x'", "not supported"),
    ("frobnicate(title,'x')", "unknown function"),
    ("statecode add 1 eq 2", "not supported"),
    ("contains(caseorigincode,'1')", "No function signature"),
    ("contains(title)", "No function signature"),
    ("createdon ge 2026-13-45T00:00:00Z", "DateTimeOffset"),
    ("caseorigincode", "boolean"),
    ("", "Syntax error"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepted_filters_evaluate_like_dataverse(text: str, expected: bool) -> None:
    predicate = compile_filter(text, INCIDENT.columns, "Microsoft.Dynamics.CRM.incident")
    assert predicate(ROW) is expected


@pytest.mark.parametrize(("text", "message"), REJECTED, ids=[t or "empty" for t, _ in REJECTED])
def test_rejected_filters_raise_the_dataverse_error(text: str, message: str) -> None:
    with pytest.raises(ODataError) as caught:
        compile_filter(text, INCIDENT.columns, "Microsoft.Dynamics.CRM.incident")
    assert caught.value.status == 400
    assert caught.value.code == "0x80060888"
    assert message in caught.value.message


def test_a_refused_filter_is_answered_with_the_error_body(http: httpx.Client) -> None:
    response = http.get("incidents", params={"$filter": "createdon ge '2026-01-01'"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "0x80060888"
    assert "Edm.DateTimeOffset" in error["message"]
    assert "Edm.String" in error["message"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"$skip": "10"}, "$skip is not supported"),
        ({"$select": "incidentid,colour"}, "colour"),
        ({"$orderby": "colour desc"}, "colour"),
        ({"$expand": "nosuchlookup"}, "nosuchlookup"),
        ({"$apply": "groupby((createdon),aggregate($count as n))"}, "datetime"),
        ({"$apply": "groupby((caseorigincode),aggregate($count as n))", "$orderby": "n desc"}, "aggregate values"),
        ({"$top": "ten"}, "$top"),
        ({"$frobnicate": "1"}, "$frobnicate"),
    ],
)
def test_other_refused_options(http: httpx.Client, params: dict[str, str], message: str) -> None:
    response = http.get("incidents", params=params)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]
