"""The "Unassigned (from HubSpot)" inbox end to end, from the CLI with the HubSpot and Miro sandboxes
(issue 9 section 3): the pull lists the keys the journey does not use; the board shows them beside the
grid; a person drags one into a stage (a touchpoint with that source key, the same board item), moves one
elsewhere (nothing happens), deletes one (dismissed, not drawn again); a key written into the file takes
its card off the board."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_runner import cli, cli_json
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cjm_sync.files import load_journey, save_journey
from cjm_sync.plugins import PullRequest, SourceLink, UnassignedKey, Window
from cjm_sync.state import open_store
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.keys import TOUCHPOINT_KINDS
from connectors.hubspot.sandbox import HubSpotSandbox, RateLimits
from connectors.miro.board import Item, parse_items
from connectors.miro.inbox import journey_rect
from connectors.miro.sandbox import MiroSandbox
from connectors.miro.sandbox.render import item_json

BOARD = "uXjVinbox="
HUMAN = "3458764511111111111"
AS_OF = "2026-11-01T00:00:00Z"
JOURNEY = """\
schema_version: 2
id: saas
title: SaaS 旅程
stages:
  - id: consider
    title: Qualified to buy
    sources: [hubspot:deal-stage:default:qualifiedtobuy]
  - id: use
    title: Use
touchpoints:
  - id: support
    title: Support hotline ☎️
    stage: use
    channel: phone
    sources: [hubspot:calls:INBOUND, hubspot:tickets:PHONE]
  - id: survey
    title: NPS survey
    stage: use
    sources: [hubspot:feedback_submissions:NPS]
