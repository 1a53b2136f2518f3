"""The ``[analysis]`` settings as flags (``--view``, ``--crosshair``, ``--min-sample``, ``--derived``,
``--responses``) on annotate, report and the sync commands; flags win over the config file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from cjm_sync.analysis import AnalysisSettings, Respondent, annotate, parse_crosshair, parse_min_sample, parse_view
from cjm_sync.cli.context import AppContext
from cjm_sync.config import AnalysisConfig
from cjm_sync.errors import UsageError
from cjm_sync.files.responses import load_respondents
from cjm_sync.schema import Journey

T = TypeVar("T")


def analysis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the analysis flags; the command receives them as ``view``, ``crosshair``, ``min_sample``,
    ``derived`` and ``responses`` keyword arguments (None when not given)."""
    for option in reversed(
        [
            click.option("--view", help="Whose ratings place touchpoints: external (default) or internal."),
            click.option("--crosshair", help="IPA crosshair: data (default), scale, or IMPORTANCE,PERFORMANCE."),
            click.option(
                "--min-sample",
                "--min_sample",
                "min_sample",
                help="Fewest respondents behind an external value (default 5).",
            ),
            click.option(
                "--derived",
                type=click.Choice(["correlation", "regression"]),
                help="How importance is derived from --responses.",
            ),
            click.option(
                "--responses",
                type=click.Path(path_type=Path, dir_okay=False),
                help="CSV of respondent-level scores: derives importance.",
            ),
        ]
    ):
        func = option(func)
    return func


@dataclass(frozen=True)
class AnalysisInputs:
    """Settings and respondent-level scores for one run."""

    settings: AnalysisSettings
    respondents: list[Respondent] | None


def analysis_inputs(
    app: AppContext,
    view: str | None = None,
    crosshair: str | None = None,
    min_sample: str | None = None,
    derived: str | None = None,
    responses: Path | None = None,
) -> AnalysisInputs:
    """Flags over ``[analysis]`` from the config over the defaults; raises UsageError on a bad flag."""
    config = app.config()
    section = config.analysis if config else AnalysisConfig()
    try:
        settings = AnalysisSettings(
            view=parse_view(view or section.view),
            crosshair=parse_crosshair(crosshair if crosshair is not None else section.crosshair),
            min_sample=parse_min_sample(min_sample if min_sample is not None else section.min_sample),
            derived="regression" if (derived or section.derived) == "regression" else "correlation",
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = responses
    if path is None and section.responses is not None and config is not None:
        path = section.responses if section.responses.is_absolute() else config.base_dir / section.responses
    return AnalysisInputs(settings, load_respondents(path) if path is not None else None)


def annotation_step(inputs: AnalysisInputs) -> Callable[[Journey], Journey]:
    """The engine's annotate step for these inputs (the time is taken when it runs)."""

    def step(journey: Journey) -> Journey:
        return run_analysis(annotate, journey, inputs.settings, datetime.now(UTC), inputs.respondents)[0]

    return step


def run_analysis(func: Callable[..., T], journey: Journey, *args: Any) -> T:
    """``func(journey, *args)`` with a setting that does not fit the journey turned into a UsageError
    naming the journey (exit 2), e.g. a fixed crosshair outside its rating scale."""
    try:
        return func(journey, *args)
    except ValueError as exc:
        raise UsageError(f"journey '{journey.id}': {exc}") from None
