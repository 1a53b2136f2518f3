"""Constants shared by the Dynamics tests (a module name no other test folder uses)."""

from __future__ import annotations

from datetime import UTC, datetime

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
BASE = "https://org.crm4.dynamics.com/api/data/v9.2/"
