"""Test doubles shared by the HTTP core tests."""

from __future__ import annotations

BASE = "https://api.example.test"


class FakeClock:
    """Wall clock that only moves when someone sleeps on it (or the test moves it)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
