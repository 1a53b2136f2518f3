"""A person's mistake is never an "internal error": each names the file (and line, and field) and
exits 2 — or works, where the input is valid after all (issue 8, part 4)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import main

JOURNEY = "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s1\n    title: S1\n"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(*args: str | Path) -> Ran:
    runner = CliRunner()
    with runner.isolation() as (out, err, _both):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return Ran(code, out.getvalue().decode(), err.getvalue().decode("utf-8", "backslashreplace"))


def _no_internal_error(ran: Ran) -> None:
    assert "internal error" not in ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr


# --- config files --------------------------------------------------------------------------------


def test_a_non_utf8_config_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cjm-sync.toml").write_bytes(b'[state]\nurl = "caf\xe9"\n')
    for args in (("status",), ("validate", "cjm-sync.toml")):
        ran = run(*args)
        assert ran.code == 2, ran
        _no_internal_error(ran)
        assert "cjm-sync.toml:2:" in ran.stderr
        assert "UTF-8" in ran.stderr


def test_validate_recognises_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cjm-sync.toml").write_text(
        '[state]\nurl = "x"\n\n[[journeys]]\npath = "a.yaml"\n\n[[journeys]]\npath = "b.yaml"\n'
        'board = { connector = "miro", targt = "x" }\n',
        encoding="utf-8",
    )
    ran = run("validate", "cjm-sync.toml")
    assert ran.code == 2
    _no_internal_error(ran)
    assert "invalid YAML" not in ran.stderr
    assert ran.stderr.count("cjm-sync.toml:") == 1
    assert "cjm-sync.toml:9: journeys[1].board.targt: unknown field" in ran.stderr

    Path("ok.toml").write_text('[[journeys]]\npath = "a.yaml"\n', encoding="utf-8")
    good = run("validate", "ok.toml", "--json")
    assert good.code == 0
    assert good.json()["files"] == [{"path": "ok.toml", "ok": True, "warnings": [], "kind": "config"}]


def test_config_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cjm-sync.toml"
    path.write_text("[state\nurl = 1\n", encoding="utf-8")
    issues = run("validate", path, "--json").json()["files"][0]["issues"]
    assert [(i["line"], i["column"]) for i in issues] == [(1, 7)]
    assert "invalid TOML" in issues[0]["message"]


# --- sandbox store and server --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "where"),
    [(b'{"boards": [\n', ":2:1:"), (b'{"x": 1}', ": sandbox store"), (b"\xff\xfe", ": sandbox store")],
)
def test_a_corrupt_sandbox_store_names_the_file_and_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, where: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("j.yaml").write_text(JOURNEY, encoding="utf-8")
    store = Path(".cjm-sync/sandbox-miro.json")
    store.parent.mkdir()
    store.write_bytes(content)
    for args in (("plan", "--sandbox", "--journey", "j.yaml", "--board", "b1"), ("sandbox", "miro", "--port", "0")):
        ran = run(*args)
        assert ran.code == 2, ran
        _no_internal_error(ran)
        assert f"{store}{where}" in ran.stderr
        assert store.read_bytes() == content


def test_a_busy_port_is_a_clear_usage_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "cjm_sync", "sandbox", "miro", "--port", str(port), "--fresh"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "--port" in done.stderr
    assert "report" not in done.stderr


# --- files and folders ---------------------------------------------------------------------------


def test_writing_into_a_missing_folder_names_it(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "j.yaml"
    ran = run("init", "-o", target)
    assert ran.code == 2, ran
    _no_internal_error(ran)
    assert str(target) in ran.stderr
    assert "does not exist" in ran.stderr


# --- machine-readable output ---------------------------------------------------------------------


@pytest.mark.parametrize("args", [("--json", "frobnicate"), ("validate", "--frobnicate", "x", "--json"), ("--json",)])
def test_json_on_a_usage_error_prints_json(args: tuple[str, ...]) -> None:
    ran = run(*args)
    assert ran.code == 2 if args != ("--json",) else ran.code in (0, 2)
    if ran.code == 2:
        data = ran.json()
        assert data["ok"] is False
        assert data["error"] == "UsageError"
        assert data["message"]


@pytest.mark.parametrize(
    "args",
    [
        ("--log-format", "json", "validate", "missing.yaml"),
        ("--log-format=json", "frobnicate"),
        ("--log-format", "json", "init", "-o", "no-such-folder/j.yaml"),
        ("--log-format", "json", "status", "--journey", "j.yaml"),
        ("--log-format", "json", "plan", "--sandbox", "--journey", "j.yaml", "--board", "b1"),
    ],
)
def test_log_format_json_writes_only_json_lines_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("j.yaml").write_text(JOURNEY, encoding="utf-8")
    ran = run(*args)
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    for line in lines:
        record = json.loads(line)
        assert {"ts", "level", "message"} <= set(record)
    if ran.code:
        assert lines, "an error must be reported"
