"""Bottlenecks: stages by drop-off and by time in stage; touchpoints whose metrics got worse.

- Drop-off of a stage = 100 − its ``conversion`` metric (%); stages ranked by drop-off, highest first.
- Stages ranked by ``time-in-stage`` (days), longest first.
- A metric got worse between the previous and the current window when the entity has both ``X`` and
  ``X-previous`` (or, for volume, ``volume-change``) and ``X`` moved in its bad direction: volume,
  NPS, CSAT, CES and conversion falling; reply and close times, time in stage, negative share rising.
  The size of the change is reported absolute and relative to the previous value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cjm_sync.schema import Journey, Metric

CONVERSION: Final = "conversion"
TIME_IN_STAGE: Final = "time-in-stage"
PREVIOUS_SUFFIX: Final = "-previous"
HIGHER_IS_BETTER: Final = {"volume": True, "nps": True, "csat": True, "ces": True, "conversion": True, "entered": True}
HIGHER_IS_WORSE: Final = frozenset(
    {"time-to-first-reply", "time-to-close", "time-in-stage", "negative-share", "exit-rate", "response-time"}
)


@dataclass(frozen=True)
class StageFigure:
    """A stage's value for one ranking (drop-off % or days in stage) and where it comes from."""

    stage: str
    title: str
    value: float
    source: Metric


@dataclass(frozen=True)
class Worsening:
    """A metric of a stage or touchpoint that moved in its bad direction between two windows."""

    key: str
    title: str
    metric: str
    previous: float
    current: float
    change: float
    change_pct: float | None
    source: Metric


@dataclass(frozen=True)
class Bottlenecks:
    """Stages by drop-off and by time in stage (worst first), and the worsened metrics (largest % first)."""

    drop_off: list[StageFigure]
    time_in_stage: list[StageFigure]
    worsened: list[Worsening]


def _metric(metrics: list[Metric], metric_id: str) -> Metric | None:
    return next((m for m in metrics if m.id == metric_id and m.value is not None), None)


def _worsened(key: str, title: str, metrics: list[Metric]) -> list[Worsening]:
    out = []
    for metric in metrics:
        if metric.value is None or metric.id.endswith(PREVIOUS_SUFFIX):
            continue
        higher_better = HIGHER_IS_BETTER.get(metric.id)
        if higher_better is None and metric.id not in HIGHER_IS_WORSE:
            continue
        previous = _metric(metrics, metric.id + PREVIOUS_SUFFIX)
        if previous is None or previous.value is None:
            continue
        change = metric.value - previous.value
        if (change < 0) if higher_better else (change > 0):
            pct = None if previous.value == 0 else round(change / abs(previous.value) * 100, 2)
            out.append(Worsening(key, title, metric.id, previous.value, metric.value, round(change, 4), pct, metric))
    volume_change = _metric(metrics, "volume-change")
    volume = _metric(metrics, "volume")
    has_pair = _metric(metrics, "volume-previous") is not None
    if volume_change and volume_change.value is not None and volume_change.value < 0 and volume and not has_pair:
        now = volume.value or 0.0
        before = now / (1 + volume_change.value / 100) if volume_change.value > -100 else 0.0
        out.append(
            Worsening(key, title, "volume", before, now, round(now - before, 4), volume_change.value, volume_change)
        )
    return out


def find_bottlenecks(journey: Journey) -> Bottlenecks:
    """Rank ``journey``'s stages and list its worsened metrics (see the module docstring for the rules)."""
    drop_off, time_in_stage, worsened = [], [], []
    for stage in journey.stages:
        conversion = _metric(stage.metrics, CONVERSION)
        if conversion is not None and conversion.value is not None:
            drop_off.append(StageFigure(stage.id, stage.title, round(100 - conversion.value, 4), conversion))
        days = _metric(stage.metrics, TIME_IN_STAGE)
        if days is not None and days.value is not None:
            time_in_stage.append(StageFigure(stage.id, stage.title, days.value, days))
        worsened += _worsened(f"stage:{stage.id}", stage.title, stage.metrics)
    for tp in journey.touchpoints:
        worsened += _worsened(f"touchpoint:{tp.id}", tp.title, tp.metrics)
    drop_off.sort(key=lambda f: (-f.value, f.stage))
    time_in_stage.sort(key=lambda f: (-f.value, f.stage))
    worsened.sort(key=lambda w: (-abs(w.change_pct if w.change_pct is not None else 0.0), w.key, w.metric))
    return Bottlenecks(drop_off, time_in_stage, worsened)