"""
PULL = ["--sandbox", "--journey", "saas.yaml", "--window", "P90D", "--as-of", AS_OF]
SYNC = ["sync", "--crm", "hubspot", "--board", BOARD, *PULL]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CJM_STATE_URL", raising=False)
    Path("saas.yaml").write_text(JOURNEY, encoding="utf-8")
    Path("cjm-sync.toml").write_text("[connectors.hubspot]\nsandbox_records = 800\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def synced(here: Path) -> dict[str, Any]:
    first = cli_json(*SYNC)
    assert first["applied"]
    return first  # type: ignore[no-any-return]


def inbox() -> dict[str, Any]:
    return {i.key: i for i in load_journey(Path("saas.yaml")).journey.inbox}


def id_map() -> dict[str, str]:
    store = open_store(".cjm-sync/state.db")
    try:
        return dict(store.get_id_map("saas", "miro", BOARD))
    finally:
        store.close()


@contextmanager
def board() -> Iterator[tuple[MiroSandbox, dict[str, Item]]]:
    """The sandbox board as the API shows it (canvas coordinates), and the sandbox to act as a person."""
    sandbox = MiroSandbox.open(Path(".cjm-sync/sandbox-miro.json"))
    with sandbox._state(saving=False):
        raw = [
            item_json("https://api.miro.com", sandbox.store.board(BOARD), i)
            for i in sandbox.store.board(BOARD).items.values()
        ]
    yield sandbox, parse_items(raw, {})


def test_pull_lists_every_unused_key_with_discovers_volume(here: Path) -> None:
    found = cli_json("discover", "hubspot", *PULL)
    counts = {t["key"]: t["count"] for t in found["touchpoints"]}
    report = cli_json("pull", "hubspot", *PULL)
    listed = inbox()
    used = {"hubspot:calls:INBOUND", "hubspot:tickets:PHONE", "hubspot:feedback_submissions:NPS"}
    assert set(listed) == {k for k, n in counts.items() if n > 0} - used
    assert all(listed[k].volume == counts[k] for k in listed)
    assert listed["hubspot:calls:OUTBOUND"].label == "Calls: Outbound"
    assert {e["key"] for e in report["inbox"] if e["event"] == "added"} == set(listed)
    text = Path("saas.yaml").read_text(encoding="utf-8")
    assert text.startswith(JOURNEY.split("\n", maxsplit=1)[0])
    assert "sources: [hubspot:calls:INBOUND, hubspot:tickets:PHONE]" in text
    again = cli_json("pull", "hubspot", *PULL)
    assert again["inbox"] == []
    assert not again["file_written"]


def test_a_rerun_reuses_the_inbox_counts_and_full_counts_again(here: Path) -> None:
    first = cli_json("pull", "hubspot", *PULL)["api_calls"]["by_connector"]["hubspot"]["by_kind"]
    listed = inbox()
    again = cli_json("pull", "hubspot", *PULL)["api_calls"]["by_connector"]["hubspot"]["by_kind"]
    assert inbox() == listed
    assert again["get"] == first["get"] - len(TOUCHPOINT_KINDS)  # the inbox's property reads are not paid again
    assert again["search"] < first["search"]
    full = cli_json("pull", "hubspot", *PULL, "--full")["api_calls"]["by_connector"]["hubspot"]["by_kind"]
    assert full["get"] == first["get"]  # --full reads the options (and counts) afresh
    assert inbox() == listed
    later = [*PULL[:-1], "2026-11-03T00:00:00Z"]  # the window moved by two days: counted again
    moved = cli_json("pull", "hubspot", *later)["api_calls"]["by_connector"]["hubspot"]["by_kind"]
    assert moved["get"] >= len(TOUCHPOINT_KINDS)


def test_an_incremental_rerun_costs_no_request_for_the_inbox(tmp_path: Path) -> None:
    portal = HubSpotSandbox.generate("b2b_saas", 800, anchor=datetime(2026, 11, 1, tzinfo=UTC))
    portal.limits = RateLimits(burst=10**9, search_per_second=10**9)
    links = (
        SourceLink("touchpoint:a", "touchpoint", ("hubspot:calls:INBOUND",)),
        SourceLink("touchpoint:b", "touchpoint", ("hubspot:tickets:CHAT",)),
    )
    window = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))

    def pull(store: Any, run: str, unassigned: bool) -> tuple[int, list[UnassignedKey] | None]:
        connector = HubSpotConnector.from_config({"sandbox": True}, transport=portal.transport())
        request = PullRequest("j", links, window, unassigned=unassigned)
        result = connector.pull(request, StoreRecordCache(store, run, "j", "hubspot"))
        with store.transaction():
            store.crm_commit(run, "j", "hubspot", result.watermarks)
        return int(connector.api_calls()["calls"]), result.unassigned

    with_inbox, without = open_store(str(tmp_path / "a.db")), open_store(str(tmp_path / "b.db"))
    first_cost, first = pull(with_inbox, "r1", True)
    pull(without, "r1", True)
    rerun_cost, rerun = pull(with_inbox, "r2", True)
    plain_cost, _ = pull(without, "r2", False)
    assert rerun == first
    assert rerun_cost == plain_cost < first_cost
    with_inbox.close()
    without.close()


def test_sync_draws_the_inbox_beside_the_grid_and_a_second_sync_writes_nothing(synced: dict[str, Any]) -> None:
    listed = inbox()
    ids = id_map()
    with board() as (_, items):
        frame = items[ids["inbox-frame:hubspot"]]
        assert frame.type == "frame"
        assert frame.data["title"] == "Unassigned (from HubSpot)"
        journey = items[ids["frame:saas"]]
        assert frame.canvas_rect.x0 > journey.canvas_rect.x1  # beside the grid, to the right
        for key in listed:
            card = items[ids[f"inbox:{key}"]]
            assert card.type == "app_card"
            assert card.parent_id == frame.id
            assert any(f["value"] == key for f in card.data["fields"])
        others = [i.canvas_rect for i in items.values() if i.parent_id is None and i.id != frame.id]
        assert not any(frame.canvas_rect.overlaps(r) for r in others)
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0, again["plan"]
    assert not again["file_written"]
    assert again["inbox"] == []


def _cell(items: dict[str, Item], ids: dict[str, str], stage: str) -> tuple[float, float, str]:
    """Frame-relative centre of the touchpoints-row cell of ``stage``, and the journey frame's id."""
    frame = items[ids["frame:saas"]]
    header = items[ids[f"stage:{stage}"]]
    row = items[ids["row:touchpoints"]]
    return header.local(frame)[0], row.local(frame)[1], frame.id


