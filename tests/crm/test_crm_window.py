"""``--window`` / ``--as-of`` parsing and the half-open window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cjm_sync.errors import UsageError
from cjm_sync.plugins import Window, parse_as_of, parse_window


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("P30D", timedelta(days=30)),
        ("30d", timedelta(days=30)),
        ("p7d", timedelta(days=7)),
        ("P2W", timedelta(weeks=2)),
        ("2w", timedelta(weeks=2)),
        ("PT12H", timedelta(hours=12)),
        ("12h", timedelta(hours=12)),
        ("P1DT6H", timedelta(days=1, hours=6)),
        ("90m", timedelta(minutes=90)),
    ],
)
def test_window_lengths(text: str, length: timedelta) -> None:
    assert parse_window(text) == length


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "P1Y", "30", "thirty days", "0d", "P0D", "-3d", "P1DT"])
def test_bad_windows_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_window(text)


def test_as_of_is_utc() -> None:
    assert parse_as_of("2026-11-01T00:00:00Z") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_as_of("2026-11-01T02:00:00+02:00") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_as_of("2026-11-01T00:00:00") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_as_of("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(UsageError):
        parse_as_of("yesterday")


def test_window_is_half_open_and_previous_is_adjacent() -> None:
    window = Window.from_options("P30D", "2026-11-01T00:00:00Z")
    assert window.iso() == "2026-10-02T00:00:00Z/2026-11-01T00:00:00Z"
    assert window.previous.iso() == "2026-09-02T00:00:00Z/2026-10-02T00:00:00Z"
    assert window.contains(window.start)
    assert not window.contains(window.end)
    assert window.previous.contains(window.start - timedelta(microseconds=1))
    assert not window.previous.contains(window.start)


def test_the_default_as_of_is_now_to_the_second_so_as_of_and_window_read_alike() -> None:
    window = Window.ending()
    assert window.end.microsecond == 0
    assert window.iso().endswith(window.end.strftime("%H:%M:%SZ"))
