"""String property parsing, rounding, medians and source-key shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.keys import parse
from connectors.hubspot.values import boolean, instant, median, number, round2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12.0), ("12.5", 12.5), (" -3 ", -3.0), ("", None), ("  ", None), (None, None), ("abc", None),
     ("nan", None), ("inf", None), ("1e3", 1000.0)],
)  # fmt: skip
def test_numbers(text: object, expected: float | None) -> None:
    assert number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("FALSE", False), ("", None), ("yes", None)])
def test_booleans(text: str, expected: bool | None) -> None:
    assert boolean(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1761955200000", datetime(2025, 11, 1, tzinfo=UTC)),
        ("2025-11-01T00:00:00Z", datetime(2025, 11, 1, tzinfo=UTC)),
        ("2025-11-01T00:00:00.000Z", datetime(2025, 11, 1, tzinfo=UTC)),
        ("2025-11-01T02:00:00+02:00", datetime(2025, 11, 1, tzinfo=UTC)),
        ("2025-11-01", datetime(2025, 11, 1, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("not a date", None),
    ],
)
def test_instants_from_epoch_ms_and_iso(text: str | None, expected: datetime | None) -> None:
    assert instant(text) == expected


def test_rounding_is_half_away_from_zero_and_medians_of_even_counts_average() -> None:
    assert round2(2.675) == 2.68  # binary 2.67499… would round down with round()
    assert round2(-2.675) == -2.68
    assert round2(0.125) == 0.13
    assert round2(None) is None
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5, 1, 3]) == 3
    assert median([]) is None


@pytest.mark.parametrize(
    "key",
    [
        "hubspot:calls:INBOUND",
        "hubspot:emails:FORWARDED_EMAIL",
        "hubspot:feedback_submissions:NPS",
        "hubspot:deal-stage:default:closedwon",
        "hubspot:ticket-stage:0:4",
        "hubspot:lifecycle:1125478932",
    ],
)
def test_well_formed_keys(key: str) -> None:
    assert HubSpotConnector.check_source_key(key) is None
    assert parse(key).key == key


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("hubspot:calls", "needs a kind and a value"),
        ("hubspot:calls:INBOUND:extra", "hubspot:calls:<hs_call_direction>"),
        ("hubspot:deal-stage:closedwon", "hubspot:deal-stage:<pipelineId>:<stageId>"),
        ("hubspot:lifecycle:a:b", "hubspot:lifecycle:<lifecyclestage>"),
        ("hubspot:notes:x", "unknown kind 'notes'"),
    ],
)
def test_malformed_keys_say_which_shape_they_need(key: str, says: str) -> None:
    message = HubSpotConnector.check_source_key(key)
    assert message is not None
    assert says in message
