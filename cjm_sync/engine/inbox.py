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
from collections.abc import Collection, Mapping, Sequence
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
    journey = keep_titles(journey, {i.key: i.title for i in journey.inbox if i.key in used and i.title})
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


def joined(description: str | None, text: str) -> str:
    """``description`` with a person's card ``text`` kept in it: the text alone when there is no description,
    else on a line of its own after it."""
    return f"{description}\n{text}" if description else text


def _keeps(title: str | None, text: str, description: str | None) -> bool:
    """Whether a card text must still be written into an entity (not its title, not a line of its
    description: "Price" is still kept beside a description that says "Pricing page")."""
    return text != title and text not in (description or "").splitlines()


def keep_titles(journey: Journey, titles: Mapping[str, str]) -> Journey:
    """``journey`` with each person's card text (``titles``: source key → the inbox entry's ``title``) kept in
    the ``description`` of the stage or touchpoint that names the key (see :func:`joined`), so a key the file
    takes out of the inbox never drops what a person wrote on its card."""
    if not titles:
        return journey
    update: dict[str, Any] = {}
    for kind in ("stages", "touchpoints"):
        entities = list(getattr(journey, kind))
        for index, entity in enumerate(entities):
            kept = entity
            for source in entity.sources:
                text = titles.get(source)
                if text and _keeps(kept.title, text, kept.description):
                    kept = kept.model_copy(update={"description": joined(kept.description, text)})
            if kept is not entity:
                entities[index] = kept
                update[kind] = entities
    return journey.model_copy(update=update) if update else journey


def board_titles(theirs: Mapping[str, Entity], base: Mapping[str, Entity]) -> dict[str, str]:
    """Source key → the text a person typed on an inbox card since the last sync (the card's text as the
    board reads it — its ``title``, or its ``label`` when the file no longer lists the entry — where it
    differs from the text at the last sync)."""
    found: dict[str, str] = {}
    for key, entity in theirs.items():
        kind, source = split_key(key)
        if kind != INBOX or key not in base:
            continue
        text, was = (e.get("title") or e.get("label") for e in (entity, base[key]))
        if isinstance(text, str) and text.strip() and text != was:
            found[source] = text
    return found


def keep_board_titles(result: MergeResult, titles: Mapping[str, str], base: Mapping[str, Entity]) -> None:
    """Keep the card texts people typed on the board (``titles``, :func:`board_titles`) of keys that left
    the inbox in this merge: a key the file gave to a stage or touchpoint puts the text into that entity's
    ``description`` on both sides (like :func:`keep_titles`); a key the CRM stopped reporting keeps its
    entry, with the text as its ``title`` (an entry a person touched stays, module docstring)."""
    named = {
        source
        for key, entity in result.file_entities.items()
        if split_key(key)[0] in ("stage", "touchpoint")
        for source in entity.get("sources") or ()
    }
    for source, typed in titles.items():
        key = entity_key(INBOX, source)
        if key not in result.file_entities and source not in named and key in base:
            for side in (result.file_entities, result.board_entities):
                side[key] = {**base[key], "title": typed}
    for key, entity in result.file_entities.items():
        if split_key(key)[0] not in ("stage", "touchpoint"):
            continue
        for source in entity.get("sources") or ():
            text = titles.get(source)
            if entity_key(INBOX, source) in result.file_entities or not text:
                continue
            if _keeps(entity.get("title"), text, entity.get("description")):
                value = joined(entity.get("description"), text)
                for side in (result.file_entities, result.board_entities):
                    if key in side:
                        side[key]["description"] = value


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
    ``entity`` names it; ``dragged``: its card was adopted on the board, else the file named the key, and
    ``old`` is then the text a person gave the card, kept in the entity's description), ``dismissed`` /
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
    dragged: bool = False
    """A ``placed`` key's card was dragged into a stage on the board (not named in the file)."""

    def text(self) -> str:
        """One line for the plan: ``+ hubspot:calls:OUTBOUND "Calls: Outbound" (16 in the window)``."""
        if self.event == "added":
            return f"+ {self.key} {json.dumps(self.new, ensure_ascii=False)} ({self.volume} in the window)"
        if self.event == "placed" and self.dragged:
            return f"→ {self.key} placed on the map as {self.entity} (its card was dragged into a stage)"
        if self.event == "placed":
            kept = f"; the card's text {json.dumps(self.old, ensure_ascii=False)} is kept in its description"
            return f"→ {self.key} now feeds {self.entity} (named in the file): its card leaves the inbox" + (
                kept if self.old else ""
            )
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
            "placed": (
                f"in the inbox as {json.dumps(self.old, ensure_ascii=False)}" if self.old else "in the inbox",
                f"placed as {self.entity}" + (" (the card's text kept in its description)" if self.old else ""),
            ),
            "removed": ("in the inbox", "removed: no longer in the CRM"),
        }[self.event]
        return Change(key, None, Side.FILE, old, new, author, f"inbox {self.event}", target)


def inbox_events(
    before: Journey,
    after: Journey,
    titles: Mapping[str, str] | None = None,
    adopted: Collection[str] = (),
    base: Mapping[str, Entity] | None = None,
) -> list[InboxEvent]:
    """What changed in the inbox from ``before`` to ``after`` (the file as it was and as it is written).
    ``titles``: card texts people typed on the board this run (:func:`board_titles`); ``adopted``: entity
    keys of the touchpoints adopted from cards dragged into a stage; ``base``: the last sync's entities,
    so a dismissal taken back in the file before this run (by hand or ``cjm-sync restore``) reads as
    ``restored`` — its card comes back now."""
    old = {i.key: i for i in before.inbox}
    new = {i.key: i for i in after.inbox}
    users: dict[str, tuple[str, str | None]] = {}
    for kind, entities in (("stage", after.stages), ("touchpoint", after.touchpoints)):
        for entity in entities:
            users.update({k: (entity_key(kind, entity.id), entity.description) for k in entity.sources})
    events: list[InboxEvent] = []
    for key, item in new.items():
        was = old.get(key)
        if was is None:
            events.append(InboxEvent(key, "added", None, item.label, volume=item.volume))
            continue
        if was.dismissed != item.dismissed:
            events.append(InboxEvent(key, "dismissed" if item.dismissed else "restored", was.dismissed, item.dismissed))
        elif not item.dismissed and (base or {}).get(entity_key(INBOX, key), {}).get("dismissed") is True:
            events.append(InboxEvent(key, "restored", True, False))
        if was.text != item.text:
            events.append(InboxEvent(key, "retitled", was.text, item.text))
        if was.volume != item.volume:
            events.append(InboxEvent(key, "volume", was.volume, item.volume))
    for key in old.keys() - new.keys():
        if key not in users:
            events.append(InboxEvent(key, "removed"))
            continue
        placed, description = users[key]
        text = (titles or {}).get(key) or old[key].title
        kept = text if text and placed not in adopted and text in (description or "") else None
        events.append(InboxEvent(key, "placed", kept, entity=placed, dragged=placed in adopted))
    order = {key: index for index, key in enumerate([*old, *new])}
    return sorted(events, key=lambda e: order[e.key])
