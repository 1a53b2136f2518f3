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
    touchpoint key the touchpoint whose title shares the most words with the key's label and value
    (``hubspot:feedback_submissions:NPS`` → "NPS survey") is suggested, the same channel breaking ties;
    with no word in common, channel alone is enough when only one touchpoint has it. For stage keys, the
    stage whose title shares the most words with the label.
    """
    used = {key for s in journey.stages for key in s.sources} | {key for t in journey.touchpoints for key in t.sources}
    suggestions: list[dict[str, str]] = []
    unassigned: list[str] = []
    for tp in found.touchpoints:
        if tp.key in used:
            continue
        unassigned.append(tp.key)
        label = _words(tp.label) | _words(tp.key.rpartition(":")[2])
        same_channel = {t.id for t in journey.touchpoints if tp.channel and t.channel and t.channel.value == tp.channel}
        scored = sorted(
            ((len(label & _words(t.title)), t.id in same_channel, t.id) for t in journey.touchpoints),
            key=lambda item: (-item[0], not item[1], item[2]),
        )
        if scored and scored[0][0] > 0:
            _, channel_too, touchpoint = scored[0]
            reason = (f"channel {tp.channel}, " if channel_too else "") + "title words"
            suggestions.append({"key": tp.key, "entity": entity_key("touchpoint", touchpoint), "reason": reason})
        elif len(same_channel) == 1:
            (only,) = same_channel
            suggestions.append(
                {"key": tp.key, "entity": entity_key("touchpoint", only), "reason": f"channel {tp.channel}"}
            )
    for stage in found.stages:
        if stage.key in used:
            continue
        unassigned.append(stage.key)
        label = _words(stage.label)
        common, stage_id = max(((len(label & _words(s.title)), s.id) for s in journey.stages), default=(0, ""))
        if common > 0:
            suggestions.append({"key": stage.key, "entity": entity_key("stage", stage_id), "reason": "title words"})
    return {"suggestions": suggestions, "unassigned": unassigned}