def test_a_card_dragged_into_a_stage_becomes_that_touchpoint_with_its_key(synced: dict[str, Any]) -> None:
    ids = id_map()
    card_id = ids["inbox:hubspot:calls:OUTBOUND"]
    with board() as (sandbox, items):
        x, y, frame = _cell(items, ids, "consider")
        sandbox.as_user(HUMAN).move_item(BOARD, card_id, x, y, parent_id=frame)
    plan = cli_json("plan", "--crm", "hubspot", "--board", BOARD, *PULL)
    assert {"event": "placed", "key": "hubspot:calls:OUTBOUND"}.items() <= plan["inbox"][0].items()
    report = cli_json(*SYNC)
    journey = load_journey(Path("saas.yaml")).journey
    (tp,) = [t for t in journey.touchpoints if "hubspot:calls:OUTBOUND" in t.sources]
    assert (tp.title, tp.stage, tp.sources) == ("Calls: Outbound", "consider", ["hubspot:calls:OUTBOUND"])
    assert "hubspot:calls:OUTBOUND" not in inbox()
    assert id_map()[f"touchpoint:{tp.id}"] == card_id  # the same board item, re-keyed
    assert not any(op["op"] in ("create", "delete") and op["item_type"] == "app_card" for op in report["plan"]["board"])
    with board() as (_, items):
        assert card_id in items
        assert sum(1 for i in items.values() if i.data.get("title", "").endswith("Outbound</p>")) == 1
    assert not tp.metrics  # the pull ran before the board was read; the next one fills it
    cli_json(*SYNC)
    tp = next(t for t in load_journey(Path("saas.yaml")).journey.touchpoints if t.id == tp.id)
    assert {m.id for m in tp.metrics} >= {"volume", "volume-previous", "volume-change"}
    last = cli_json(*SYNC)
    assert last["board_writes"] == 0
    assert not last["file_written"]
    log = cli_json("log")["changes"]
    assert any(c["key"] == "inbox:hubspot:calls:OUTBOUND" and c["reason"] == "inbox placed" for c in log)


def test_a_card_adopted_by_a_push_still_brings_its_key_at_the_next_sync(synced: dict[str, Any]) -> None:
    ids = id_map()
    card_id = ids["inbox:hubspot:meetings:COMPLETED"]
    with board() as (sandbox, items):
        x, y, frame = _cell(items, ids, "use")
        sandbox.as_user(HUMAN).move_item(BOARD, card_id, x, y, parent_id=frame)
    cli_json("push", "--board", BOARD, "--sandbox", "--journey", "saas.yaml")  # board only: the file is not written
    assert "hubspot:meetings:COMPLETED" in inbox()
    cli_json(*SYNC)
    journey = load_journey(Path("saas.yaml")).journey
    (tp,) = [t for t in journey.touchpoints if t.sources == ["hubspot:meetings:COMPLETED"]]
    assert tp.stage == "use"
    assert id_map()[f"touchpoint:{tp.id}"] == card_id
    assert "hubspot:meetings:COMPLETED" not in inbox()
    with board() as (_, items):
        titles = [i.data.get("title", "") for i in items.values() if i.type == "app_card"]
        assert sum("Meetings: Completed" in t for t in titles) == 1


def test_a_key_placed_in_the_file_and_on_the_board_at_once_feeds_one_touchpoint(synced: dict[str, Any]) -> None:
    ids = id_map()
    with board() as (sandbox, items):
        x, y, frame = _cell(items, ids, "consider")
        sandbox.as_user(HUMAN).move_item(BOARD, ids["inbox:hubspot:tickets:EMAIL"], x, y, parent_id=frame)
    text = Path("saas.yaml").read_text(encoding="utf-8")
    Path("saas.yaml").write_text(
        text.replace("hubspot:tickets:PHONE]", "hubspot:tickets:PHONE, hubspot:tickets:EMAIL]")
    )
    report = cli_json(*SYNC)
    journey = load_journey(Path("saas.yaml")).journey
    assert [t.id for t in journey.touchpoints if "hubspot:tickets:EMAIL" in t.sources] == ["support"]
    adopted = next(t for t in journey.touchpoints if t.title == "Tickets: Email")
    assert adopted.sources == []
    assert any("already feeds another" in n for n in report["notes"])
    assert "hubspot:tickets:EMAIL" not in inbox()


