"""Sync commands fail clearly (message + exit code, no traceback) when they cannot tell what to do."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from cjm_sync.cli.main import main

EXAMPLE = Path(str(files("cjm_sync") / "examples" / "trial-signup.yaml"))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CJM_MIRO_BOARD_ID", raising=False)
    shutil.copyfile(EXAMPLE, tmp_path / "j.yaml")
    return tmp_path


def test_sync_without_a_board_names_the_flag(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "sync", "--journey", "j.yaml", "--sandbox")
    assert code == 2
    assert "pass --board ID" in out
    assert "Traceback" not in out


def test_the_board_of_the_last_run_is_remembered(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "sync", "--journey", "j.yaml", "--board", "b1", "--sandbox")[0] == 0
    code, out = _run(capsys, "--json", "plan", "--journey", "j.yaml", "--sandbox")
    assert code == 0, out
    assert '"board": "b1"' in out


def test_unknown_connector_lists_the_installed_ones(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "push", "mural", "--journey", "j.yaml", "--board", "b1")
    assert code == 2
    assert "unknown connector 'mural'" in out
    assert "miro" in out


def test_several_configured_journeys_need_all_or_journey(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copyfile(workdir / "j.yaml", workdir / "k.yaml")
    (workdir / "cjm-sync.toml").write_text(
        '[[journeys]]\npath = "j.yaml"\n\n[[journeys]]\npath = "k.yaml"\n', encoding="utf-8"
    )
    code, out = _run(capsys, "sync", "--sandbox")
    assert code == 2
    assert "--all" in out


def test_unknown_policy_in_the_config_names_the_valid_ones(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "cjm-sync.toml").write_text('[policies]\ncontent = "loudest-wins"\n', encoding="utf-8")
    code, out = _run(capsys, "plan", "--journey", "j.yaml", "--board", "b1", "--sandbox")
    assert code == 2
    assert "loudest-wins" in out
    assert "manual" in out


def _fleet(workdir: Path) -> None:
    """Three configured journeys; the middle one's file is invalid."""
    shutil.copyfile(workdir / "j.yaml", workdir / "k.yaml")
    (workdir / "bad.yaml").write_text("schema_version: 2\nid: bad\n", encoding="utf-8")  # no title
    boards = {"j.yaml": "bj", "bad.yaml": "bb", "k.yaml": "bk"}
    (workdir / "cjm-sync.toml").write_text(
        "".join(f'[[journeys]]\npath = "{p}"\nboard = {{ target = "{b}" }}\n\n' for p, b in boards.items()),
        encoding="utf-8",
    )


def test_one_broken_journey_does_not_stop_sync_all(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A cron `sync --all` over many journeys: the broken one is reported and the ones after it still
    run; the exit code says something failed."""
    _fleet(workdir)
    code, out = _run(capsys, "sync", "--all", "--sandbox")
    assert code == 2
    assert "error: bad.yaml:" in out
    assert "1 of 3 journeys failed: bad.yaml (exit 2)" in out
    assert out.count("Applied:") == 2  # j.yaml before it and k.yaml after it were synced
    code, out = _run(capsys, "--json", "sync", "--all", "--sandbox")
    assert code == 2
    document = json.loads(out)  # one JSON document, not one per journey
    assert [(r["file"], r["board"]) for r in document["runs"]] == [("j.yaml", "bj"), ("k.yaml", "bk")]
    assert [(f["file"], f["error"], f["exit_code"]) for f in document["failed"]] == [
        ("bad.yaml", "ValidationFailed", 2)
    ]
    assert all({"message", "hint", "issues"} <= set(f) for f in document["failed"])
