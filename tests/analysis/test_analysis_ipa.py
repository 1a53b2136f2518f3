"""IPA quadrants against tables computed by hand, for the data and scale crosshairs, plus the fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from analysis_cli import run, run_json
from analysis_journeys import IPA_JOURNEY

from cjm_sync.analysis import AnalysisSettings, analyse_ipa, annotate
from cjm_sync.files import parse_journey
from cjm_sync.schema import AnalysisView, IpaQuadrant, Journey

K, C, L, OVER = (
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK,
    IpaQuadrant.CONCENTRATE_HERE,
    IpaQuadrant.LOW_PRIORITY,
    IpaQuadrant.POSSIBLE_OVERKILL,
)

# Placed (external view, n=10): a(4.5, 2) b(4, 4.5) c(2, 2.5) d(2.5, 4) e(3, 3); g falls back to internal (5, 1);
# f has n=3 < 5 (insufficient data), h has no ratings.
# Data crosshair by hand: importance (4.5+4+2+2.5+3+5)/6 = 21/6 = 3.5, performance (2+4.5+2.5+4+3+1)/6 = 17/6 ≈ 2.8333.
DATA_TABLE = {"a": C, "b": K, "c": L, "d": OVER, "e": OVER, "g": C}
# Scale crosshair: midpoint of 1..5 = 3 on both axes; e sits exactly on it and counts as high on both.
SCALE_TABLE = {"a": C, "b": K, "c": L, "d": OVER, "e": K, "g": C}


def _journey(text: str = IPA_JOURNEY) -> Journey:
    return parse_journey(Path("ipa.yaml"), text)[0]


@pytest.mark.parametrize(
    ("crosshair", "table", "cross"),
    [("data", DATA_TABLE, (3.5, 17 / 6)), ("scale", SCALE_TABLE, (3.0, 3.0))],
)
def test_quadrants_match_the_hand_computed_table(
    crosshair: str, table: dict[str, IpaQuadrant], cross: tuple[float, float]
) -> None:
    result = analyse_ipa(_journey(), AnalysisSettings(crosshair=crosshair))  # type: ignore[arg-type]
    assert result.crosshair is not None
    assert (result.crosshair.importance, result.crosshair.performance) == pytest.approx(cross)
    assert {p.touchpoint: p.quadrant for p in result.placements if p.quadrant} == table


def test_fixed_crosshair_and_equal_counts_as_high() -> None:
    result = analyse_ipa(_journey(), AnalysisSettings(crosshair=(2.5, 4.0)))
    got = {p.touchpoint: p.quadrant for p in result.placements if p.quadrant}
    # d = (2.5, 4) sits exactly on the fixed crosshair: high importance and high performance
    assert got == {"a": C, "b": K, "c": L, "d": K, "e": C, "g": C}


def test_views_fallback_and_insufficient_data_are_recorded() -> None:
    placements = analyse_ipa(_journey(), AnalysisSettings()).by_touchpoint()
    assert placements["a"].view is AnalysisView.EXTERNAL
    assert placements["g"].view is AnalysisView.INTERNAL  # no external values: falls back per touchpoint
    assert placements["f"].status.value == "insufficient data"
    assert placements["f"].quadrant is None
    assert placements["h"].status.value == "unrated"


def test_internal_view_uses_the_team_ratings_only() -> None:
    placements = analyse_ipa(_journey(), AnalysisSettings(view=AnalysisView.INTERNAL)).by_touchpoint()
    placed = {k for k, p in placements.items() if p.quadrant}
    assert placed == {"b", "f", "g"}  # the only ones with internal importance and performance
    # by hand: importance mean (3+5+5)/3 = 13/3, performance (5+1+1)/3 = 7/3; b = (3, 5) → possible overkill
    assert placements["b"].quadrant is OVER
    assert placements["f"].quadrant is C


def test_min_sample_setting_moves_the_threshold() -> None:
    placements = analyse_ipa(_journey(), AnalysisSettings(min_sample=3)).by_touchpoint()
    assert placements["f"].status.value == "placed"
    placements = analyse_ipa(_journey(), AnalysisSettings(min_sample=11)).by_touchpoint()
    assert {k for k, p in placements.items() if p.status.value == "insufficient data"} == {"a", "b", "c", "d", "e", "f"}
    assert placements["g"].quadrant is not None  # internal fallback alone is still placed


def test_annotations_record_view_crosshair_gaps_and_method() -> None:
    journey, _, _ = annotate(_journey(), AnalysisSettings(crosshair="scale"), datetime(2026, 11, 1, tzinfo=UTC))
    ann = {t.id: t.annotations for t in journey.touchpoints}
    b = ann["b"]
    assert b is not None
    assert b.ipa_quadrant is K
    assert b.view is AnalysisView.EXTERNAL
    assert b.crosshair is not None
    assert (b.crosshair.policy, b.crosshair.importance, b.crosshair.performance) == ("scale", 3.0, 3.0)
    assert b.importance_gap == 1.0  # external 4 − internal 3
    assert b.performance_gap == -0.5  # external 4.5 − internal 5
    assert b.diagonal_gap == -0.5  # importance 4 − performance 4.5
    assert b.method is not None
    assert "crosshair scale" in b.method
    assert ann["h"] is None  # nothing to say
    f = ann["f"]
    assert f is not None
    assert f.status is not None
    assert f.status.value == "insufficient data"
    assert f.ipa_quadrant is None


CRM_JOURNEY = """\
schema_version: 2
id: crm
title: CRM ratings
stages: [{id: s, title: S}]
touchpoints:
  - id: chat
    title: Chat
    stage: s
    importance: {external: {value: 4, provenance: {source: survey, sample_size: 30}}}
    metrics:
      - {id: csat, value: 75, unit: '%', provenance: {source: hubspot, sample_size: 40}}
      - {id: nps, value: -20, unit: score, provenance: {source: hubspot, sample_size: 40}}
  - id: phone
    title: Phone
    stage: s
    importance: {external: {value: 2, provenance: {source: survey, sample_size: 30}}}
    metrics:
      - {id: nps, value: 50, unit: score, provenance: {source: hubspot, sample_size: 4}}