def test_a_card_moved_elsewhere_is_not_adopted_nor_moved_back(synced: dict[str, Any]) -> None:
    ids = id_map()
    card_id = ids["inbox:hubspot:emails:EMAIL"]
    with board() as (sandbox, items):
        far = items[ids["frame:saas"]].canvas_rect
        sandbox.as_user(HUMAN).remove_from_frame(BOARD, card_id)
        sandbox.as_user(HUMAN).move_item(BOARD, card_id, far.x0 - 2000, far.y0)
    report = cli_json(*SYNC)
    assert "hubspot:emails:EMAIL" in inbox()
    assert not inbox()["hubspot:emails:EMAIL"].dismissed
    assert report["board_writes"] == 0
    assert report["inbox"] == []
    assert not any("hubspot:emails:EMAIL" in t.sources for t in load_journey(Path("saas.yaml")).journey.touchpoints)


def test_a_deleted_card_is_dismissed_and_not_drawn_again(synced: dict[str, Any]) -> None:
    ids = id_map()
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).delete_item(BOARD, ids["inbox:hubspot:meetings:COMPLETED"])
    code, out, err = cli(*SYNC)
    assert code == 0, err
    assert "× hubspot:meetings:COMPLETED dismissed" in out
    assert inbox()["hubspot:meetings:COMPLETED"].dismissed
    assert "dismissed: true" in Path("saas.yaml").read_text(encoding="utf-8")
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0
    assert again["inbox"] == []
    assert "inbox:hubspot:meetings:COMPLETED" not in id_map()
    log = cli_json("log")["changes"]
    assert any(c["key"] == "inbox:hubspot:meetings:COMPLETED" and c["field"] == "dismissed" for c in log)


def test_a_key_written_into_the_file_takes_its_card_off_the_board(synced: dict[str, Any]) -> None:
    card_id = id_map()["inbox:hubspot:tickets:EMAIL"]
    text = Path("saas.yaml").read_text(encoding="utf-8")
    Path("saas.yaml").write_text(
        text.replace(
            "[hubspot:calls:INBOUND, hubspot:tickets:PHONE]",
            "[hubspot:calls:INBOUND, hubspot:tickets:PHONE, hubspot:tickets:EMAIL]",
        ),
        encoding="utf-8",
    )
    report = cli_json(*SYNC)
    assert "hubspot:tickets:EMAIL" not in inbox()
    assert {"op": "delete", "key": "inbox:hubspot:tickets:EMAIL"}.items() <= next(
        op for op in report["plan"]["board"] if op["key"] == "inbox:hubspot:tickets:EMAIL"
    ).items()
    assert report["inbox"][0]["event"] == "placed"
    assert report["inbox"][0]["entity"] == "touchpoint:support"
    with board() as (_, items):
        assert card_id not in items


def test_a_card_text_edited_on_the_board_is_kept_as_its_title(synced: dict[str, Any]) -> None:
    ids = id_map()
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).update_item(
            BOARD, ids["inbox:hubspot:calls:OUTBOUND"], data={"title": "Outbound sales calls"}
        )
    cli_json(*SYNC)
    item = inbox()["hubspot:calls:OUTBOUND"]
    assert (item.label, item.title) == ("Calls: Outbound", "Outbound sales calls")
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0
    assert not again["file_written"]


def test_the_inbox_frame_keeps_clear_of_the_journey(synced: dict[str, Any]) -> None:
    ids = id_map()
    with board() as (_, items):
        rect = journey_rect(_snapshot(items), ids, [])
        assert rect is not None
        assert items[ids["inbox-frame:hubspot"]].canvas_rect.x0 >= rect.x1


def _snapshot(items: dict[str, Item]) -> Any:
    from connectors.miro.board import Snapshot

    return Snapshot(items, {}, {})


DYNAMICS = """\
schema_version: 2
id: dyn
title: Dynamics 旅程
stages:
  - id: use
    title: Use
touchpoints:
  - id: hotline
    title: Support hotline
    stage: use
    sources: [dynamics:incident:phone, dynamics:phonecall:incoming]
"""


