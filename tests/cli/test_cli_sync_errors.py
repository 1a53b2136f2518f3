"""Sync commands fail clearly (message + exit code, no traceback) when they cannot tell what to do."""

from __future__ import annotations

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
