"""Suite-wide test set-up: shared helper folders on the import path, no real retry waits."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cjm_sync.http import retry

sys.path.insert(0, str(Path(__file__).parent / "contract"))


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)
