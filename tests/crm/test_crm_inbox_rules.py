"""The inbox rules the pull applies (cjm_sync.engine.inbox.update_inbox), the events plan and log show,
and the inbox section of the journey file: schema, validation, JSON Schema, old files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import cli

from cjm_sync.engine.inbox import inbox_events, update_inbox
from cjm_sync.files import load_journey, parse_journey
from cjm_sync.merge import build_journey, flatten
from cjm_sync.plugins import UnassignedKey
from cjm_sync.schema import InboxItem, Journey, Stage, Touchpoint

OUT = "hubspot:calls:OUTBOUND"
SMS = "hubspot:communications:SMS"


def journey(*inbox: InboxItem, sources: tuple[str, ...] = ()) -> Journey:
    return Journey(
        id="j",
        title="J",
        stages=[Stage(id="s", title="S")],
        touchpoints=[Touchpoint(id="t", title="T", stage="s", sources=list(sources))],
        inbox=list(inbox),
    )


def test_new_keys_with_records_are_added_in_the_crms_order() -> None:
    got = update_inbox(journey(), "hubspot", [UnassignedKey(SMS, "SMS", 3), UnassignedKey(OUT, "Out", 0)])
    assert got.inbox == [InboxItem(key=SMS, label="SMS", volume=3)]  # no records: not worth a card


def test_listed_keys_get_the_new_volume_and_keep_what_people_set() -> None:
    before = journey(InboxItem(key=OUT, label="Out", volume=4, title="Outbound sales", dismissed=True))
    got = update_inbox(before, "hubspot", [UnassignedKey(OUT, "Calls: Outbound (renamed)", 0)])
    assert got.inbox == [InboxItem(key=OUT, label="Out", volume=0, title="Outbound sales", dismissed=True)]


def test_a_key_the_map_now_uses_leaves_the_inbox_even_when_dismissed_or_of_another_crm() -> None:
    other = InboxItem(key="dynamics:appointment", label="Appointments", volume=2)
    before = journey(InboxItem(key=OUT, label="Out", dismissed=True), other, sources=(OUT, "dynamics:appointment"))
    assert update_inbox(before, "hubspot", [UnassignedKey(OUT, "Out", 9)]).inbox == []


def test_a_key_gone_from_the_crm_goes_unless_a_person_touched_it() -> None:
    untouched = InboxItem(key=OUT, label="Out", volume=1)
    titled = InboxItem(key=SMS, label="SMS", volume=1, title="Texts")
    dismissed = InboxItem(key="hubspot:emails:EMAIL", label="E", volume=1, dismissed=True)
    other = InboxItem(key="dynamics:appointment", label="Appointments", volume=2)
    got = update_inbox(journey(untouched, titled, dismissed, other), "hubspot", [])
    assert got.inbox == [titled, dismissed, other]


def test_an_unchanged_inbox_returns_the_same_journey() -> None:
    before = journey(InboxItem(key=OUT, label="Out", volume=4))
    assert update_inbox(before, "hubspot", [UnassignedKey(OUT, "Out", 4)]) is before


def test_events_say_what_changed() -> None:
    before = journey(
        InboxItem(key=OUT, label="Out", volume=4),
        InboxItem(key=SMS, label="SMS", volume=1),
        InboxItem(key="hubspot:emails:EMAIL", label="E", volume=1),
    )
    after = journey(
        InboxItem(key=SMS, label="SMS", volume=2, dismissed=True),
        InboxItem(key="hubspot:tickets:CHAT", label="Chat", volume=5),
        sources=(OUT,),
    )
    events = {(e.event, e.key): e for e in inbox_events(before, after)}
    assert set(events) == {
        ("placed", OUT),
        ("dismissed", SMS),
        ("volume", SMS),
        ("removed", "hubspot:emails:EMAIL"),
        ("added", "hubspot:tickets:CHAT"),
    }
    assert events["placed", OUT].entity == "touchpoint:t"
    assert events["added", "hubspot:tickets:CHAT"].text() == '+ hubspot:tickets:CHAT "Chat" (5 in the window)'
    change = events["dismissed", SMS].to_change(None, None)
    assert (change.key, change.field, change.old, change.new) == (f"inbox:{SMS}", "dismissed", False, True)


def test_inbox_items_flatten_by_key_and_build_back() -> None:
    j = journey(InboxItem(key=OUT, label="Out", volume=4), InboxItem(key=SMS, label="SMS", title="Texts"))
    entities = flatten(j)
    assert entities[f"inbox:{OUT}"] == {"label": "Out", "volume": 4, "title": None, "dismissed": False, "order": 0}
    assert build_journey(entities, j) == j


def test_files_without_an_inbox_stay_valid_and_the_schema_knows_it(tmp_path: Path) -> None:
    assert parse_journey(Path("j.yaml"), "schema_version: 2\nid: j\ntitle: J\n")[0].inbox == []
    code, out, _ = cli("schema")
    assert code == 0
    schema = json.loads(out)
    assert "inbox" in schema["properties"]
    assert "InboxItem" in json.dumps(schema)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("  - {key: 'hubspot:calls', label: X}", "inbox[0].key"),
        ("  - {key: 'hubspot:calls:OUTBOUND', label: X, volume: -1}", "inbox[0].volume"),
        (
            "  - {key: 'hubspot:calls:OUTBOUND', label: X}\n  - {key: 'hubspot:calls:OUTBOUND', label: Y}",
            "inbox[1].key",
        ),
    ],
)
def test_validate_names_a_bad_inbox_entry(tmp_path: Path, entry: str, problem: str) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(f"schema_version: 2\nid: j\ntitle: J\ninbox:\n{entry}\n", encoding="utf-8")
    code, out, err = cli("validate", str(path))
    assert code == 2
    assert problem in out + err


def test_a_written_inbox_keeps_comments_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(
        "schema_version: 2\nid: j\ntitle: J\ninbox:\n  - key: hubspot:calls:OUTBOUND  # we call them\n    label: Out\n",
        encoding="utf-8",
    )
    from cjm_sync.files import save_journey

    loaded = load_journey(path)
    changed = update_inbox(loaded.journey, "hubspot", [UnassignedKey(OUT, "Out", 7), UnassignedKey(SMS, "SMS", 1)])
    assert save_journey(loaded, changed)
    text = path.read_text(encoding="utf-8")
    assert "# we call them" in text
    assert "volume: 7" in text
    assert load_journey(path).journey == changed


def test_a_card_retitled_on_the_board_as_the_crm_drops_its_key_keeps_its_entry() -> None:
    """The CRM stopped reporting the key in the run a person typed on its card: the entry stays, with the
    person's text as its title (an entry a person touched is not removed), on both sides."""
    from cjm_sync.engine.inbox import board_titles, keep_board_titles
    from cjm_sync.merge import merge

    base = flatten(journey(InboxItem(key=OUT, label="Out", volume=3)))
    ours = flatten(journey())  # the pull dropped the untouched entry
    theirs = flatten(journey(InboxItem(key=OUT, label="Out", volume=3, title="客户回电 📞")))
    typed = board_titles(theirs, base)
    assert typed == {OUT: "客户回电 📞"}
    result = merge(base, ours, theirs, carried={"inbox": frozenset({"title", "dismissed"})})
    keep_board_titles(result, typed, base)
    for side in (result.file_entities, result.board_entities):
        assert build_journey(side).inbox == [InboxItem(key=OUT, label="Out", volume=3, title="客户回电 📞")]


def test_a_card_text_is_kept_unless_it_is_a_whole_line_of_the_description_already() -> None:
    from cjm_sync.engine import inbox
    from cjm_sync.engine.inbox import joined

    assert inbox._keeps("Pricing page", "Price", "Pricing page\nSeen on mobile")  # a part of a line is not it
    assert not inbox._keeps("Pricing page", "Seen on mobile", "Pricing page\nSeen on mobile")
    assert joined("Pricing page", "Price") == "Pricing page\nPrice"
