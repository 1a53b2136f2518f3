"""Cross-reference checks a model alone cannot express: unknown ids, duplicates, out-of-scale values.

Each problem is reported as ``(path, message)`` where ``path`` is a tuple of keys and list indices
into the journey document, so callers can point at the file line.
"""

from __future__ import annotations

from collections.abc import Iterator

from cjm_sync.schema.journey import Journey, Scale
from cjm_sync.schema.measures import RatingPair

Path = tuple[str | int, ...]


def _in_scale(value: float, scale: Scale) -> bool:
    return scale.min <= value <= scale.max


def _rating_problems(pair: RatingPair | None, scale: Scale, path: Path) -> Iterator[tuple[Path, str]]:
    if pair is None:
        return
    for side in ("internal", "external"):
        rating = getattr(pair, side)
        if rating is not None and not _in_scale(rating.value, scale):
            yield (
                (*path, side, "value"),
                f"rating {rating.value:g} is outside the rating scale {scale.min:g}..{scale.max:g}",
            )


def cross_reference_problems(journey: Journey) -> list[tuple[Path, str]]:
    """Every cross-reference problem in ``journey``, in document order."""
    problems: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}

    collections: list[tuple[str, list[str]]] = [
        ("segments", [s.id for s in journey.segments]),
        ("personas", [p.id for p in journey.personas]),
        ("stages", [s.id for s in journey.stages]),
        ("lanes", [lane.id for lane in journey.lanes]),
        ("touchpoints", [t.id for t in journey.touchpoints]),
        ("pain_points", [p.id for p in journey.pain_points]),
        ("opportunities", [o.id for o in journey.opportunities]),
        ("notes", [n.id for n in journey.notes]),
    ]
    for name, ids in collections:
        for index, item_id in enumerate(ids):
            path: Path = (name, index, "id")
            if item_id in seen:
                first = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in seen[item_id]).lstrip(".")
                problems.append((path, f"duplicate id '{item_id}' (first used at {first})"))
            else:
                seen[item_id] = path

    first_key: dict[str, int] = {}
    for index, item in enumerate(journey.inbox):
        if item.key in first_key:
            problems.append(
                (("inbox", index, "key"), f"duplicate inbox key '{item.key}' (first at inbox[{first_key[item.key]}])")
            )
        first_key.setdefault(item.key, index)

    stages = {s.id for s in journey.stages}
    touchpoints = {t.id for t in journey.touchpoints}
    lanes = {lane.id for lane in journey.lanes}
    segments = {s.id for s in journey.segments}
    pain_points = {p.id for p in journey.pain_points}
    personas = {p.id for p in journey.personas}

    def ref(path: Path, value: str | None, known: set[str], what: str) -> None:
        if value is not None and value not in known:
            problems.append((path, f"unknown {what} '{value}'"))

    for i, persona in enumerate(journey.personas):
        ref(("personas", i, "segment"), persona.segment, segments, "segment")
    for i, tp in enumerate(journey.touchpoints):
        ref(("touchpoints", i, "stage"), tp.stage, stages, "stage")
        first_to: dict[str, int] = {}
        for j, conn in enumerate(tp.connections):
            ref(("touchpoints", i, "connections", j, "to"), conn.to, touchpoints, "touchpoint")
            if conn.to in first_to:
                problems.append(
                    (
                        ("touchpoints", i, "connections", j, "to"),
                        f"duplicate connection to '{conn.to}' (first at connections[{first_to[conn.to]}])",
                    )
                )
            first_to.setdefault(conn.to, j)
            if conn.to == tp.id:
                problems.append((("touchpoints", i, "connections", j, "to"), "a touchpoint cannot connect to itself"))
        for persona_id, felt in tp.persona_emotions.items():
            ref(("touchpoints", i, "persona_emotions", persona_id), persona_id, personas, "persona")
            if not _in_scale(felt.score, journey.emotion_scale):
                problems.append(
                    (
                        ("touchpoints", i, "persona_emotions", persona_id, "score"),
                        f"emotion {felt.score:g} is outside the emotion scale "
                        f"{journey.emotion_scale.min:g}..{journey.emotion_scale.max:g}",
                    )
                )
        if tp.emotion is not None and not _in_scale(tp.emotion.score, journey.emotion_scale):
            scale = journey.emotion_scale
            problems.append(
                (
                    ("touchpoints", i, "emotion", "score"),
                    f"emotion {tp.emotion.score:g} is outside the emotion scale {scale.min:g}..{scale.max:g}",
                )
            )
        problems.extend(_rating_problems(tp.importance, journey.rating_scale, ("touchpoints", i, "importance")))
        problems.extend(_rating_problems(tp.performance, journey.rating_scale, ("touchpoints", i, "performance")))
    for i, pp in enumerate(journey.pain_points):
        ref(("pain_points", i, "stage"), pp.stage, stages, "stage")
        ref(("pain_points", i, "touchpoint"), pp.touchpoint, touchpoints, "touchpoint")
    for i, opp in enumerate(journey.opportunities):
        ref(("opportunities", i, "stage"), opp.stage, stages, "stage")
        ref(("opportunities", i, "touchpoint"), opp.touchpoint, touchpoints, "touchpoint")
        for j, pp_id in enumerate(opp.addresses):
            ref(("opportunities", i, "addresses", j), pp_id, pain_points, "pain point")
    for i, note in enumerate(journey.notes):
        ref(("notes", i, "stage"), note.stage, stages, "stage")
        ref(("notes", i, "lane"), note.lane, lanes, "lane")
        ref(("notes", i, "touchpoint"), note.touchpoint, touchpoints, "touchpoint")
    return problems
