"""The journey's inbox: CRM touchpoint keys no stage or touchpoint uses yet (docs/crm.md, "The inbox").

The CRM pull keeps the list (:func:`update_inbox`); the whiteboard shows it beside the grid; what people
do with its cards on the board comes back through the merge (adopted into a stage: a new touchpoint with
the key in its ``sources``; deleted: ``dismissed``). Rules for one connector's pull:

* a key the CRM reports with records in the window and no entry yet is added (label and volume);
* an entry whose key the CRM still reports gets the new volume (``0`` included); its label and a
  person's ``title`` or ``dismissed`` are kept;
* an entry whose key a stage or touchpoint now uses leaves the inbox (the key was placed on the map);
* an entry whose key the CRM no longer reports leaves it — unless a person touched it (``title`` set or
  ``dismissed``), then it stays as the person left it.

Around the merge (:func:`board_inbox_view`, :func:`adoptions`, :func:`adopt_sources`): a card dragged
into a stage is a touchpoint created on the board that names the key in ``sources``; the key leaves the
inbox in the same run. A card deleted on the board reads as ``dismissed``; a card not shown (dismissed,
not drawn yet) is no opinion of the board.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cjm_sync.merge import Entity, MergeResult
from cjm_sync.merge.entities import INBOX, split_key
from cjm_sync.plugins import UnassignedKey, entity_key
from cjm_sync.schema import InboxItem, Journey
from cjm_sync.state.records import Change, Side


def used_keys(journey: Journey) -> set[str]:
    """Every source key a stage or touchpoint of ``journey`` names."""
    return {k for s in journey.stages for k in s.sources} | {k for t in journey.touchpoints for k in t.sources}


def update_inbox(journey: Journey, connector: str, unassigned: Sequence[UnassignedKey]) -> Journey:
    """``journey`` with its inbox brought up to date with ``connector``'s ``unassigned`` keys (see the module
    docstring for the rules); other connectors' entries are kept unless their key is now used."""
    used = used_keys(journey)
    reported = {u.key: u for u in unassigned if u.key not in used}
    inbox: list[InboxItem] = []
    listed: set[str] = set()
    for item in journey.inbox:
        if item.key in used:
            continue
        if item.connector != connector:
            inbox.append(item)
        elif item.key in reported:
            volume = reported[item.key].volume
            inbox.append(item if item.volume == volume else item.model_copy(update={"volume": volume}))
        elif item.dismissed or item.title is not None:
            inbox.append(item)
        listed.add(item.key)
    inbox += [
        InboxItem(key=u.key, label=u.label, volume=u.volume)
        for u in reported.values()
        if u.key not in listed and u.volume > 0
    ]
    if inbox == journey.inbox:
        return journey
    return journey.model_copy(update={"inbox": inbox})


def adoptions(board: Journey, ours: Mapping[str, Entity], base: Mapping[str, Entity]) -> dict[str, list[str]]:
    """Touchpoints the board created from inbox cards: entity key → the source keys the board gave them
    (a touchpoint new on the board — in neither the file nor the base — that names ``sources``)."""
    found: dict[str, list[str]] = {}
    for tp in board.touchpoints:
        key = entity_key("touchpoint", tp.id)
        if tp.sources and key not in ours and key not in base:
            found[key] = list(tp.sources)
    return found


def board_inbox_view(
    theirs: Mapping[str, Entity],
    ours: Mapping[str, Entity],
    base: Mapping[str, Entity],
    adopted: Mapping[str, Sequence[str]],
) -> dict[str, Entity]:
    """The board's entities with its view of the inbox made merge-ready: the board has no say on an item
    the file no longer lists (the pull removed it, or a person did), and no opinion on an item it does not
    show (dismissed, or not drawn yet) — unless the item's card became an adopted touchpoint, whose key
    then leaves the inbox like any entity deleted on the board."""
    placed = {entity_key(INBOX, key) for keys in adopted.values() for key in keys}
    view = {key: entity for key, entity in theirs.items() if split_key(key)[0] != INBOX or key in ours}
    for key in ours.keys() | base.keys():
        if split_key(key)[0] == INBOX and key in ours and key not in view and key not in placed:
            view[key] = dict(base.get(key) or ours[key])
    return view


def adopt_sources(result: MergeResult, adopted: Mapping[str, Sequence[str]]) -> list[str]:
    """Give each adopted touchpoint its source keys on every side of ``result`` (the board does not carry
    ``sources``), and keep no tombstone for inbox items: an inbox key may come back when it is unassigned
    again (the file records dismissals itself). A key the file already gave another stage or touchpoint
    meanwhile stays there alone (one key, one place on the map); the notes returned say so."""
    named = {
        source
        for key, entity in result.file_entities.items()
        if key not in adopted and split_key(key)[0] in ("stage", "touchpoint")
        for source in entity.get("sources") or ()
    }
    notes: list[str] = []
    for key, sources in adopted.items():
        kept = [s for s in sources if s not in named]
        notes += [
            f"{key}: {s} already feeds another stage or touchpoint; not added here" for s in sources if s in named
        ]
        for side in (result.file_entities, result.board_entities, result.new_base):
            if key in side:
                side[key]["sources"] = kept
    result.new_tombstones = {key for key in result.new_tombstones if split_key(key)[0] != INBOX}
    return notes


