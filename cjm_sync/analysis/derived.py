"""Derived importance from respondent-level scores (the "derived" or "implicit" importance of IPA).

Each respondent gives a satisfaction score for some touchpoints and one overall score (overall
satisfaction or the 0–10 likelihood to recommend behind NPS). A touchpoint matters as much as its score
moves with the overall one:

- ``correlation``: Pearson r between the touchpoint's scores and the overall scores, over the
  respondents who gave both (``n``), computed with :func:`statistics.correlation`;
- ``regression``: the standardised weight (beta) of the touchpoint in a least-squares regression of the
  z-scored overall score on all touchpoints' z-scored scores, over respondents who scored every one.

Below ``min_sample`` respondents, or with no variance, the value is None ("insufficient data").
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cjm_sync.analysis.settings import DerivedMethod
from cjm_sync.schema import DerivedImportance


@dataclass(frozen=True)
class Respondent:
    """One respondent's overall score and per-touchpoint scores (touchpoint id → score)."""

    respondent: str
    overall: float
    scores: Mapping[str, float]


def _correlation(respondents: Sequence[Respondent], touchpoint: str, min_sample: int) -> DerivedImportance:
    pairs = [(r.scores[touchpoint], r.overall) for r in respondents if touchpoint in r.scores]
    n = len(pairs)
    value = None
    if n >= max(min_sample, 2):
        try:
            value = statistics.correlation([a for a, _ in pairs], [b for _, b in pairs])
        except statistics.StatisticsError:  # constant input: no variance, no correlation
            value = None
    return DerivedImportance(value=value, method="correlation", n=n)


def _regression(
    respondents: Sequence[Respondent], touchpoints: Sequence[str], min_sample: int
) -> dict[str, DerivedImportance]:
    import numpy as np  # noqa: PLC0415 - only needed for this method

    complete = [r for r in respondents if all(t in r.scores for t in touchpoints)]
    n = len(complete)
    empty = {t: DerivedImportance(value=None, method="regression", n=n) for t in touchpoints}
    if n < max(min_sample, len(touchpoints) + 2):
        return empty
    x = np.array([[r.scores[t] for t in touchpoints] for r in complete], dtype=float)
    y = np.array([r.overall for r in complete], dtype=float)
    sx, sy = x.std(axis=0, ddof=1), y.std(ddof=1)
    if sy == 0 or bool((sx == 0).any()):
        return empty
    zx, zy = (x - x.mean(axis=0)) / sx, (y - y.mean()) / sy
    betas, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    return {
        t: DerivedImportance(value=float(b), method="regression", n=n) for t, b in zip(touchpoints, betas, strict=True)
    }


def derive_importance(
    respondents: Sequence[Respondent], touchpoints: Sequence[str], method: DerivedMethod, min_sample: int
) -> dict[str, DerivedImportance]:
    """Derived importance for each touchpoint id in ``touchpoints`` that some respondent scored.

    Returns touchpoint id → :class:`DerivedImportance` (value None when below ``min_sample`` or undefined).
    """
    scored = [t for t in touchpoints if any(t in r.scores for r in respondents)]
    if method == "regression":
        return _regression(respondents, scored, min_sample) if scored else {}
    return {t: _correlation(respondents, t, min_sample) for t in scored}
