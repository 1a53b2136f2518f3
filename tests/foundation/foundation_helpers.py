"""Shared helpers for the foundation suite: a hypothesis strategy for valid journeys and CLI runners.

(The module name is unique on purpose: the tests tree has no ``__init__.py`` files, so module basenames
must not collide with other suites.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import strategies as st

from cjm_sync.cli.main import cli, main
from cjm_sync.schema import (
    Annotations,
    Channel,
    Connection,
    DayStep,
    Direction,
    Emotion,
    Evidence,
    IpaQuadrant,
    Journey,
    Lane,
    LaneKind,
    MapType,
    Metric,
    Note,
    Opportunity,
    OpportunityStatus,
    Owner,
    PainPoint,
    Persona,
    Provenance,
    Rating,
    RatingPair,
    Scale,
    Scenario,
    Scope,
    Segment,
    SegmentKind,
    Source,
    Stage,
    StageKind,
    TargetMetric,
    Touchpoint,
)

CJM_SYNC = Path(sys.executable).parent / "cjm-sync"

# ---------------------------------------------------------------------------------------------------
# Text: every script, emoji, and strings that YAML would otherwise read as something else.
# ---------------------------------------------------------------------------------------------------

TRICKY_STRINGS = [
    "",
    " ",
    "null",
    "~",
    "true",
    "False",
    "yes",
    "no",
    "on",
    "0",
    "-1",
    "1.0",
    "1e3",
    "0x1F",
    "0o17",
    ".inf",
    "-.nan",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "12:30",
    "09:00",
    "- item",
    "key: value",
    "#not a comment",
    "a # b",
    "[x]",
    "{x}",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "'quoted'",
    '"dq"',
    "%directive",
    "@at",
    "`tick`",
    "---",
    "...",
    "<<",
    "=",
    "trailing space ",
    " leading space",
    "line one\nline two",
    "line\n",
    "tab\there",
    "back\\slash",
    "客户旅程地图",
    "注册 · 免费试用",
    "顧客体験・カスタマージャーニー",
    "고객 여정",
    "Путь клиента",
    "رحلة العميل",
    "מסע לקוח",
    "हिन्दी यात्रा",
    "การเดินทาง",
    "Ελληνικά",
    "😀🎉👩🏽‍💻",
    "🇨🇳🇩🇪",
    "e\u0301",  # decomposed é
    "\u200b zero width",
    "ﬁ ligature",
]

_SCRIPTS = st.characters(
    codec="utf-8",
    # surrogates cannot be encoded; other control characters are not journey text
    exclude_categories=("Cs", "Cc", "Co", "Cn"),
)
_EXTRA = st.sampled_from(list("客户旅程体验注册免费试用こんにちは고객ЖжΩΣعبرית😀🎉👍🏽🚀✨€£¥·—–…“”‘’«»"))
text = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(st.one_of(_SCRIPTS, _EXTRA), max_size=16),
)
short_texts = st.lists(text, max_size=2)
opt_text = st.none() | text

# Slugs valid for both the pydantic model and is_slug: letters of several scripts, digits, ``_-.``.
_SLUG_FIRST = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789_客户旅程体验注册ЖжΩσこんにちは고객"))
_SLUG_REST = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789_-.客户旅程ЖΩ"))
slug = st.builds(lambda a, b: a + b, _SLUG_FIRST, st.text(_SLUG_REST, max_size=12))

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
utc_datetimes = st.datetimes(timezones=st.just(UTC))


@st.composite
def provenances(draw: st.DrawFn) -> Provenance:
    return Provenance(
        source=draw(st.sampled_from(Source)),
        method=draw(opt_text),
        as_of=draw(st.none() | utc_datetimes),
        window=draw(st.none() | st.sampled_from(["P30D", "P1W", "2026-01-01/2026-03-31", "PT12H"])),
        sample_size=draw(st.none() | st.integers(min_value=0, max_value=10**9)),
        note=draw(opt_text),
    )


@st.composite
def metrics(draw: st.DrawFn) -> list[Metric]:
    ids = draw(st.lists(slug, max_size=2, unique=True))
    return [
        Metric(
            id=metric_id,
            name=draw(opt_text),
            value=draw(st.none() | finite),
            unit=draw(st.none() | st.sampled_from(["%", "ms", "count", "score", "€", "分"])),
            provenance=draw(provenances()),
        )
        for metric_id in ids
    ]


@st.composite
def scales(draw: st.DrawFn) -> Scale:
    low = draw(st.floats(min_value=-100, max_value=100, allow_nan=False))
    high = low + draw(st.floats(min_value=0.5, max_value=100, allow_nan=False))
    labels = draw(st.dictionaries(st.sampled_from(["-2", "-1", "0", "1", "2", "low", "高"]), text, max_size=3))
    return Scale(min=low, max=high, labels=labels)


@st.composite
def rating_pairs(draw: st.DrawFn, scale: Scale) -> RatingPair | None:
    def rating() -> Rating | None:
        if draw(st.booleans()):
            return None
        return Rating(
            value=draw(st.floats(min_value=scale.min, max_value=scale.max, allow_nan=False)),
            provenance=draw(provenances()),
        )

    if draw(st.booleans()):
        return None
    return RatingPair(internal=rating(), external=rating())


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    """A valid journey: unique slugs, valid references, values inside their scales."""
    n_segments = draw(st.integers(0, 2))
    n_personas = draw(st.integers(0, 2))
    n_stages = draw(st.integers(1, 4))
    n_lanes = draw(st.integers(0, 3))
    n_tps = draw(st.integers(0, 4))
    n_pps = draw(st.integers(0, 3))
    n_opps = draw(st.integers(0, 2))
    n_notes = draw(st.integers(0, 2))
    total = 1 + n_segments + n_personas + n_stages + n_lanes + n_tps + n_pps + n_opps + n_notes
    ids = iter(draw(st.lists(slug, min_size=total, max_size=total, unique=True)))

    def take(n: int) -> list[str]:
        return [next(ids) for _ in range(n)]

    journey_id = next(ids)
    segment_ids, persona_ids = take(n_segments), take(n_personas)
    stage_ids, lane_ids, tp_ids = take(n_stages), take(n_lanes), take(n_tps)
    pp_ids, opp_ids, note_ids = take(n_pps), take(n_opps), take(n_notes)

    emotion_scale = draw(st.just(Scale()) | scales())
    rating_scale = draw(st.just(Scale(min=1, max=5)) | scales())
    stage_ref = st.sampled_from(stage_ids)
    tp_ref = st.none() | st.sampled_from(tp_ids) if tp_ids else st.none()

    segments = [
        Segment(
            id=i,
            name=draw(text),
            kind=draw(st.sampled_from(SegmentKind)),
            criteria=draw(short_texts),
        )
        for i in segment_ids
    ]
    personas = [
        Persona(
            id=i,
            name=draw(text),
            segment=draw(st.none() | st.sampled_from(segment_ids)) if segment_ids else None,
            details=draw(opt_text),
            quote=draw(opt_text),
            motivations=draw(short_texts),
            goals=draw(short_texts),
            needs=draw(short_texts),
            pain_points=draw(short_texts),
            day=[DayStep(time=draw(text), activity=draw(text)) for _ in range(draw(st.integers(0, 2)))],
        )
        for i in persona_ids
    ]
    stages = [
        Stage(
            id=i,
            title=draw(text),
            kind=draw(st.sampled_from(StageKind)),
            description=draw(opt_text),
            goal=draw(opt_text),
            metrics=draw(metrics()),
        )
        for i in stage_ids
    ]
    lanes = [Lane(id=i, kind=draw(st.sampled_from(LaneKind)), title=draw(opt_text)) for i in lane_ids]
    touchpoints = []
    for i in tp_ids:
        others = [t for t in tp_ids if t != i]
        connections = (
            [
                Connection(to=to, label=draw(opt_text))
                for to in draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
            ]
            if others
            else []
        )
        emotion = None
        if draw(st.booleans()):
            score = draw(st.floats(min_value=emotion_scale.min, max_value=emotion_scale.max, allow_nan=False))
            emotion = Emotion(score=score, label=draw(opt_text))
        owner = None
        if draw(st.booleans()):
            owner = Owner(department=draw(opt_text), region=draw(opt_text), person=draw(opt_text))
        annotations = None
        if draw(st.booleans()):
            annotations = Annotations(
                ipa_quadrant=draw(st.none() | st.sampled_from(IpaQuadrant)),
                importance_gap=draw(st.none() | finite),
                performance_gap=draw(st.none() | finite),
                priority=draw(st.none() | finite),
                computed_at=draw(st.none() | utc_datetimes),
                method=draw(opt_text),
            )
        touchpoints.append(
            Touchpoint(
                id=i,
                title=draw(text),
                stage=draw(stage_ref),
                channel=draw(st.none() | st.sampled_from(Channel)),
                direction=draw(st.none() | st.sampled_from(Direction)),
                owner=owner,
                description=draw(opt_text),
                actions=draw(short_texts),
                thoughts=draw(short_texts),
                emotion=emotion,
                research=draw(short_texts),
                content=draw(short_texts),
                moment_of_truth=draw(st.booleans()),
                connections=connections,
                importance=draw(rating_pairs(rating_scale)),
                performance=draw(rating_pairs(rating_scale)),
                metrics=draw(metrics()),
                annotations=annotations,
                replaces=draw(st.lists(st.builds(lambda a, b: f"{a}/{b}", slug, slug), max_size=2)),
            )
        )
    pain_points = [
        PainPoint(
            id=i,
            title=draw(text),
            stage=draw(stage_ref),
            touchpoint=draw(tp_ref),
            description=draw(opt_text),
            frequency=draw(st.none() | st.integers(min_value=0, max_value=10**6)),
            severity=draw(st.none() | st.floats(min_value=0, max_value=10, allow_nan=False)),
            evidence=[
                Evidence(
                    text=draw(text),
                    provenance=draw(st.none() | provenances()),
                    link=draw(st.none() | st.just("https://example.com/ticket/1")),
                )
                for _ in range(draw(st.integers(0, 2)))
            ],
            solution=draw(opt_text),
        )
        for i in pp_ids
    ]
    opportunities = []
    for i in opp_ids:
        target = None
        if draw(st.booleans()):
            target = TargetMetric(
                metric=draw(text),
                baseline=draw(st.none() | finite),
                target=draw(st.none() | finite),
                unit=draw(opt_text),
                by=draw(st.none() | st.just("2027-Q2")),
            )
        opportunities.append(
            Opportunity(
                id=i,
                title=draw(text),
                stage=draw(stage_ref),
                touchpoint=draw(tp_ref),
                action=draw(opt_text),
                owner_team=draw(opt_text),
                status=draw(st.sampled_from(OpportunityStatus)),
                target=target,
                addresses=draw(st.lists(st.sampled_from(pp_ids), max_size=2, unique=True)) if pp_ids else [],
            )
        )
    notes = [
        Note(
            id=i, lane=draw(st.sampled_from(lane_ids)), stage=draw(stage_ref), text=draw(text), touchpoint=draw(tp_ref)
        )
        for i in (note_ids if lane_ids else [])
    ]
    return Journey(
        id=journey_id,
        title=draw(text),
        map_type=draw(st.sampled_from(MapType)),
        scenario=draw(st.sampled_from(Scenario)),
        description=draw(opt_text),
        future_state_of=draw(st.none() | slug),
        scope=Scope(
            goals=draw(short_texts),
            channels=draw(st.lists(st.sampled_from(Channel), max_size=3)),
            data_needed=draw(short_texts),
            questions=draw(short_texts),
        ),
        emotion_scale=emotion_scale,
        rating_scale=rating_scale,
        segments=segments,
        personas=personas,
        stages=stages,
        lanes=lanes,
        touchpoints=touchpoints,
        pain_points=pain_points,
        opportunities=opportunities,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------------
# Running the CLI
# ---------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Outcome of one CLI invocation through the real entry point ``main()``."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_main(*args: str | os.PathLike[str]) -> Run:
    """Run ``main([...])`` (the error boundary that maps errors to exit codes) and capture its output."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _both):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return Run(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "backslashreplace"))


def invoke(*args: str | os.PathLike[str]) -> Any:
    """``CliRunner().invoke(cli, ...)`` for the happy paths."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def run_console_script(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``cjm-sync`` console script end to end."""
    return subprocess.run(
        [str(CJM_SYNC), *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"},
    )
