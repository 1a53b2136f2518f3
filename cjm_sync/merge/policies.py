"""Who wins when both sides touch a field, per field group.

A config table such as ``{"metrics": "crm-owned", "content": "manual"}`` maps groups to policies:

* ``crm-owned`` – the file (CRM/engine) value always wins; a board edit is overwritten and reported.
* ``manual`` – different edits on both sides are a conflict for a human.
* ``board-wins`` / ``file-wins`` – different edits on both sides: that side's value is taken.
* ``newest-wins`` – different edits on both sides: the later edit (file mtime vs the board item's
  modification time) is taken; a tie or an unknown time is a conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cjm_sync.errors import ConfigError


class FieldGroup(StrEnum):
    """Groups of entity fields that share a policy."""

    METRICS = "metrics"
    ANNOTATIONS = "annotations"
    RATINGS = "ratings"
    CONTENT = "content"
    STRUCTURE = "structure"


class Policy(StrEnum):
    """How concurrent edits to a field group are decided."""

    CRM_OWNED = "crm-owned"
    MANUAL = "manual"
    BOARD_WINS = "board-wins"
    FILE_WINS = "file-wins"
    NEWEST_WINS = "newest-wins"


_GROUP_BY_ROOT = {
    "metrics": FieldGroup.METRICS,
    "volume": FieldGroup.METRICS,  # an inbox item's count and label are the CRM's (a person's text is its title)
    "label": FieldGroup.METRICS,
    "annotations": FieldGroup.ANNOTATIONS,
    "importance": FieldGroup.RATINGS,
    "performance": FieldGroup.RATINGS,
    "stage": FieldGroup.STRUCTURE,
    "order": FieldGroup.STRUCTURE,
}


def field_group(field: str) -> FieldGroup:
    """The group of a (possibly dotted) field name; everything human-authored is ``content``."""
    return _GROUP_BY_ROOT.get(field.partition(".")[0], FieldGroup.CONTENT)


class Policies(BaseModel):
    """The policy of every field group (defaults: CRM/engine data is owned by the file, the rest manual)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: Policy = Policy.CRM_OWNED
    annotations: Policy = Policy.CRM_OWNED
    ratings: Policy = Policy.MANUAL
    content: Policy = Policy.MANUAL
    structure: Policy = Policy.MANUAL

    @classmethod
    def from_config(cls, table: Mapping[str, object]) -> Policies:
        """Parse a config table; unknown groups or policies raise :class:`ConfigError` naming the valid ones."""
        groups = {g.value for g in FieldGroup}
        policies = {p.value for p in Policy}
        for group, policy in table.items():
            if group not in groups:
                raise ConfigError(
                    f"unknown merge policy group '{group}'", hint=f"valid groups: {', '.join(sorted(groups))}"
                )
            if policy not in policies:
                raise ConfigError(
                    f"unknown merge policy '{policy}' for group '{group}'",
                    hint=f"valid policies: {', '.join(sorted(policies))}",
                )
        return cls.model_validate(dict(table))

    def for_field(self, field: str) -> Policy:
        """The policy that decides ``field``."""
        policy: Policy = getattr(self, field_group(field).value)
        return policy
