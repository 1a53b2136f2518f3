"""CRM-contract tests: the fake connector is on the import path and registered."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_crm import FakeCrm

from cjm_sync.plugins import registry


@pytest.fixture(autouse=True)
def fake_crm() -> Iterator[type[FakeCrm]]:
    registry.register_connector("analytics", FakeCrm)
    FakeCrm.records, FakeCrm.fail_after_put, FakeCrm.reads = [], False, 0
    yield FakeCrm
    registry._extra.pop("analytics", None)
