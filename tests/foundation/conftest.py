"""Fixtures for the foundation suite (logger clean-up after CLI runs lives in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_config_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run in tmp dirs and must not pick up a developer's CJM_SYNC_CONFIG."""
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
