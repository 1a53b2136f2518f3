"""Suggest which journey stage or touchpoint a discovered CRM key belongs to (``discover --journey``)."""

from __future__ import annotations

import re
from typing import Any

from cjm_sync.plugins import Discovery
from cjm_sync.plugins.whiteboard import entity_key
from cjm_sync.schema import Journey

_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text.replace("_", " ")) if len(w) > 2}


def suggest_mapping(found: Discovery, journey: Journey) -> dict[str, Any]:
    """``{"suggestions": [{key, entity, reason}], "unassigned": [key, …]}``.

    A key is *unassigned* when no stage or touchpoint lists it in ``sources``. For each unassigned
    touchpoint key the touchpoint with the same channel and the most words in common with the key's
    label is suggested (channel alone is enough when only one touchpoint has it); for stage keys, the
    stage whose title shares the most words with the label.
    """
    used = {key for s in journey.stages for key in s.sources} | {key for t in journey.touchpoints for key in t.sources}
    suggestions: list[dict[str, str]] = []
    unassigned: list[str] = []
    for tp in found.touchpoints:
        if tp.key in used:
            continue
        unassigned.append(tp.key)
        same_channel = [t for t in journey.touchpoints if tp.channel and t.channel and t.channel.value == tp.channel]
        label = _words(tp.label)
        scored = sorted(
            ((len(label & _words(t.title)), t.id) for t in same_channel), key=lambda pair: (-pair[0], pair[1])
        )
        if scored and (scored[0][0] > 0 or len(same_channel) == 1):
            reason = f"channel {tp.channel}" + (", title words" if scored[0][0] else "")
            suggestions.append({"key": tp.key, "entity": entity_key("touchpoint", scored[0][1]), "reason": reason})
    for stage in found.stages:
        if stage.key in used:
            continue
        unassigned.append(stage.key)
        label = _words(stage.label)
        best = max(((len(label & _words(s.title)), s.id) for s in journey.stages), default=(0, ""))
        if best[0] > 0:
            suggestions.append({"key": stage.key, "entity": entity_key("stage", best[1]), "reason": "title words"})
    return {"suggestions": suggestions, "unassigned": unassigned}
