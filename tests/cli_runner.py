"""Run the real CLI in-process for tests: exit code, stdout and stderr, or the ``--json`` document."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest

from cjm_sync.cli.main import main


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``cjm-sync args`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as done:
        main(list(args))
    code = done.value.code
    return (code if isinstance(code, int) else 1), out.getvalue(), err.getvalue()


def cli_json(*args: str, expect: int = 0) -> Any:
    """``cli(*args, "--json")`` parsed, after checking the exit code is ``expect``."""
    code, out, err = cli(*args, "--json")
    assert code == expect, err or out
    return json.loads(out)
