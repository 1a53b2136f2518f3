"""Stages a HubSpot portal has: pipeline stages of deals and tickets, and the contacts' lifecycle stages.

For each stage: the key, label, order, which properties hold a record's entry into it (and exit from it),
and which stages count as *later* for conversion: later by display order in the same pipeline, not
counting deal stages that are closed-lost (``isClosed`` with probability 0); for lifecycle stages any
later option except ``other``. ``hs_v2_date_entered_<id>`` holds the latest entry; lifecycle entries fall
back to the legacy ``hs_lifecyclestage_<value>_date``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.hubspot.client import options_in_order, stages_in_order
from connectors.hubspot.values import boolean, number

LIFECYCLE_OTHER = "other"


@dataclass(frozen=True)
class StageInfo:
    """One stage of the portal."""

    key: str
    object: str
    label: str
    group: str
    order: int
    entry: tuple[str, ...]
    """Properties holding the entry time, first present wins."""
    exit: str
    later: tuple[tuple[str, ...], ...]
    """Entry properties of every later stage."""

    @property
    def has_later(self) -> bool:
        """Whether conversion is defined (closed-won and the last lifecycle option have no later stage)."""
        return bool(self.later)

    @property
    def properties(self) -> tuple[str, ...]:
        """Every property a record needs for this stage's metrics."""
        return (*self.entry, self.exit)


def _closed_lost(stage: Mapping[str, Any]) -> bool:
    meta = stage.get("metadata") or {}
    return boolean(meta.get("isClosed")) is True and number(meta.get("probability")) == 0


def pipeline_stages(obj: str, kind: str, pipelines: Sequence[Mapping[str, Any]]) -> list[StageInfo]:
    """Every stage of ``pipelines`` (``kind`` ``deal-stage`` or ``ticket-stage``), pipelines in order."""
    found: list[StageInfo] = []
    for pipeline in pipelines:
        stages = stages_in_order(pipeline)
        for index, stage in enumerate(stages):
            later = tuple(
                (f"hs_v2_date_entered_{s['id']}",)
                for s in stages[index + 1 :]
                if not (obj == "deals" and _closed_lost(s))
            )
            found.append(
                StageInfo(
                    key=f"hubspot:{kind}:{pipeline['id']}:{stage['id']}",
                    object=obj,
                    label=str(stage.get("label")),
                    group=str(pipeline.get("label")),
                    order=index,
                    entry=(f"hs_v2_date_entered_{stage['id']}",),
                    exit=f"hs_v2_date_exited_{stage['id']}",
                    later=later,
                )
            )
    return found


def _lifecycle_entry(value: str) -> tuple[str, ...]:
    return (f"hs_v2_date_entered_{value}", f"hs_lifecyclestage_{value}_date")


def lifecycle_stages(lifecycle: Mapping[str, Any]) -> list[StageInfo]:
    """The ``lifecyclestage`` property's options as stages (custom ones have numeric values)."""
    options = options_in_order(lifecycle)
    found: list[StageInfo] = []
    for index, option in enumerate(options):
        value = str(option["value"])
        later = tuple(_lifecycle_entry(str(o["value"])) for o in options[index + 1 :] if o["value"] != LIFECYCLE_OTHER)
        found.append(
            StageInfo(
                key=f"hubspot:lifecycle:{value}",
                object="contacts",
                label=str(option.get("label") or value),
                group="Lifecycle stage",
                order=index,
                entry=_lifecycle_entry(value),
                exit=f"hs_v2_date_exited_{value}",
                later=later,
            )
        )
    return found