InboxEventKind = Literal["added", "placed", "dismissed", "restored", "retitled", "removed", "volume"]


@dataclass(frozen=True)
class InboxEvent:
    """One change to the journey's inbox, as ``plan``, ``--json`` and ``cjm-sync log`` show it.

    ``event``: ``added`` (the pull listed a new key), ``placed`` (a stage or touchpoint now uses the key —
    ``entity`` names it: a card adopted on the board, or the key written into the file), ``dismissed`` /
    ``restored`` (``dismissed`` set / cleared), ``retitled`` (the card's text changed), ``removed`` (the CRM
    no longer has the key), ``volume`` (the count in the window changed). ``old``/``new`` are the values.
    """

    key: str
    event: InboxEventKind
    old: Any = None
    new: Any = None
    entity: str | None = None
    volume: int | None = None
    """An added key's records in the window."""

    def text(self) -> str:
        """One line for the plan: ``+ hubspot:calls:OUTBOUND "Calls: Outbound" (16 in the window)``."""
        if self.event == "added":
            return f"+ {self.key} {json.dumps(self.new, ensure_ascii=False)} ({self.volume} in the window)"
        if self.event == "placed":
            return f"→ {self.key} placed on the map as {self.entity}; it leaves the inbox"
        if self.event == "dismissed":
            return f"× {self.key} dismissed (its card was deleted): kept in the file, not shown again"
        if self.event == "restored":
            return f"↺ {self.key} no longer dismissed: its card comes back"
        if self.event == "retitled":
            old, new = (json.dumps(v, ensure_ascii=False) for v in (self.old, self.new))
            return f"~ {self.key} card text: {old} → {new}"
        if self.event == "removed":
            return f"- {self.key} removed: the CRM no longer has it"
        return f"~ {self.key} volume: {self.old} → {self.new}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``plan --json``, ``sync --json``: ``inbox``)."""
        return {
            "event": self.event,
            "key": self.key,
            "old": self.old,
            "new": self.new,
            "entity": self.entity,
            "volume": self.volume,
        }

    def to_change(self, author: str | None, target: str | None) -> Change:
        """The activity-log row (``cjm-sync log``); a dismissal logs the ``dismissed`` field, so ``restore``
        can undo it."""
        key = entity_key(INBOX, self.key)
        if self.event in ("dismissed", "restored"):
            return Change(
                key,
                "dismissed",
                Side.FILE,
                self.event == "restored",
                self.event == "dismissed",
                author,
                f"inbox {self.event}",
                target,
            )
        if self.event == "retitled":
            return Change(key, "title", Side.FILE, self.old, self.new, author, f"inbox {self.event}", target)
        if self.event == "volume":
            return Change(key, "volume", Side.FILE, self.old, self.new, author, f"inbox {self.event}", target)
        old, new = {
            "added": (None, f"in the inbox: {self.new} ({self.volume} in the window)"),
            "placed": ("in the inbox", f"placed as {self.entity}"),
            "removed": ("in the inbox", "removed: no longer in the CRM"),
        }[self.event]
        return Change(key, None, Side.FILE, old, new, author, f"inbox {self.event}", target)


def inbox_events(before: Journey, after: Journey) -> list[InboxEvent]:
    """What changed in the inbox from ``before`` to ``after`` (the file as it was and as it is written)."""
    old = {i.key: i for i in before.inbox}
    new = {i.key: i for i in after.inbox}
    users = {k: entity_key("stage", s.id) for s in after.stages for k in s.sources}
    users.update({k: entity_key("touchpoint", t.id) for t in after.touchpoints for k in t.sources})
    events: list[InboxEvent] = []
    for key, item in new.items():
        was = old.get(key)
        if was is None:
            events.append(InboxEvent(key, "added", None, item.label, volume=item.volume))
            continue
        if was.dismissed != item.dismissed:
            events.append(InboxEvent(key, "dismissed" if item.dismissed else "restored", was.dismissed, item.dismissed))
        if was.text != item.text:
            events.append(InboxEvent(key, "retitled", was.text, item.text))
        if was.volume != item.volume:
            events.append(InboxEvent(key, "volume", was.volume, item.volume))
    for key in old.keys() - new.keys():
        placed = users.get(key)
        events.append(InboxEvent(key, "placed", entity=placed) if placed else InboxEvent(key, "removed"))
    order = {key: index for index, key in enumerate([*old, *new])}
    return sorted(events, key=lambda e: order[e.key])
