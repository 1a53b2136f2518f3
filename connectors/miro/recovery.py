"""Recovering from an interrupted run: adopt what it created, and tell its half-done work from people's edits.

``state.pending`` holds the journal entries of runs that did not commit (see
:class:`~cjm_sync.plugins.whiteboard.ConnectorState`). Before the board is interpreted:

* :func:`adopt_pending` maps items those runs created to their keys (a crash inside a bulk create
  leaves items on the board that the id map does not know; read as people's additions they would be
  copied into the file and onto the board);
* :func:`in_flight` names the entities whose board state is that half-done work (so the engine takes
  no opinion from the board on them), and the items whose position must not be re-read against a grid
  the run was half-way through shifting (:attr:`Recovery.pinned`).

An item counts as a person's once its ``modifiedBy`` is someone other than the connector's own user
(learned from ``createdBy`` of items the connector created) and it changed since the last sync.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.miro.board import Item, Snapshot
from connectors.miro.mapping import split_key
from connectors.miro.richtext import data_text, normalise

REF = "@key:"
_LAYOUT_KINDS = ("frame", "stage", "lane", "row")
_GRID_PLACED = ("stage", "lane", "touchpoint", "pain_point", "opportunity", "note")
_GEOMETRY = ("position", "geometry")


@dataclass(frozen=True)
class Recovery:
    """What an interrupted run left: entities to take no opinion on, and items whose geometry is stale."""

    in_flight: frozenset[str] = frozenset()
    pinned: frozenset[str] = frozenset()
    """Item ids whose position-derived values (stage, lane, emotion score) are not to be re-read."""


def owners(entity: str, id_map: Mapping[str, str]) -> list[str]:
    """The journey entities the item(s) under ``entity`` stand for: a badge or emotion point stands
    for its touchpoint, a line for the touchpoint(s) it joins, ``item:<id>`` for what ``<id>`` maps to."""
    kind, ident = split_key(entity)
    if kind in ("badge", "emotion"):
        return [f"touchpoint:{ident}"]
    if kind == "connection":
        return [f"touchpoint:{ident.split('->')[0]}"]
    if kind == "emotion-link":
        return [f"touchpoint:{end}" for end in ident.split("->")]
    if kind == "item":
        mapped = [k for k, v in id_map.items() if v == ident]
        return [o for k in mapped for o in owners(k, id_map)]
    if kind in ("tag", "frame", "row"):
        return []
    return [entity]


def self_user(snapshot: Snapshot, memo: Mapping[str, Any], pending: Sequence[Mapping[str, Any]]) -> str | None:
    """The connector's own Miro user: remembered, or the creator of an item it is known to have made."""
    known = memo.get("self_user")
    if known:
        return str(known)
    made = [str(i) for i in memo.get("created", [])]
    made += [str(e["external_id"]) for e in pending if e.get("op") == "create" and e.get("external_id")]
    for item_id in made:
        item = snapshot.items.get(item_id)
        if item is not None and item.created_by:
            return item.created_by
    return None


