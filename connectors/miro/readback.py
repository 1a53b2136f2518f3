"""Reading back, in the same run, what a write whose answer was lost made.

A create (``POST``) that timed out, lost its connection or got a 500/502/504 may or may not have
happened (:class:`~cjm_sync.errors.OutcomeUnknown`). Repeating it blindly could duplicate the item;
giving up leaves the run failed until the next one reconciles it — at a 10 % fault rate a large first
push then needs dozens of runs. Instead the applier reads the board back and looks for what the write
would have made, exactly as the next run's recovery would (:func:`~connectors.miro.recovery.adopt_pending`:
by type, normalised text and nearest position; a line by its two ends; a tag by its title; a tagging by
the item's tags). Found: it is recorded as done. Not found: the write did not happen and is sent again —
at most :data:`MAX_SENDS` times in all, after which the run stops (the vendor stayed unreachable) and
the next run's recovery takes over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cjm_sync.plugins.whiteboard import BoardOp
from connectors.miro.board import Snapshot, parse_connector, parse_items
from connectors.miro.client import JSON, MiroClient
from connectors.miro.recovery import adopt_pending

__all__ = ["MAX_SENDS", "ReadBack"]

MAX_SENDS = 4
"""Sends of one write (the first included) whose answers were lost, before the run gives up."""


class ReadBack:
    """Board reads that settle writes with lost answers; ``id_map`` holds every key mapped so far."""

    def __init__(self, client: MiroClient, id_map: Mapping[str, str], me: str | None) -> None:
        self.client = client
        self.id_map = id_map
        self.me = me

    def created(self, ops: Sequence[BoardOp], others: Sequence[BoardOp] = ()) -> dict[str, JSON]:
        """Key → the item (or connector) JSON each create in ``ops`` made, for those that did happen.

        Reads every item page when an item create is among ``ops`` and every connector page when a
        connector create is; an item or line already mapped to another key is never taken. ``others``
        are creates still in flight in other threads (their items may be on the board, not yet mapped):
        they compete for the items found, nearest pairs first, so none of theirs is taken for ours.
        """
        raw_items = list(self.client.items()) if any(op.item_type != "connector" for op in ops) else []
        raw_lines = list(self.client.connectors()) if any(op.item_type == "connector" for op in ops) else []
        lines = {line.id: line for line in (parse_connector(raw) for raw in raw_lines)}
        snapshot = Snapshot(parse_items(raw_items, {}), lines, {})
        entries: list[dict[str, Any]] = [
            {"op": "create", "key": op.key, "item_type": op.item_type, "payload": dict(op.payload)}
            for op in [*ops, *others]
        ]
        mapped = dict(self.id_map)
        ours = {op.key for op in ops}
        adopted = [key for key in adopt_pending(snapshot, mapped, entries, self.me) if key in ours]
        by_id = {str(raw["id"]): raw for raw in [*raw_items, *raw_lines]}
        return {key: by_id[mapped[key]] for key in adopted}

    def tag_id(self, title: str) -> str | None:
        """The id of the board tag titled ``title`` (tag titles are unique per board), if there is one."""
        return next((str(tag["id"]) for tag in self.client.tags() if tag.get("title") == title), None)

    def has_tag(self, item_id: str, tag_id: str) -> bool:
        """Whether tag ``tag_id`` is attached to item ``item_id``."""
        return tag_id in {str(tag.get("id")) for tag in self.client.item_tags(item_id)}
