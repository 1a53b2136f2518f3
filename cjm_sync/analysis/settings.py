"""Analysis settings (``[analysis]`` in cjm-sync.toml, or flags of the same names): view, crosshair, min_sample."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from cjm_sync.schema import AnalysisView

CrosshairPolicy = Literal["data", "scale"] | tuple[float, float]
"""``"data"`` (means over the placed touchpoints), ``"scale"`` (the rating scale's midpoint) or
fixed ``(importance, performance)`` values on the rating scale."""

DerivedMethod = Literal["correlation", "regression"]

DEFAULT_MIN_SAMPLE = 5


@dataclass(frozen=True)
class AnalysisSettings:
    """How the analyses run.

    ``view``: whose ratings place touchpoints (external falls back to internal per touchpoint).
    ``crosshair``: see :data:`CrosshairPolicy`. ``min_sample``: external values (and derived importance)
    resting on fewer respondents are "insufficient data". ``derived``: how importance is derived from
    respondent-level scores, when they are given.
    """

    view: AnalysisView = AnalysisView.EXTERNAL
    crosshair: CrosshairPolicy = "data"
    min_sample: int = DEFAULT_MIN_SAMPLE
    derived: DerivedMethod = "correlation"

    def describe_crosshair(self) -> str:
        """``data``, ``scale`` or ``fixed``."""
        return self.crosshair if isinstance(self.crosshair, str) else "fixed"


def parse_crosshair(value: Any) -> CrosshairPolicy:
    """``"data"``, ``"scale"``, a list of two finite numbers, or its text form (``"[3.5, 3]"`` or ``"3.5,3"``).

    Raises ValueError with a readable message otherwise.
    """
    if isinstance(value, str):
        text = value.strip()
        if text in ("data", "scale"):
            return "data" if text == "data" else "scale"
        if not text.startswith("["):
            text = f"[{text}]"
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"crosshair must be 'data', 'scale' or [importance, performance], not {value!r}") from None
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        return float(value[0]), float(value[1])
    raise ValueError(f"crosshair must be 'data', 'scale' or [importance, performance], not {value!r}")


def parse_view(value: str) -> AnalysisView:
    """``external`` or ``internal``; ValueError otherwise."""
    try:
        return AnalysisView(value.strip().lower())
    except ValueError:
        raise ValueError(f"view must be 'external' or 'internal', not {value!r}") from None


def parse_min_sample(value: Any) -> int:
    """A whole number ≥ 1; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"min_sample must be a whole number ≥ 1, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"min_sample must be a whole number ≥ 1, not {value!r}") from None
    if number < 1:
        raise ValueError(f"min_sample must be a whole number ≥ 1, not {value!r}")
    return number
