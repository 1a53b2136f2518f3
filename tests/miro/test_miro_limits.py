"""Vendor limits: file values Miro would refuse fail validation at their line; board state that leaves
no room skips that one write, says so, and the sync still succeeds (never stuck half-pushed at exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import cli

from connectors.miro.limits import CAPTION_MAX, TAGS_PER_ITEM
from connectors.miro.richtext import to_html
from connectors.miro.sandbox import MiroSandbox

BOARD = "uXjVlimits="
HUMAN = "3458764599999999999"
SANDBOX = Path(".cjm-sync/sandbox-miro.json")
JOB = ["--journey", "j.yaml", "--board", BOARD, "--sandbox"]


def journey(label: str = "then", extra: str = "") -> str:
    return f"""schema_version: 2
id: j
title: J
stages:
  - id: s
    title: S
touchpoints:
  - id: a
    title: A{extra}
    stage: s
    connections:
      - to: b
        label: {json.dumps(label, ensure_ascii=False)}
  - id: b
    title: B
    stage: s
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    return tmp_path


@pytest.mark.usefixtures("here")
def test_a_label_too_long_once_stored_as_rich_text_fails_validation_at_its_line() -> None:
    label = "x" * 190 + " & <b>"  # 196 characters; 213 as Miro stores it
    assert len(label) == 196
    assert len(to_html(label)) > CAPTION_MAX
    Path("j.yaml").write_text(journey(label), encoding="utf-8")
    code, _, err = cli("validate", "j.yaml")
    assert code == 2
    assert "j.yaml:13:9: touchpoints[0].connections[0].label:" in err
    assert "at most 200" in err
    code, _, err = cli("sync", *JOB)  # and a sync refuses before writing anything
    assert code == 2
    if SANDBOX.exists():
        boards = MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8"))).store.boards
        assert BOARD not in boards or not boards[BOARD].items


@pytest.mark.usefixtures("here")
def test_a_label_of_exactly_the_limit_passes() -> None:
    label = "y" * (CAPTION_MAX - len("<p></p>"))
    Path("j.yaml").write_text(journey(label), encoding="utf-8")
    assert cli("validate", "j.yaml")[0] == 0


@pytest.mark.usefixtures("here")
def test_a_badge_full_of_the_teams_tags_skips_only_what_does_not_fit_and_exits_0() -> None:
    Path("j.yaml").write_text(journey(), encoding="utf-8")
    assert cli("sync", *JOB)[0] == 0
    sandbox = MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8")))
    board = sandbox.store.board(BOARD)
    badge = next(i for i in board.items.values() if i.type == "sticky_note")
    human = sandbox.as_user(HUMAN)
    for n in range(TAGS_PER_ITEM - 1):
        human.tag_item(BOARD, badge.id, str(human.create_tag(BOARD, f"team {n}")["id"]))
    SANDBOX.write_text(json.dumps(sandbox.dump(), ensure_ascii=False), encoding="utf-8")
    edited = journey(extra="\n    moment_of_truth: true\n    channel: ads")
    Path("j.yaml").write_text(edited, encoding="utf-8")

    code, out, err = cli("sync", *JOB)
    assert code == 0, err
    assert "skipped: not tagging badge:a 'channel: ads'" in out
    board = MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8"))).store.board(BOARD)
    titles = {board.tags[t].title for t in board.items[badge.id].tag_ids}
    assert "moment of truth" in titles  # the rest of the writes happened
    assert len(titles) == TAGS_PER_ITEM
    assert "channel: ads" not in {t.title for t in board.tags.values()}
    code, out, err = cli("sync", *JOB)  # the next run neither fails nor takes the missing tag for an edit
    assert code == 0, err
    assert "0 to create, 0 to update, 0 to delete on the board" in out
    assert Path("j.yaml").read_text(encoding="utf-8") == edited
