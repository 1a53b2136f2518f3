"""Reading the journey's inbox back from the board (see :mod:`connectors.miro.inbox` for how it is drawn).

A card a person dragged into a stage × lane cell of the journey grid is **adopted**: the reader re-keys
its id-map entry to a new touchpoint (same item, nothing deleted or created) that names the key in
``sources``. A card anywhere else (its frame, the canvas, another frame, off the grid) is still the inbox
item, with the person's text as its ``title`` when they changed it. A card that was on the board at the
last sync and is gone was deleted by a person: the item reads as ``dismissed``. The inbox frames and
their help lines are display only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from cjm_sync.schema import InboxItem, Journey
from connectors.miro.board import Item, Snapshot
from connectors.miro.layout import Grid
from connectors.miro.richtext import data_text

CARD_PREFIX: Final = "inbox:"
"""Id-map key prefix of inbox cards: ``inbox:<source key>``, the inbox item's entity key."""
FRAME_PREFIX: Final = "inbox-frame:"
HINT_PREFIX: Final = "inbox-hint:"


def is_inbox_key(entity: str) -> bool:
    """Whether an id-map key is an inbox card, frame or help line."""
    return entity.startswith((CARD_PREFIX, FRAME_PREFIX, HINT_PREFIX))


def is_inbox_area_key(entity: str) -> bool:
    """Whether an id-map key is an inbox frame or its help line (display only, never read back)."""
    return entity.startswith((FRAME_PREFIX, HINT_PREFIX))


def card_key(source_key: str) -> str:
    """The entity (and id-map) key of an inbox item: ``inbox:hubspot:calls:OUTBOUND``."""
    return f"{CARD_PREFIX}{source_key}"


@dataclass
class InboxRead:
    """What the board says about the inbox: the items it shows (``items``) and the cards people dragged into
    a stage × lane cell (``adopted``: card item → source key), read as new touchpoints."""

    items: list[InboxItem] = field(default_factory=list)
    adopted: dict[str, str] = field(default_factory=dict)


def vanished_cards(snapshot: Snapshot, id_map: Mapping[str, str]) -> list[str]:
    """Source keys of the inbox cards the id map knows that are no longer on the board (a person deleted them)."""
    return [k[len(CARD_PREFIX) :] for k, v in id_map.items() if k.startswith(CARD_PREFIX) and v not in snapshot.items]


def read_inbox(
    snapshot: Snapshot,
    id_map: Mapping[str, str],
    vanished: Iterable[str],
    expected: Journey | None,
    in_cell: Callable[[Item], bool],
) -> InboxRead:
    """The inbox as the board shows it. ``in_cell(item)`` says whether a card lies in a stage × lane cell of
    the journey grid (adoption); ``expected`` (the file's journey) gives labels, volumes and the text last
    written, so the card's text reads as a ``title`` only where a person changed it."""
    known = {e.key: e for e in expected.inbox} if expected is not None else {}
    out = InboxRead()
    for key, item_id in sorted(id_map.items()):
        item = snapshot.items.get(item_id)
        if not key.startswith(CARD_PREFIX) or item is None:
            continue
        source = key[len(CARD_PREFIX) :]
        if in_cell(item):
            out.adopted[item.id] = source
            continue
        text = data_text(item.type, item.data)
        before = known.get(source)
        if before is None:
            out.items.append(InboxItem(key=source, label=text))
            continue
        # a cleared card has no title (it shows the label again), not an empty one
        title = before.title if text == before.text else (None if text == before.label or not text.strip() else text)
        out.items.append(before.model_copy(update={"title": title, "dismissed": False}))
    for source in vanished:
        before = known.get(source)
        if before is not None:
            out.items.append(before.model_copy(update={"dismissed": True}))
    return out


def in_grid_cell(grid: Grid, frame: Item, inside: set[str]) -> Callable[[Item], bool]:
    """A test for :func:`read_inbox`: is an item inside the journey ``frame`` and in a stage × lane cell."""

    def test(item: Item) -> bool:
        if item.id not in inside:
            return False
        x, y = item.local(frame)
        return grid.column_at(x) is not None and grid.row_at(y) is not None

    return test