"""


def test_external_performance_from_csat_then_nps_mapped_linearly() -> None:
    placements = analyse_ipa(_journey(CRM_JOURNEY), AnalysisSettings(min_sample=3)).by_touchpoint()
    chat, phone = placements["chat"], placements["phone"]
    assert chat.performance is not None
    assert phone.performance is not None
    assert chat.performance.value == pytest.approx(1 + 0.75 * 4)  # csat preferred over nps: 4.0
    assert "csat 75%" in chat.performance.source
    assert phone.performance.value == pytest.approx(1 + (50 + 100) / 200 * 4)  # 4.0
    # the CRM sample size counts for min_sample
    assert analyse_ipa(_journey(CRM_JOURNEY), AnalysisSettings()).by_touchpoint()["phone"].status.value == (
        "insufficient data"
    )


def test_annotate_cli_is_byte_identical_on_rerun_and_records_settings(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workdir / "ipa.yaml"
    path.write_text(IPA_JOURNEY, encoding="utf-8")
    first = run_json(capsys, "annotate", "--journey", "ipa.yaml", "--crosshair", "scale")
    assert first["file_written"] is True
    assert {t["id"]: t["quadrant"] for t in first["analysis"]["touchpoints"] if t["quadrant"]} == {
        k: v.value for k, v in SCALE_TABLE.items()
    }
    written = path.read_bytes()
    again = run_json(capsys, "annotate", "--journey", "ipa.yaml", "--crosshair", "scale")
    assert again["file_written"] is False
    assert again["changes"] == []
    assert path.read_bytes() == written
    assert "policy: scale" in written.decode()


def test_a_hand_edit_of_annotations_is_overwritten_and_reported(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workdir / "ipa.yaml"
    path.write_text(IPA_JOURNEY, encoding="utf-8")
    assert run(capsys, "annotate", "--journey", "ipa.yaml")[0] == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ipa_quadrant: concentrate_here", "ipa_quadrant: low_priority", 1), encoding="utf-8")
    code, out = run(capsys, "annotate", "--journey", "ipa.yaml")
    assert code == 0
    assert "touchpoint:a annotations (overwrote)" in out
    assert "ipa_quadrant: 'low_priority' → 'concentrate_here'" in out

    def stable(t: str) -> list[str]:  # the stamp moves with the overwritten value
        return [line for line in t.splitlines() if "computed_at" not in line]

    assert stable(path.read_text(encoding="utf-8")) == stable(text)


def test_config_analysis_section_and_flags_override_it(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    (workdir / "cjm-sync.toml").write_text('[analysis]\ncrosshair = "scale"\nmin_sample = 3\n', encoding="utf-8")
    data = run_json(capsys, "annotate", "--journey", "ipa.yaml", "--dry-run")
    assert data["analysis"]["settings"] == {
        "view": "external",
        "crosshair": "scale",
        "min_sample": 3,
        "derived": "correlation",
    }
    assert next(t for t in data["analysis"]["touchpoints"] if t["id"] == "f")["status"] == "placed"
    data = run_json(
        capsys, "annotate", "--journey", "ipa.yaml", "--dry-run", "--crosshair", "3,3", "--view", "internal"
    )
    assert data["analysis"]["crosshair"] == {"policy": "fixed", "importance": 3.0, "performance": 3.0}
    assert data["file_written"] is False


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--crosshair", "middle", "crosshair must be"),
        ("--crosshair", "NaN,3", "crosshair must be"),
        ("--crosshair", "3,Infinity", "crosshair must be"),
        ("--view", "customers", "view must be"),
        ("--min-sample", "0", "min_sample must be"),
    ],
)
def test_bad_settings_are_usage_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    code, out = run(capsys, "annotate", "--journey", "ipa.yaml", flag, value)
    assert code == 2
    assert message in out
    assert (workdir / "ipa.yaml").read_text(encoding="utf-8") == IPA_JOURNEY


def test_bad_config_crosshair_names_the_field(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    (workdir / "cjm-sync.toml").write_text('[analysis]\ncrosshair = "middle"\n', encoding="utf-8")
    code, out = run(capsys, "annotate", "--journey", "ipa.yaml")
    assert code == 2
    assert "analysis.crosshair" in out


def test_non_finite_config_crosshair_is_refused(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    (workdir / "cjm-sync.toml").write_text("[analysis]\ncrosshair = [nan, 3]\n", encoding="utf-8")
    code, out = run(capsys, "annotate", "--journey", "ipa.yaml")
    assert code == 2
    assert "analysis.crosshair" in out
    assert (workdir / "ipa.yaml").read_text(encoding="utf-8") == IPA_JOURNEY
