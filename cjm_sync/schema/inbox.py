"""The journey's CRM inbox: touchpoint keys a CRM has that no stage or touchpoint of the map uses yet.

A CRM pull lists them (``inbox:`` in the journey file, one :class:`InboxItem` per key); the board shows
them as cards in an "Unassigned (from <vendor>)" area beside the grid, where a person can drag one into a
stage to make it a touchpoint, or delete it to dismiss it. The exact rules are in docs/crm.md ("The
inbox"); this module only holds the data.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cjm_sync.schema.sources import SourceKey, source_connector

VENDOR_NAMES: Final = {"hubspot": "HubSpot", "dynamics": "Dynamics 365"}
"""Display names of the CRM connectors' vendors, by connector name (the prefix of their source keys)."""


def vendor_name(connector: str) -> str:
    """How people call ``connector``'s vendor: ``hubspot`` → ``HubSpot``; an unlisted name is capitalised."""
    return VENDOR_NAMES.get(connector, connector[:1].upper() + connector[1:])


def inbox_title(connector: str) -> str:
    """Title of the board area holding ``connector``'s inbox: ``Unassigned (from HubSpot)``."""
    return f"Unassigned (from {vendor_name(connector)})"


class InboxItem(BaseModel):
    """One CRM touchpoint key waiting to be placed on the map (written by the CRM pull).

    ``key`` identifies it (its connector is the key's prefix). ``label`` and ``volume`` are the CRM's:
    the key's human label and its records in the window of the last pull (a count). ``title`` is the
    card text where a person changed it on the board or in the file (``None``: the label is shown).
    ``dismissed`` records that a person deleted its card: it stays listed here, so the next pull does
    not bring the card back.
    """

    model_config = ConfigDict(extra="forbid")

    key: SourceKey = Field(description="The CRM source key, e.g. 'hubspot:calls:OUTBOUND' (docs/crm.md).")
    label: str = Field(description="The CRM's human label for the key.")
    volume: int | None = Field(default=None, ge=0, description="Records in the window of the last pull (count).")
    title: str | None = Field(default=None, description="Card text a person chose instead of the label.")
    dismissed: bool = Field(default=False, description="A person removed the card: the pull does not show it again.")

    @field_validator("title")
    @classmethod
    def _blank_is_no_title(cls, value: str | None) -> str | None:
        """A blank title (a card whose text a person cleared) is no title: the card shows the label."""
        return value if value is None or value.strip() else None

    @property
    def connector(self) -> str:
        """The CRM connector the key belongs to (``hubspot``)."""
        return source_connector(self.key)

    @property
    def text(self) -> str:
        """What the card says: the person's title, else the CRM's label."""
        return self.title if self.title is not None else self.label
