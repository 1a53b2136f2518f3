"""`cjm-sync report`: self-contained HTML checked in headless Chromium, plus the md/json/csv forms."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from analysis_cli import run
from browser import dump_dom, print_pdf, screenshot
from bs4 import BeautifulSoup
from test_analysis_priorities import JOURNEY

HOSTILE = "Bot loops <script>alert('x')</script> $5 plan"
SUPPORT = JOURNEY.replace("title: Support\n", "title: Support 支持 🚀\n", 1).replace("Bot loops", HOSTILE)


@pytest.fixture
def journey(workdir: Path) -> Path:
    path = workdir / "support.yaml"
    path.write_text(SUPPORT, encoding="utf-8")
    return path


def test_html_report_renders_offline_in_chromium_with_four_charts(
    journey: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = journey.read_bytes()
    code, out = run(capsys, "report", "--journey", "support.yaml", "-o", "report.html")
    assert code == 0, out
    assert journey.read_bytes() == before  # the report never writes the journey
    html = (workdir / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing to fetch
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html
    dom = BeautifulSoup(dump_dom(workdir / "report.html", workdir), "html.parser")
    charts = dom.select("figure svg.chart")
    assert [c["aria-label"] for c in charts] == [
        "Importance × Performance matrix",
        "Emotion curve across stages",
        "Stage funnel (% remaining (from conversion))",
        "Pain points by priority",
    ]
    ipa_text = charts[0].get_text(" ")
    for label in ("Contact form", "Chat bot", "Concentrate here", "Performance", "Importance"):
        assert label in ipa_text
    assert "Ask" in charts[1].get_text(" ")
    assert "drop-off 40%" in charts[2].get_text(" ")
    # a <script> typed into a sticky note is text, in tables and in chart labels, never an element
    assert dom.find_all("script") == []
    assert HOSTILE in charts[3].get_text(" ")
    assert any(HOSTILE in td.get_text() for td in dom.select("#pain td"))
    assert dom.h1 is not None
    assert "Support 支持 🚀" in dom.h1.get_text()
    # provenance: every number with a footnote has hover text, and the footnote exists
    nums = dom.select("span.num[title]")
    assert nums
    notes = {li["id"] for li in dom.select("#sources li")}
    assert all(n.sup is not None and f"src-{n.sup.get_text()}" in notes for n in nums)
    assert any("hubspot" in n["title"] for n in dom.select("#funnel span.num[title]"))
    for section in ("ipa", "emotion", "funnel", "pain", "bottlenecks", "moments", "actions", "freshness", "sources"):
        assert dom.find(id=section) is not None
    shot = screenshot(workdir / "report.html", workdir / "report.png", workdir)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    pdf = print_pdf(workdir / "report.html", workdir / "report.pdf", workdir)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_markdown_json_and_csv_carry_the_same_analysis(journey: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, md = run(capsys, "report", "--journey", "support.yaml", "--format", "md")
    assert code == 0
    assert "## Pain points by priority" in md
    assert "&lt;script&gt;" in md  # no raw HTML for a Markdown renderer
    assert "<script>" not in md
    assert re.search(r"\| 1 \| Form loses input \| Ask \| 12\[\^\d+\] \| 3\[\^\d+\] \| 36\[\^\d+\] \|", md)
    code, out = run(capsys, "report", "--journey", "support.yaml", "--format", "json")
    data = json.loads(out)
    assert [p["id"] for p in data["pain_points"]] == ["p2", "p4", "p3", "p1", "p7", "p6"]
    assert data["freshness"][0]["source"] == "hubspot"
    code, out = run(capsys, "report", "--journey", "support.yaml", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["id"], r["quadrant"], r["priority"]) for r in rows] == [
        ("form", "concentrate_here", "36.0"),
        ("bot", "possible_overkill", "36.0"),
        ("agent", "", "36.0"),  # p1 (4 × 9) is on the agent call
    ]


def test_unknown_format_is_a_usage_error(journey: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "report", "--journey", "support.yaml", "--format", "pdf")
    assert code == 2
    assert "pdf" in out


PERSONAS = """\
schema_version: 2
id: two-minds
title: Two minds
personas:
  - {id: alex, name: Alex (IT buyer)}
  - {id: mei, name: 美玲}
stages: [{id: s1, title: Look}, {id: s2, title: Buy}]
touchpoints:
  - id: t1
    title: Site
    stage: s1
    emotion: {score: 0}
    persona_emotions: {alex: {score: 2}, mei: {score: -1}}
  - id: t2
    title: Checkout
    stage: s2
    emotion: {score: 1}
    persona_emotions: {mei: {score: -2}}
"""


def test_the_emotion_curve_has_a_line_per_persona_when_personas_differ(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cjm_sync.files import parse_journey
    from cjm_sync.report.context import emotion_series

    journey = parse_journey(Path("two.yaml"), PERSONAS)[0]
    # by hand: Alex 2 then (no own value at t2) the general 1; 美玲 -1 then -2
    assert emotion_series(journey) == {"Alex (IT buyer)": [2, 1], "美玲": [-1, -2]}
    (workdir / "two.yaml").write_text(PERSONAS, encoding="utf-8")
    code, out = run(capsys, "report", "--journey", "two.yaml")
    assert code == 0
    chart = BeautifulSoup(out, "html.parser").select("#emotion svg.chart")[0]
    assert "Alex (IT buyer)" in chart.get_text(" ")
    assert "美玲" in chart.get_text(" ")


def test_a_persona_emotion_for_an_unknown_persona_is_a_validation_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "two.yaml").write_text(PERSONAS.replace("mei: {score: -2}", "bob: {score: -2}"), encoding="utf-8")
    code, out = run(capsys, "validate", "two.yaml")
    assert code == 2
    assert "unknown persona 'bob'" in out


def test_funnel_without_stage_metrics_says_so_and_chains_conversions_otherwise() -> None:
    from cjm_sync.analysis import AnalysisSettings, analyse
    from cjm_sync.files import parse_journey
    from cjm_sync.report.context import build_context

    bare = parse_journey(Path("two.yaml"), PERSONAS)[0]
    ctx = build_context(bare, analyse(bare, AnalysisSettings()), datetime(2026, 11, 1, tzinfo=UTC))
    assert "No stage has conversion or entry counts" in ctx["charts"]["funnel"]
    support = parse_journey(Path("support.yaml"), SUPPORT)[0]
    ctx = build_context(support, analyse(support, AnalysisSettings()), datetime(2026, 11, 1, tzinfo=UTC))
    # by hand: 100% enter "Ask"; 60% convert, so 60 reach "Fix"
    assert "100  (drop-off 40%)" in ctx["charts"]["funnel"]
    assert "60  (drop-off 15%)" in ctx["charts"]["funnel"]
