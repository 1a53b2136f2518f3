"""The README's main job (`cjm-sync demo`) and the global flags accepted after a command name."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import cli


def test_demo_runs_the_whole_story_and_prints_one_json_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["exit_codes"] == {"initial": 0, "merge": 3, "resolved": 0, "converged": 0}
    journey = (tmp_path / "cjm-sync-demo" / "trial-signup.yaml").read_text(encoding="utf-8")
    assert "Plans are hard to compare on mobile" in journey  # the person's board edit reached the file
    assert "Three plans; the Team plan" in journey  # the lead's file edit survived
    assert "Video call with sales" in journey  # the conflict was settled with the board's value
    assert "source: hubspot" in journey  # HubSpot sandbox metrics were pulled onto the linked touchpoints
    picture = Path(summary["picture"])
    assert picture == (tmp_path / "cjm-sync-demo" / "board.svg").resolve()
    svg = picture.read_text(encoding="utf-8")
    assert "Video call with sales" in svg  # the board, drawn
    assert "Offer an annual-billing" in svg
    assert Path(summary["cli"].split(" ")[0]).is_file()  # a command that works from anywhere


def test_demo_says_what_to_open_and_how_to_carry_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    folder = (tmp_path / "cjm-sync-demo").resolve()
    assert "board.svg" in result.stdout
    assert f"cd {folder}" in result.stdout
    carry_on = next(line for line in result.stdout.splitlines() if " plan --journey " in line).strip()
    executable = carry_on.split(" plan ")[0]
    assert Path(executable.split(" ")[0]).is_absolute()
    assert Path(executable.split(" ")[0]).is_file()
    monkeypatch.chdir(folder)  # the suggested plan, as printed, finds the demo converged: nothing to do
    plan = CliRunner().invoke(cli, ["plan", *shlex.split(carry_on.split(" plan ", 1)[1])])
    assert plan.exit_code == 0, plan.output
    assert (
        "Plan: 0 to create, 0 to update, 0 to delete on the board; 0 to create, 0 to update, 0 to delete in the file"
        in plan.stdout
    )


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--dir", "mine"])
    assert result.exit_code != 0
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("args", [["--quiet", "init"], ["init", "--quiet"], ["init", "-q"]])
def test_quiet_works_before_or_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "-o", "j.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (tmp_path / "j.yaml").exists()


def test_the_demo_folder_leaves_the_repository_clean() -> None:
    """`python3 dev.py demo` runs in the repository root: its folder must not show up as untracked."""
    root = Path(__file__).resolve().parents[2]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    for made in ("cjm-sync-demo/board.svg", "cjm-sync-demo/trial-signup.yaml", "cjm-sync-demo/.cjm-sync/state.db"):
        ignored = subprocess.run(["git", "check-ignore", "-q", made], cwd=root, check=False)
        assert ignored.returncode == 0, f"{made} would be untracked after the demo"
