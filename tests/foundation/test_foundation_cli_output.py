"""``--json`` output parses for every file command (before or after the command name); ``--version``."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from foundation_helpers import invoke, run_console_script, run_main

from cjm_sync import __version__

BAD = "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s\n    title: S\ntouchpoints:\n  - id: t\n    title: T\n"
BAD += "    stage: ghost\n"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    assert run_main("init", "--title", "旅程", "-o", path).code == 0
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def _both_positions(*args: str | Path) -> list[list[str | Path]]:
    return [["--json", *args], [*args, "--json"]]


@pytest.mark.parametrize("position", [0, 1], ids=["global", "after-command"])
def test_validate_json_ok(good: Path, position: int) -> None:
    run = run_main(*_both_positions("validate", good)[position])
    assert run.code == 0
    data = json.loads(run.stdout)
    assert data == {"ok": True, "files": [{"path": str(good), "ok": True, "warnings": []}]}
    assert run.stderr == ""


@pytest.mark.parametrize("position", [0, 1], ids=["global", "after-command"])
def test_validate_json_failing(bad: Path, position: int) -> None:
    run = run_main(*_both_positions("validate", bad)[position])
    assert run.code == 2
    data = json.loads(run.stdout)
    assert data["ok"] is False
    [entry] = data["files"]
    assert entry["ok"] is False
    assert entry["issues"] == [
        {"file": str(bad), "line": 10, "column": 5, "path": "touchpoints[0].stage", "message": "unknown stage 'ghost'"}
    ]


@pytest.mark.parametrize("position", [0, 1], ids=["global", "after-command"])
def test_init_json(tmp_path: Path, position: int) -> None:
    path = tmp_path / "bp.yaml"
    run = run_main(*_both_positions("init", "--type", "service_blueprint", "--title", "蓝图", "-o", path)[position])
    assert run.code == 0
    assert json.loads(run.stdout) == {"ok": True, "path": str(path), "map_type": "service_blueprint", "id": "蓝图"}


def test_init_json_error_is_json(good: Path) -> None:
    run = run_main("--json", "init", "-o", good)
    assert run.code == 2
    data = json.loads(run.stdout)
    assert data["ok"] is False
    assert str(good) in data["message"]


@pytest.mark.parametrize("position", [0, 1], ids=["global", "after-command"])
def test_fmt_json(good: Path, bad: Path, position: int) -> None:
    run = run_main(*_both_positions("fmt", good)[position])
    assert run.code == 0
    assert json.loads(run.stdout) == {"ok": True, "changed": [], "check": False}

    failing = run_main(*_both_positions("fmt", bad)[position])
    assert failing.code == 2
    data = json.loads(failing.stdout)
    assert data["ok"] is False
    assert data["issues"][0]["path"] == "touchpoints[0].stage"


@pytest.mark.parametrize("position", [0, 1], ids=["global", "after-command"])
def test_schema_json(position: int) -> None:
    run = run_main(*_both_positions("schema")[position])
    assert run.code == 0
    assert json.loads(run.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_missing_file_json_error(tmp_path: Path) -> None:
    run = run_main("validate", tmp_path / "none.yaml", "--json")
    assert run.code == 2
    data = json.loads(run.stdout)
    assert data["ok"] is False
    assert data["files"][0]["issues"][0]["file"] == str(tmp_path / "none.yaml")


def test_json_output_keeps_cjk_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "schema_version: 2\nid: 旅程\ntitle: 旅程\nstages:\n  - id: 阶段\n    title: 一\n"
        "touchpoints:\n  - id: 点\n    title: 二\n    stage: 不存在\n",
        encoding="utf-8",
    )
    run = run_main("--json", "validate", path)
    assert run.code == 2
    assert "unknown stage '不存在'" in run.stdout
    assert json.loads(run.stdout)["files"][0]["issues"][0]["message"] == "unknown stage '不存在'"


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"cjm-sync, version {__version__}"
    assert __version__ == version("cjm-sync")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


def test_version_console_script(tmp_path: Path) -> None:
    done = run_console_script("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"cjm-sync, version {__version__}"


def test_console_script_json_validate(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    done = run_console_script("validate", "bad.yaml", "--json", cwd=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stdout)["files"][0]["issues"][0]["line"] == 10