def test_dynamics_keys_get_their_own_area_and_a_drag_adopts_one(here: Path) -> None:
    Path("dyn.yaml").write_text(DYNAMICS, encoding="utf-8")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    job = ["sync", "--crm", "dynamics", "--sandbox", "--journey", "dyn.yaml", "--board", BOARD, "--as-of", hour]
    first = cli_json(*job)
    listed = {i.key: i for i in load_journey(Path("dyn.yaml")).journey.inbox}
    assert "dynamics:phonecall:outgoing" in listed
    assert "dynamics:phonecall:incoming" not in listed
    assert all(k.startswith("dynamics:") and (i.volume or 0) > 0 for k, i in listed.items())
    assert {e["key"] for e in first["inbox"]} == set(listed)
    store = open_store(".cjm-sync/state.db")
    try:
        ids = dict(store.get_id_map("dyn", "miro", BOARD))
    finally:
        store.close()
    card_id = ids["inbox:dynamics:appointment"]
    with board() as (sandbox, items):
        assert items[ids["inbox-frame:dynamics"]].data["title"] == "Unassigned (from Dynamics 365)"
        frame = items[ids["frame:dyn"]]
        x = items[ids["stage:use"]].local(frame)[0]
        y = items[ids["row:touchpoints"]].local(frame)[1]
        sandbox.as_user(HUMAN).move_item(BOARD, card_id, x, y, parent_id=frame.id)
    cli_json(*job)
    journey = load_journey(Path("dyn.yaml")).journey
    (tp,) = [t for t in journey.touchpoints if t.sources == ["dynamics:appointment"]]
    assert tp.stage == "use"
    assert tp.title == "Appointments"
    assert "dynamics:appointment" not in {i.key for i in journey.inbox}
    cli_json(*job)
    tp = next(t for t in load_journey(Path("dyn.yaml")).journey.touchpoints if t.id == tp.id)
    assert next(m for m in tp.metrics if m.id == "volume").value == listed["dynamics:appointment"].volume


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["drag", "drag-other-lane", "park", "delete", "retitle", "use-in-file"]), st.integers(0, 99)
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # each example is a dozen syncs: no slow shrinking in CI
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
def test_random_inbox_actions_never_lose_a_key_nor_duplicate_an_item(
    monkeypatch: pytest.MonkeyPatch, actions: list[tuple[str, int]]
) -> None:
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CJM_STATE_URL", raising=False)
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path("saas.yaml").write_text(JOURNEY, encoding="utf-8")
        Path("cjm-sync.toml").write_text("[connectors.hubspot]\nsandbox_records = 800\n", encoding="utf-8")
        cli_json(*SYNC)
        keys = set(inbox())
        for action, pick in actions:
            ids = id_map()
            live = sorted(k for k, i in inbox().items() if not i.dismissed and f"inbox:{k}" in ids)
            if not live:
                break
            key = live[pick % len(live)]
            _act(action, key, ids, pick)
            cli_json(*SYNC)
            _check(keys)
            _check_action(action, key, pick, ids[f"inbox:{key}"])
            cli_json(*SYNC)  # an adopted touchpoint gets its metrics at this pull
            _check(keys)
            again = cli_json(*SYNC)  # converged: nothing left to do
            assert again["board_writes"] == 0, again["plan"]
            assert not again["file_written"]


def _act(action: str, key: str, ids: dict[str, str], pick: int) -> None:
    card = ids[f"inbox:{key}"]
    with board() as (sandbox, items):
        person = sandbox.as_user(HUMAN)
        if action.startswith("drag"):
            x, y, frame = _cell(items, ids, ["consider", "use"][pick % 2])
            if action == "drag-other-lane":
                y = items[ids["row:pain_points"]].local(items[frame])[1]
            person.move_item(BOARD, card, x + 40 * (pick % 3), y, parent_id=frame)
        elif action == "park":
            person.remove_from_frame(BOARD, card)
            person.move_item(BOARD, card, -5000.0 - 300 * pick, 0.0)
        elif action == "delete":
            person.delete_item(BOARD, card)
        elif action == "retitle":
            person.update_item(BOARD, card, data={"title": f"<p>Renamed {pick} 📞</p>"})
    if action == "use-in-file":
        loaded = load_journey(Path("saas.yaml"))
        journey = loaded.journey.model_copy(deep=True)
        journey.touchpoints[0].sources.append(key)
        save_journey(loaded, journey)