def _payload(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = entry.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _text_of(item_type: str, data: Mapping[str, Any]) -> str:
    return normalise(data_text(item_type, data))


def _resolve(value: Any, id_map: Mapping[str, str]) -> str | None:
    if isinstance(value, str) and value.startswith(REF):
        return id_map.get(value[len(REF) :])
    return str(value) if value is not None else None


def adopt_pending(
    snapshot: Snapshot,
    id_map: MutableMapping[str, str],
    pending: Sequence[Mapping[str, Any]],
    me: str | None,
) -> list[str]:
    """Map items that interrupted runs created to their keys; returns the keys adopted.

    A create that was confirmed (``external_id``) is adopted by id. An unconfirmed one adopts an
    unmapped item of the same type and normalised text, the one nearest to the requested position (in
    the coordinates the request used: frame-relative for a frame's children), nearest pairs first; a
    line adopts an unmapped connector between the same two items. An item mapped to another key is
    never taken, nor one a person other than the connector's user created.
    """
    adopted: list[str] = []
    taken = set(id_map.values())
    creates: dict[str, Mapping[str, Any]] = {}
    for entry in pending:
        key = str(entry.get("key") or "")
        if key and entry.get("op") == "create" and str(entry.get("item_type")) != "tag":
            creates[key] = entry
    open_keys = [k for k in creates if not _present(snapshot, id_map.get(k))]

    def take(key: str, found: str) -> None:
        id_map[key] = found
        taken.add(found)
        adopted.append(key)
        open_keys.remove(key)

    for key in list(open_keys):
        external = creates[key].get("external_id")
        if external and _present(snapshot, str(external)) and str(external) not in taken:
            take(key, str(external))
    for frames in (True, False):  # frames first: their children's positions are relative to them
        pairs = [
            (distance, key, item_id)
            for key in open_keys
            if (str(creates[key].get("item_type")) == "frame") is frames
            and str(creates[key].get("item_type")) != "connector"
            for distance, item_id in _candidates(snapshot, id_map, creates[key], taken, me)
        ]
        for _, key, item_id in sorted(pairs):
            if key in open_keys and item_id not in taken:
                take(key, item_id)
    for key in [k for k in open_keys if str(creates[k].get("item_type")) == "connector"]:
        found = _line(snapshot, id_map, creates[key], taken)
        if found is not None:
            take(key, found)
    return adopted


def _present(snapshot: Snapshot, item_id: str | None) -> bool:
    return item_id is not None and (item_id in snapshot.items or item_id in snapshot.connectors)


def _line(snapshot: Snapshot, id_map: Mapping[str, str], entry: Mapping[str, Any], taken: set[str]) -> str | None:
    payload = _payload(entry)
    start = _resolve((payload.get("startItem") or {}).get("id"), id_map)
    end = _resolve((payload.get("endItem") or {}).get("id"), id_map)
    if not start or not end:
        return None
    return next(
        (c.id for c in snapshot.connectors.values() if c.id not in taken and (c.start_id, c.end_id) == (start, end)),
        None,
    )


def _candidates(
    snapshot: Snapshot, id_map: Mapping[str, str], entry: Mapping[str, Any], taken: set[str], me: str | None
) -> list[tuple[float, str]]:
    """Unmapped items an unconfirmed create may have made, with their distance from where it was asked."""
    payload = _payload(entry)
    item_type = str(entry.get("item_type"))
    text = _text_of(item_type, payload.get("data") or {})
    parent_ref = (payload.get("parent") or {}).get("id")
    parent = snapshot.items.get(_resolve(parent_ref, id_map) or "") if parent_ref else None
    if parent_ref and parent is None:
        return []
    position = payload.get("position") or {}
    want = (float(position.get("x", 0.0)), float(position.get("y", 0.0)))
    found: list[tuple[float, str]] = []
    for item in snapshot.items.values():
        if item.id in taken or item.type != item_type or _text_of(item.type, item.data) != text:
            continue
        if me is not None and item.created_by not in (None, me):
            continue
        if parent is not None and item.parent_id != parent.id:
            continue
        x, y = item.local(parent) if parent is not None else (item.cx, item.cy)
        found.append((math.hypot(x - want[0], y - want[1]), item.id))
    return found


def _moves_layout(entry: Mapping[str, Any]) -> bool:
    kind = split_key(str(entry.get("key") or ""))[0]
    if kind not in _LAYOUT_KINDS:
        return False
    if entry.get("op") in ("create", "delete", "move"):
        return True
    return any(name in _payload(entry) for name in _GEOMETRY)


def _items_of(entity: str, id_map: Mapping[str, str]) -> list[str]:
    """Board ids of an entity's items (a touchpoint's card, badge and emotion point)."""
    kind, ident = split_key(entity)
    keys = [entity] + ([f"badge:{ident}", f"emotion:{ident}"] if kind == "touchpoint" else [])
    return [id_map[k] for k in keys if k in id_map]


def person_touched(item: Item, snapshot: Snapshot, me: str | None) -> bool:
    """Whether someone other than the connector changed ``item`` since the last sync."""
    return me is not None and item.id in snapshot.changed and item.modified_by not in (None, me)


def in_flight(
    snapshot: Snapshot,
    id_map: Mapping[str, str],
    pending: Sequence[Mapping[str, Any]],
    me: str | None,
) -> Recovery:
    """Entities the interrupted runs left half-written, unless a person has since changed one of their items.

    Every entity an entry wrote to is in flight; if an entry moved or resized the frame, a stage header
    or a lane label, so is every stage, lane and staged entity (their position-derived fields may have
    been read off a half-shifted grid). An entity whose items are all gone is in flight only if an entry
    created or deleted it (else a person deleted it). Items of an affected entity that nobody but the
    connector touched are ``pinned``: their stage, lane and emotion score are not re-read from the grid.
    """
    if not pending:
        return Recovery()
    affected: set[str] = set()
    absent_ok: set[str] = set()
    for entry in pending:
        named = owners(str(entry.get("key") or ""), id_map)
        affected.update(named)
        if entry.get("op") in ("create", "delete"):
            absent_ok.update(named)
    if any(_moves_layout(e) for e in pending):
        for key in id_map:
            affected.update(o for o in owners(key, id_map) if split_key(o)[0] in _GRID_PLACED)
    flying: set[str] = set()
    pinned: set[str] = set()
    for entity in affected:
        items = [snapshot.items[i] for i in _items_of(entity, id_map) if i in snapshot.items]
        if not items and entity not in absent_ok:
            continue  # gone, and not by the interrupted run's hand: a person deleted it
        touched = [i for i in items if person_touched(i, snapshot, me)]
        pinned.update(i.id for i in items if i not in touched)
        if not touched:
            flying.add(entity)
    return Recovery(frozenset(flying), frozenset(pinned))


def written_by_us(pending: Iterable[Mapping[str, Any]], id_map: Mapping[str, str]) -> set[str]:
    """Board ids the interrupted runs wrote to (created, updated, moved or tagged)."""
    ids: set[str] = set()
    for entry in pending:
        for value in (entry.get("external_id"), id_map.get(str(entry.get("key") or ""))):
            if value:
                ids.add(str(value))
    return ids
