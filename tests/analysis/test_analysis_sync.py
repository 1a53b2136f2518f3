"""`sync` annotates like `annotate` does: same quadrants, flags of the same names, no churn on rerun."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_cli import run, run_json
from analysis_journeys import IPA_JOURNEY


@pytest.fixture
def sandbox_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CJM_MIRO_BOARD_ID", raising=False)
    (workdir / "j.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    return workdir


def test_sync_annotates_with_the_flags_and_a_rerun_changes_nothing(
    sandbox_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("sync", "--journey", "j.yaml", "--board", "b1", "--sandbox", "--crosshair", "scale")
    first = run_json(capsys, *args)
    fields = {(c["key"], f["field"]) for c in first["plan"]["file"] for f in c["fields"]}
    assert ("touchpoint:e", "annotations.ipa_quadrant") in fields
    text = (sandbox_env / "j.yaml").read_text(encoding="utf-8")
    assert "policy: scale" in text
    again = run_json(capsys, *args)
    assert again["plan"]["file"] == []
    assert again["file_written"] is False
    assert (sandbox_env / "j.yaml").read_text(encoding="utf-8") == text
    # annotate with the same settings agrees with sync byte for byte
    assert run(capsys, "annotate", "--journey", "j.yaml", "--crosshair", "scale")[0] == 0
    assert (sandbox_env / "j.yaml").read_text(encoding="utf-8") == text


def test_a_bad_analysis_flag_on_sync_is_a_usage_error(sandbox_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "sync", "--journey", "j.yaml", "--board", "b1", "--sandbox", "--view", "both")
    assert code == 2
    assert "view must be" in out


@pytest.mark.parametrize("command", ["annotate", "sync", "report"])
def test_a_fixed_crosshair_outside_the_rating_scale_is_refused(
    sandbox_env: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    board = ("--board", "b1", "--sandbox") if command == "sync" else ()
    code, out = run(capsys, command, "--journey", "j.yaml", *board, "--crosshair", "8,3")
    assert code == 2
    assert "crosshair importance 8 is outside the journey's rating scale 1..5" in out
    assert "Traceback" not in out
    assert (sandbox_env / "j.yaml").read_text(encoding="utf-8") == IPA_JOURNEY
