"""Dataverse's rules handed to the HTTP core: OData error bodies, ``Retry-After`` honoured exactly
(the core's standard rule), 6,000 requests per 5 minutes, and a read-only ``$batch`` retried like a GET."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from dynamics_support import ANCHOR

from cjm_sync.errors import FatalAPIError
from cjm_sync.http import BearerAuth, RequestRateLimiter, retry_after
from connectors.dynamics.client import CountSpec, DataverseClient, open_api
from connectors.dynamics.rules import RULES, error_message, limiter
from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.wire import Response

ORG = "https://org.crm4.dynamics.com"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"code": "0x80060891", "message": "Entity does not exist"}}, "0x80060891: Entity does not exist"),
        ({"error": "invalid_client", "error_description": "bad secret"}, "invalid_client: bad secret"),
        ({"message": "plain"}, "plain"),
    ],
    ids=["odata", "oauth", "other"],
)
def test_error_message(body: object, expected: str) -> None:
    assert error_message(httpx.Response(400, json=body)) == expected


def test_rules_keep_the_standard_retry_after_and_no_header_reader() -> None:
    assert RULES.retry_delay is retry_after
    assert RULES.read_budget is None  # x-ms-ratelimit-* are informational: "do not throttle on them"
    assert RULES.display_name == "Dynamics 365"
    fresh = limiter()
    assert isinstance(fresh, RequestRateLimiter)
    assert fresh.max_requests == 6000


def test_open_api_words_errors_the_odata_way(sandbox: DataverseSandbox) -> None:
    api = open_api(ORG, BearerAuth("t0ken-value"), transport=sandbox.transport())
    with pytest.raises(
        FatalAPIError, match=r"not found: 0x80040217: Resource not found for the segment .nosuchset."
    ) as caught:
        DataverseClient(api).get("nosuchset")
    assert caught.value.status == 404


@pytest.mark.parametrize("status", [502, 503, 504])  # a 500 means "no $batch here" (falls back)
def test_a_read_only_batch_is_retried_like_a_get(sandbox: DataverseSandbox, status: int) -> None:
    handle = sandbox.handle
    failures = [status]

    def flaky(request):  # type: ignore[no-untyped-def]
        if request.path.endswith("$batch") and failures:
            return Response(failures.pop(), {}, b"")
        return handle(request)

    sandbox.handle = flaky  # type: ignore[method-assign]
    client = DataverseClient(open_api(ORG, BearerAuth("t0ken-value"), transport=sandbox.transport()))
    start = ANCHOR - timedelta(days=30)
    specs = [CountSpec(s, ("statecode",), start, ANCHOR) for s in ("emails", "phonecalls")]
    counts = client.count_many(specs)
    assert all(c is not None for c in counts)  # answered, not "the write may have reached the server"
    assert client.api.stats.to_dict()["retries"] == 1
