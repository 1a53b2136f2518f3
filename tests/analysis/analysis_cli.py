"""Run the CLI in-process the way a user does (exit code + output)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cjm_sync.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out = run(capsys, *args, "--json")
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data