def _check_action(action: str, key: str, pick: int, card: str) -> None:
    """What each action must have done, one sync later."""
    journey = load_journey(Path("saas.yaml")).journey
    entry = next((i for i in journey.inbox if i.key == key), None)
    users = [t for t in journey.touchpoints if key in t.sources]
    if action.startswith("drag"):
        assert entry is None
        assert [(t.stage, id_map()[f"touchpoint:{t.id}"]) for t in users] == [(["consider", "use"][pick % 2], card)]
    elif action == "use-in-file":
        assert entry is None
        assert card not in id_map().values()
    else:
        assert entry is not None
        assert entry.dismissed is (action == "delete")
        assert entry.title == (f"Renamed {pick} 📞" if action == "retitle" else None)


def _check(keys: set[str]) -> None:
    """No key lost (each listed key is in the inbox or named by exactly one stage or touchpoint, never
    both) and no item duplicated (one live board item per id-map entry; one card per touchpoint and per
    shown inbox entry; no stray cards)."""
    journey = load_journey(Path("saas.yaml")).journey
    listed = {i.key: i for i in journey.inbox}
    named = [k for s in journey.stages for k in s.sources] + [k for t in journey.touchpoints for k in t.sources]
    for key in keys:
        assert (key in listed) != (key in named), key
        assert named.count(key) <= 1, key
    ids = id_map()
    assert len(set(ids.values())) == len(ids)
    with board() as (_, items):
        cards = {i.id for i in items.values() if i.type == "app_card"}
        for tp in journey.touchpoints:
            assert ids[f"touchpoint:{tp.id}"] in cards
        for entry in listed.values():
            assert (ids.get(f"inbox:{entry.key}") in cards) is not entry.dismissed, entry
        assert len(cards) == len(journey.touchpoints) + sum(1 for e in listed.values() if not e.dismissed)


def _give_key_to_support(key: str, title_in_file: str | None = None, description: str | None = None) -> None:
    """The file gives ``key`` to touchpoint 'support' (optionally typing a title on its inbox entry too, and
    a description on 'support')."""
    loaded = load_journey(Path("saas.yaml"))
    journey = loaded.journey.model_copy(deep=True)
    support = next(t for t in journey.touchpoints if t.id == "support")
    support.sources.append(key)
    if description is not None:
        support.description = description
    if title_in_file is not None:
        journey.inbox = [i.model_copy(update={"title": title_in_file}) if i.key == key else i for i in journey.inbox]
    save_journey(loaded, journey)


def _support() -> Any:
    return next(t for t in load_journey(Path("saas.yaml")).journey.touchpoints if t.id == "support")


def test_a_card_retitled_on_the_board_while_the_file_takes_its_key_keeps_the_text(synced: dict[str, Any]) -> None:
    """Never lose a person's work: the text typed on the card goes into the description of the touchpoint
    the file gave the key to, the plan says so (not "placed on the map"), the log has it, and it converges."""
    text = "爽约 No-show 😤 (Li Na's note)"
    ids = id_map()
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).update_item(BOARD, ids["inbox:hubspot:calls:OUTBOUND"], data={"title": text})
    _give_key_to_support("hubspot:calls:OUTBOUND")
    code, out, err = cli(*SYNC)
    assert code == 0, err
    said = "now feeds touchpoint:support (named in the file): its card leaves the inbox; the card's text"
    assert f'{said} "{text}" is kept in its description' in out
    assert "placed on the map" not in out
    assert _support().description == text
    assert "hubspot:calls:OUTBOUND" not in inbox()
    log = cli_json("log")["changes"]
    assert any(c["key"] == "touchpoint:support" and c["field"] == "description" and c["new"] == text for c in log)
    with board() as (_, items):
        card = items[id_map()["touchpoint:support"]]
        assert text in card.data.get("description", "")
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0, again["plan"]
    assert not again["file_written"]


def test_a_title_typed_in_the_file_is_kept_when_the_file_takes_its_key(synced: dict[str, Any]) -> None:
    _give_key_to_support("hubspot:calls:OUTBOUND", title_in_file="Cold calls — 王芳", description="Hotline of 客服")
    report = cli_json(*SYNC)
    assert _support().description == "Hotline of 客服\nCold calls — 王芳"  # appended: the description is kept too
    (event,) = [e for e in report["inbox"] if e["key"] == "hubspot:calls:OUTBOUND"]
    assert (event["event"], event["old"], event["entity"]) == ("placed", "Cold calls — 王芳", "touchpoint:support")
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0, again["plan"]
    assert not again["file_written"]


