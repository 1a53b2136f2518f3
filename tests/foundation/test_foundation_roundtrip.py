"""Any valid journey survives render → parse unchanged, byte-stably, in YAML and JSON."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from foundation_helpers import journeys, run_main
from hypothesis import HealthCheck, given, settings

from cjm_sync.files import load_journey, parse_journey, render_journey, save_journey
from cjm_sync.schema import Journey, Metric, Provenance, Source, Stage, Touchpoint

ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMATS = {"yaml": "j.yaml", "json": "j.json"}


@ROUND_TRIP
@given(journey=journeys())
def test_any_valid_journey_survives_render_and_parse(journey: Journey) -> None:
    parsed = {}
    for fmt, name in FORMATS.items():
        text = render_journey(journey, fmt=fmt)
        parsed[fmt], _document, migrated = parse_journey(Path(name), text)
        assert parsed[fmt] == journey, fmt
        assert migrated == []
        # rendering is deterministic, and rendering the parsed journey again gives the very same bytes
        assert render_journey(journey, fmt=fmt) == text
        assert render_journey(parsed[fmt], fmt=fmt) == text
    assert parsed["yaml"] == parsed["json"]


def test_provenance_datetimes_come_back_as_the_same_utc_instant() -> None:
    when = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    journey = Journey(
        id="j",
        title="J",
        stages=[Stage(id="s", title="S")],
        touchpoints=[
            Touchpoint(
                id="t",
                title="T",
                stage="s",
                metrics=[Metric(id="nps", value=41.5, provenance=Provenance(source=Source.SURVEY, as_of=when))],
            )
        ],
    )
    for fmt, name in FORMATS.items():
        parsed, _, _ = parse_journey(Path(name), render_journey(journey, fmt=fmt))
        as_of = parsed.touchpoints[0].metrics[0].provenance.as_of
        assert as_of == when
        assert as_of is not None
        assert as_of.utcoffset() is not None
        assert as_of.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(journey=journeys())
def test_saving_an_unchanged_file_writes_nothing(tmp_path: Path, fmt: str, journey: Journey) -> None:
    text = render_journey(journey, fmt=fmt)
    path = tmp_path / FORMATS[fmt]
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    past = 1_000_000_000
    os.utime(path, (past, past))

    loaded = load_journey(path)
    assert loaded.journey == journey
    assert save_journey(loaded, loaded.journey) is False
    assert path.read_bytes() == before
    assert path.stat().st_mtime == past


@pytest.mark.parametrize("value", [3.456789012345678e-05, 6.313316187706437e16, 5e-324, 2.220446049250313e-16])
def test_full_precision_exponent_float_survives_unchanged_save_and_fmt(tmp_path: Path, value: float) -> None:
    """A metric written by the engine (repr of a float) must not drift when the file is saved or formatted.

    (Regression: ruamel re-emits a preserved exponent float with its last digit changed.)
    """
    path = tmp_path / "j.yaml"
    text = (
        "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s\n    title: S\n    metrics:\n"
        f"      - id: rate\n        value: {value!r}\n        provenance:\n          source: analytics\n"
    )
    path.write_text(text, encoding="utf-8")
    loaded = load_journey(path)
    assert loaded.journey.stages[0].metrics[0].value == value
    assert save_journey(loaded, loaded.journey) is False
    assert run_main("fmt", path).code == 0
    assert path.read_text(encoding="utf-8") == text
    assert load_journey(path).journey.stages[0].metrics[0].value == value


def test_saving_a_changed_journey_writes_and_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text("schema_version: 2\nid: j\ntitle: Old # keep this comment\n", encoding="utf-8")
    loaded = load_journey(path)
    assert save_journey(loaded, loaded.journey.model_copy(update={"title": "新标题 🚀"})) is True
    text = path.read_text(encoding="utf-8")
    assert "title: 新标题 🚀" in text
    assert "# keep this comment" in text
    assert load_journey(path).journey.title == "新标题 🚀"


def test_hand_written_file_load_save_is_byte_identical(tmp_path: Path) -> None:
    """A hand-written (canonical, commented, quoted) file is not touched by an unchanged save."""
    source = (
        "# Top comment\n"
        "schema_version: 2\n"
        "id: 注册旅程\n"
        "title: '免费试用 · Free trial 🎉'  # quoted on purpose\n"
        "map_type: current_state\n"
        "stages:\n"
        "  - id: awareness  # first\n"
        '    title: "Awareness"\n'
        "touchpoints:\n"
        "  - id: ad\n"
        "    title: Sees an ad 👀\n"
        "    stage: awareness\n"
        "    moment_of_truth: false\n"  # a default the author wrote out is kept
        "    emotion: {score: 1, label: 🙂}\n"  # an integer written for a float field stays an integer
    )
    path = tmp_path / "j.yaml"
    path.write_bytes(source.encode("utf-8"))
    os.utime(path, (1_000_000_000, 1_000_000_000))
    loaded = load_journey(path)
    assert save_journey(loaded, loaded.journey) is False
    assert path.read_bytes() == source.encode("utf-8")
    assert path.stat().st_mtime == 1_000_000_000


CJK_EMOJI = "客户旅程 🚀 顧客体験 고객 여정 Путь 😀👩🏽‍💻 «ç»"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cjk_and_emoji_survive_validate_fmt_and_json_byte_for_byte(tmp_path: Path, fmt: str) -> None:
    journey = Journey(
        id="客户旅程",
        title=CJK_EMOJI,
        description="说明：😀",
        stages=[Stage(id="认知", title="认知阶段 🧠")],
        touchpoints=[Touchpoint(id="广告", title="看到广告 📣", stage="认知", thoughts=["真的吗？🤔"])],
    )
    path = tmp_path / FORMATS[fmt]
    path.write_text(render_journey(journey, fmt=fmt), encoding="utf-8")
    original = path.read_bytes()
    # stored as real UTF-8, not as \u escapes
    assert CJK_EMOJI.encode("utf-8") in original
    assert b"\\u" not in original

    assert run_main("validate", path).code == 0
    assert run_main("fmt", path).code == 0
    assert run_main("fmt", "--check", path).code == 0
    assert path.read_bytes() == original

    report = run_main("--json", "validate", path)
    assert report.code == 0
    assert "\\u" not in report.stdout  # ensure_ascii=False in --json output too
    assert load_journey(path).journey == journey
    if fmt == "json":
        assert json.loads(original)["title"] == CJK_EMOJI


def test_cjk_yaml_converts_to_json_and_back_unchanged(tmp_path: Path) -> None:
    yaml_path, json_path = tmp_path / "j.yaml", tmp_path / "j.json"
    yaml_path.write_text(
        "schema_version: 2\nid: 旅程\ntitle: 旅程 😀\nstages:\n  - id: 阶段\n    title: 阶段一 🎯\n", encoding="utf-8"
    )
    journey = load_journey(yaml_path).journey
    json_path.write_text(render_journey(journey, fmt="json"), encoding="utf-8")
    assert '"title": "旅程 😀"' in json_path.read_text(encoding="utf-8")
    back = load_journey(json_path).journey
    assert back == journey
    assert render_journey(back, fmt="yaml").encode("utf-8") == yaml_path.read_bytes()
