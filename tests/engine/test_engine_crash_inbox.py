"""Crash injection around an inbox adoption (a card dragged into a stage, docs/crm.md "The inbox"): a run
that dies anywhere after its first board write — between two writes, after the last one, or at the
journey file's write — converges on the next run to exactly what one uninterrupted run makes: one
touchpoint (the id the card's text gives), one card, no ``-2`` copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_support import base_journey, write_journey
from memory_board import Crash, Phase
from test_engine_crash_miro import BOARD, MiroEnv, settled

from cjm_sync.files import load_journey
from cjm_sync.schema import InboxItem
from connectors.miro.board import parse_items
from connectors.miro.sandbox.render import item_json

HUMAN = "3458764599999999999"
KEY = "hubspot:calls:INBOUND"


def dragged(env: MiroEnv) -> None:
    """After a first sync drew the inbox: a person drags its card into the touchpoints row of stage 'buy'."""
    journey = base_journey()
    journey.inbox = [InboxItem(key=KEY, label="Calls: Inbound", volume=7)]
    write_journey(env.path, journey)
    env.sync()
    ids = env.store.get_id_map("trip", "miro", BOARD)
    board = env.sandbox.store.board(BOARD)
    items = parse_items([item_json("https://api.miro.com", board, i) for i in board.items.values()], {})
    frame = items[ids["frame:trip"]]
    x = items[ids["stage:buy"]].local(frame)[0]
    y = items[ids["row:touchpoints"]].local(frame)[1]
    env.sandbox.as_user(HUMAN).move_item(BOARD, ids[f"inbox:{KEY}"], x, y, parent_id=frame.id)
    env.clock.advance(60)


def adopted_once(env: MiroEnv) -> None:
    """One touchpoint feeds on the key, under the id its text gives; one card says so on the board."""
    journey = load_journey(env.path).journey
    users = [t.id for t in journey.touchpoints if KEY in t.sources]
    assert users == ["calls-inbound"]
    assert not any(t.id.startswith("calls-inbound-") for t in journey.touchpoints)
    assert KEY not in {i.key for i in journey.inbox}
    cards = [i for i in env.sandbox.store.board(BOARD).items.values() if "Calls: Inbound" in str(i.data)]
    assert len(cards) == 1


def reference(workdir: Path) -> tuple[tuple[Any, ...], int]:
    env = MiroEnv(workdir / "reference")
    dragged(env)
    report = env.sync()
    adopted_once(env)
    result = env.outcome(), len(report.board_ops)
    env.close()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["before-write", "after-write"])
def test_a_crash_at_any_board_write_of_an_adoption_converges_without_a_copy(workdir: Path, phase: Phase) -> None:
    expected, steps = reference(workdir)
    assert steps > 1
    failures: list[str] = []
    for k in range(steps):
        env = MiroEnv(workdir / f"crash-{phase}-{k}")
        dragged(env)
        env.connector.crash = (k, phase)
        with pytest.raises(Crash):
            env.sync()
        report = env.sync()
        if env.outcome() != expected or report.conflicts:
            failures.append(f"crash at op {k} {phase}: {[t.id for t in load_journey(env.path).journey.touchpoints]}")
        else:
            adopted_once(env)
            settled(env)
        env.close()
    assert failures == []


def test_a_run_killed_between_its_board_writes_and_the_file_write_converges(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every board write done, then the process dies (kill -9, a full disk, a read-only folder) before the
    journey file is written: the rerun takes the card's touchpoint id back from the journal, not a new one."""
    expected, _ = reference(workdir)
    env = MiroEnv(workdir / "killed")
    dragged(env)

    def killed(*_: Any, **__: Any) -> bool:
        raise Crash("killed before the file write")

    with monkeypatch.context() as patch:
        patch.setattr("cjm_sync.engine.cycle.save_journey", killed)
        with pytest.raises(Crash):
            env.sync()
    report = env.sync()
    assert report.conflicts == []
    assert env.outcome() == expected
    adopted_once(env)
    settled(env)
    env.close()