def test_a_pull_keeps_a_title_typed_in_the_file_when_the_file_takes_its_key(here: Path) -> None:
    cli_json("pull", "hubspot", *PULL)
    _give_key_to_support("hubspot:calls:OUTBOUND", title_in_file="Cold calls")
    report = cli_json("pull", "hubspot", *PULL)
    assert _support().description == "Cold calls"
    assert "hubspot:calls:OUTBOUND" not in inbox()
    assert [e["old"] for e in report["inbox"] if e["event"] == "placed"] == ["Cold calls"]
    (row,) = [c for c in cli_json("log")["changes"] if c["key"] == "touchpoint:support" and c["field"] == "description"]
    assert (row["new"], row["reason"], row["author"]) == ("Cold calls", "inbox text kept", log_author())


def test_cards_dragged_onto_the_same_spot_get_free_slots_in_the_touchpoints_row(synced: dict[str, Any]) -> None:
    """Two cards dropped on one spot of a cell that already holds a card: each adopted card takes a free
    slot of the stage's touchpoints row (the row grows), none covers another, and it stays there."""
    ids = id_map()
    keys = ["hubspot:calls:OUTBOUND", "hubspot:tickets:EMAIL"]
    with board() as (sandbox, items):
        frame = _cell(items, ids, "use")[2]
        here = items[ids["touchpoint:support"]].local(items[frame])
        for key in keys:
            sandbox.as_user(HUMAN).move_item(BOARD, ids[f"inbox:{key}"], here[0] + 10, here[1] + 30, parent_id=frame)
    cli_json(*SYNC)
    journey = load_journey(Path("saas.yaml")).journey
    cards = [ids[f"inbox:{k}"] for k in keys] + [id_map()[f"touchpoint:{t.id}"] for t in journey.touchpoints]
    with board() as (_, items):
        frame_item = items[id_map()["frame:saas"]]
        row = items[id_map()["row:touchpoints"]].canvas_rect
        rects = {c: items[c].canvas_rect for c in set(cards)}
        for card in cards[:2]:
            assert items[card].parent_id == frame_item.id
            assert row.y0 <= items[card].cy, "in the touchpoints row"
        for a, box in rects.items():
            for b, other in rects.items():
                assert a == b or not box.overlaps(other), (items[a].data["title"], items[b].data["title"])
    cli_json(*SYNC)  # metrics of the adopted touchpoints
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0, again["plan"]


def test_a_touchpoint_card_moved_into_the_inbox_frame_is_left_where_the_person_put_it(
    synced: dict[str, Any],
) -> None:
    """Moved is not deleted, and not moved back: a touchpoint's card put into the "Unassigned" frame stays a
    touchpoint and stays where it was put, even when the grid grows in the same run; the message says where."""
    ids = id_map()
    card = ids["touchpoint:support"]
    with board() as (sandbox, items):
        inbox_frame = items[ids["inbox-frame:hubspot"]]
        sandbox.as_user(HUMAN).move_item(BOARD, card, 180.0, inbox_frame.height - 60, parent_id=inbox_frame.id)
        x, y, frame = _cell(items, ids, "use")
        sandbox.as_user(HUMAN).move_item(BOARD, ids["inbox:hubspot:calls:OUTBOUND"], x, y, parent_id=frame)
    with board() as (_, items):
        where = (items[card].cx, items[card].cy, items[card].parent_id)
    code, out, err = cli(*SYNC)
    assert code == 0, err
    assert f"at ({where[0]:.0f}, {where[1]:.0f})" in out
    with board() as (_, items):
        assert (items[card].cx, items[card].cy, items[card].parent_id) == where
    assert any(t.id == "support" for t in load_journey(Path("saas.yaml")).journey.touchpoints)
    for _ in range(2):
        report = cli_json(*SYNC)
        assert not any(op["key"] == "touchpoint:support" and "position" in str(op) for op in report["plan"]["board"])
        with board() as (_, items):
            assert (items[card].cx, items[card].cy, items[card].parent_id) == where


