"""Report output from hostile board text: bidi overrides, spreadsheet formulas, long unbroken labels."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from analysis_cli import run
from browser import dump_dom
from bs4 import BeautifulSoup

from cjm_sync.report.untrusted import chart_label, csv_text, display_text

RLO = "\u202e"
LONG = "a" * 300

JOURNEY = f"""\
schema_version: 2
id: hostile
title: Hostile 敌意 🚀
rating_scale: {{min: 1, max: 7}}
stages:
  - id: s1
    title: "{RLO}evil stage"
touchpoints:
  - id: t1
    title: "{RLO}reversed title"
    stage: s1
    importance: {{internal: {{value: 6, provenance: {{source: manual}}}}}}
    performance: {{internal: {{value: 2, provenance: {{source: manual}}}}}}
  - id: t2
    title: '=HYPERLINK("http://x.invalid","click")'
    stage: s1
    importance: {{internal: {{value: 2, provenance: {{source: manual}}}}}}
    performance: {{internal: {{value: 6, provenance: {{source: manual}}}}}}
  - id: t3
    title: {LONG}
    stage: s1
    importance:
      internal: {{value: 5, provenance: {{source: manual}}}}
      external: {{value: 6.5, provenance: {{source: survey, sample_size: 40}}}}
    performance:
      internal: {{value: 5, provenance: {{source: manual}}}}
      external: {{value: 3.25, provenance: {{source: survey, sample_size: 40}}}}
  - id: t4
    title: "@SUM(1+1) Renewal call 📞"
    stage: s1
    importance: {{internal: {{value: 4, provenance: {{source: manual}}}}}}
    performance: {{internal: {{value: 4, provenance: {{source: manual}}}}}}
"""

MEASURE = """<script>
document.title = JSON.stringify({
  page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  tables: [...document.querySelectorAll('.scroll')].map(e => e.scrollWidth - e.clientWidth),
});
</script></body>"""


@pytest.fixture
def journey(workdir: Path) -> Path:
    path = workdir / "hostile.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    return path


def test_display_text_drops_bidi_controls_and_keeps_rtl_text() -> None:
    assert display_text(f"{RLO}abc\u2066مرحبا\u2069") == "abcمرحبا"
    assert chart_label("line\nbreak\tand  tabs") == "line break and tabs"
    assert chart_label("x" * 100, 10) == "x" * 9 + "…"
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("-2 days") == "'-2 days"
    assert csv_text("plain") == "plain"
    assert csv_text(-2.5) == -2.5


@pytest.mark.parametrize("fmt", ["html", "md", "csv"])
def test_no_bidi_override_reaches_any_report(journey: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out = run(capsys, "report", "--journey", journey.name, "--format", fmt, "-o", f"r.{fmt}")
    assert code == 0, out
    text = (journey.parent / f"r.{fmt}").read_text(encoding="utf-8")
    assert RLO not in text
    assert "reversed title" in text


def test_csv_cells_a_spreadsheet_would_run_are_text(journey: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "report", "--journey", journey.name, "--format", "csv", "-o", "r.csv")
    assert code == 0, out
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((journey.parent / "r.csv").read_text(encoding="utf-8")))}
    assert rows["t2"]["title"] == '\'=HYPERLINK("http://x.invalid","click")'
    assert rows["t4"]["title"] == "'@SUM(1+1) Renewal call 📞"
    assert rows["t3"]["diagonal_gap"] == "3.25"  # numbers stay numbers
    assert rows["t1"]["diagonal_gap"] == "4.0"


def test_long_board_text_neither_widens_the_page_nor_hides_columns(
    journey: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "report", "--journey", journey.name, "-o", "r.html")
    assert code == 0, out
    html = (journey.parent / "r.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    labels = [t.get_text() for t in soup.select("figure svg.chart")[0].find_all("text")]
    assert LONG not in " ".join(labels)  # chart labels are cut, the table keeps the full title
    assert any(label.endswith("…") for label in labels)
    assert any(td.get_text() == LONG for td in soup.select("#ipa td"))
    # measured in Chromium at a laptop width: no horizontal scrolling, the gap columns are visible
    measured = journey.parent / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE, 1), encoding="utf-8")
    dom = BeautifulSoup(dump_dom(measured, journey.parent, size="1280,1600"), "html.parser")
    assert dom.title is not None
    assert dom.title.get_text() == '{"page":0,"tables":[0]}'


def test_internal_vs_external_gaps_reach_json_csv_and_markdown(
    journey: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # t3: importance external 6.5 vs internal 5 -> +1.5; performance 3.25 vs 5 -> -1.75 (by hand)
    code, out = run(capsys, "report", "--journey", journey.name, "--format", "json")
    assert code == 0, out
    t3 = next(t for t in json.loads(out)["touchpoints"] if t["id"] == "t3")
    assert (t3["importance_gap"], t3["performance_gap"]) == (1.5, -1.75)
    code, out = run(capsys, "report", "--journey", journey.name, "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["t3"]["importance_gap"], rows["t3"]["performance_gap"]) == ("1.5", "-1.75")
    assert rows["t1"]["importance_gap"] == ""  # internal only: no gap
    code, out = run(capsys, "report", "--journey", journey.name, "--format", "md")
    assert "Imp. ext − int | Perf. ext − int |" in out
    assert re.search(r"\| 1\.5\[\^\d+\] \| -1\.75\[\^\d+\] \|", out)