def test_a_cleared_card_text_is_no_title_and_the_card_shows_its_label_again(synced: dict[str, Any]) -> None:
    ids = id_map()
    card = ids["inbox:hubspot:calls:OUTBOUND"]
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).update_item(BOARD, card, data={"title": "Outbound sales calls"})
    cli_json(*SYNC)
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).update_item(BOARD, card, data={"title": "<p> </p>"})
    cli_json(*SYNC)
    item = inbox()["hubspot:calls:OUTBOUND"]
    assert item.title is None
    assert "title: ''" not in Path("saas.yaml").read_text(encoding="utf-8")
    with board() as (_, items):
        assert "Calls: Outbound" in items[card].data["title"]
    again = cli_json(*SYNC)
    assert again["board_writes"] == 0, again["plan"]
    assert not again["file_written"]


def test_a_blank_title_in_the_file_is_no_title(here: Path) -> None:
    Path("saas.yaml").write_text(
        JOURNEY + "inbox:\n  - key: hubspot:calls:OUTBOUND\n    label: 'Calls: Outbound'\n    title: ' '\n",
        encoding="utf-8",
    )
    item = inbox()["hubspot:calls:OUTBOUND"]
    assert (item.title, item.text) == (None, "Calls: Outbound")


def test_a_dismissal_taken_back_in_the_file_or_by_restore_says_restored(synced: dict[str, Any]) -> None:
    key = "hubspot:meetings:COMPLETED"
    with board() as (sandbox, _):
        sandbox.as_user(HUMAN).delete_item(BOARD, id_map()[f"inbox:{key}"])
    cli_json(*SYNC)
    text = Path("saas.yaml").read_text(encoding="utf-8")
    Path("saas.yaml").write_text(text.replace("dismissed: true", "dismissed: false"), encoding="utf-8")
    code, out, err = cli(*SYNC)
    assert code == 0, err
    assert f"↺ {key} no longer dismissed: its card comes back" in out
    assert f"inbox:{key}" in id_map()
    log = cli_json("log")["changes"]
    (row,) = [c for c in log if c["key"] == f"inbox:{key}" and c["reason"] == "inbox restored"]
    assert (row["old"], row["new"], row["author"]) == (True, False, log_author())
    with board() as (sandbox, _):  # dismissed again on the board, then undone with `restore`
        sandbox.as_user(HUMAN).delete_item(BOARD, id_map()[f"inbox:{key}"])
    cli_json(*SYNC)
    change = next(c for c in cli_json("log")["changes"] if c["reason"] == "inbox dismissed")
    cli_json("restore", change["id"], "--journey", "saas.yaml")
    report = cli_json(*SYNC)
    assert [e["event"] for e in report["inbox"] if e["key"] == key] == ["restored"]
    again = cli_json(*SYNC)
    assert again["inbox"] == []
    assert again["board_writes"] == 0


def log_author() -> str:
    from cjm_sync.engine.cycle import local_author

    return local_author()


def test_the_log_of_an_adoption_has_no_empty_rows_and_a_retitle_names_its_author(synced: dict[str, Any]) -> None:
    ids = id_map()
    with board() as (sandbox, items):
        x, y, frame = _cell(items, ids, "consider")
        sandbox.as_user(HUMAN).move_item(BOARD, ids["inbox:hubspot:calls:OUTBOUND"], x, y, parent_id=frame)
        sandbox.as_user(HUMAN).update_item(BOARD, ids["inbox:hubspot:tickets:EMAIL"], data={"title": "Mails"})
    cli_json(*SYNC)
    cli_json(*SYNC)
    log = cli_json("log", "--limit", "500")["changes"]
    blank = (None, [], {}, "")
    empty = [c for c in log if c["old"] in blank and (c["new"] in blank or c["new"] is False)]
    assert [(c["key"], c["field"], c["old"], c["new"]) for c in empty] == []
    created = [c for c in log if c["key"] == "touchpoint:calls-outbound"]
    assert {c["field"] for c in created} >= {"title", "stage", "sources"}
    (retitle,) = [c for c in log if c["key"] == "inbox:hubspot:tickets:EMAIL" and c["field"] == "title"]
    assert retitle["new"] == "Mails"
    assert retitle["author"]  # the board's member name for HUMAN (the sandbox names members by id)
