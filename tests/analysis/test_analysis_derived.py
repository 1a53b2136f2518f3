"""Derived importance against independent computations (NumPy), and the respondents CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from analysis_cli import run, run_json
from analysis_journeys import IPA_JOURNEY

from cjm_sync.analysis import Respondent, derive_importance

# 8 respondents: overall score, then satisfaction with touchpoints a and b (b unanswered by the last two)
ROWS = [
    (9, 5, 2),
    (7, 4, 3),
    (3, 1, 4),
    (6, 3, 2),
    (8, 4, 5),
    (2, 2, 1),
    (5, 3, None),
    (10, 5, None),
]


def _respondents() -> list[Respondent]:
    return [
        Respondent(str(i), overall, {k: v for k, v in (("a", a), ("b", b)) if v is not None})
        for i, (overall, a, b) in enumerate(ROWS)
    ]


def test_correlation_equals_numpy_pearson_with_pairwise_n() -> None:
    got = derive_importance(_respondents(), ["a", "b", "c"], "correlation", 5)
    overall = np.array([r[0] for r in ROWS], dtype=float)
    a = np.array([r[1] for r in ROWS], dtype=float)
    b_rows = [r for r in ROWS if r[2] is not None]
    assert got["a"].value == pytest.approx(np.corrcoef(a, overall)[0, 1])
    assert got["a"].n == 8
    assert got["b"].value == pytest.approx(np.corrcoef([r[2] for r in b_rows], [r[0] for r in b_rows])[0, 1])
    assert got["b"].n == 6
    assert "c" not in got  # nobody scored it
    assert {d.method for d in got.values()} == {"correlation"}


def test_below_min_sample_the_value_is_withheld_but_n_is_kept() -> None:
    got = derive_importance(_respondents(), ["a", "b"], "correlation", 7)
    assert got["a"].value is not None
    assert got["b"].value is None
    assert got["b"].n == 6


def test_regression_weights_equal_the_two_predictor_closed_form() -> None:
    got = derive_importance(_respondents(), ["a", "b"], "regression", 5)
    rows = [r for r in ROWS if r[2] is not None]  # complete cases only
    y, x1, x2 = (np.array([r[i] for r in rows], dtype=float) for i in range(3))
    r1y, r2y, r12 = np.corrcoef(x1, y)[0, 1], np.corrcoef(x2, y)[0, 1], np.corrcoef(x1, x2)[0, 1]
    beta1 = (r1y - r2y * r12) / (1 - r12**2)
    beta2 = (r2y - r1y * r12) / (1 - r12**2)
    assert got["a"].value == pytest.approx(beta1)
    assert got["b"].value == pytest.approx(beta2)
    assert got["a"].n == got["b"].n == 6


def test_responses_file_derives_importance_on_annotate(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    lines = ["respondent,overall,a,b"] + [f"r{i},{o},{a},{'' if b is None else b}" for i, (o, a, b) in enumerate(ROWS)]
    (workdir / "survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = run_json(capsys, "annotate", "--journey", "ipa.yaml", "--responses", "survey.csv")
    a = next(t for t in data["analysis"]["touchpoints"] if t["id"] == "a")
    r = float(np.corrcoef([x[1] for x in ROWS], [x[0] for x in ROWS])[0, 1])
    assert a["importance"] == pytest.approx(round(1 + max(r, 0) * 4, 4))
    assert "derived correlation" in a["importance_source"]
    text = (workdir / "ipa.yaml").read_text(encoding="utf-8")
    assert "derived_importance:" in text
    assert "method: correlation" in text
    assert "n: 8" in text


def test_a_bad_cell_in_the_responses_file_names_file_line_and_column(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "ipa.yaml").write_text(IPA_JOURNEY, encoding="utf-8")
    (workdir / "survey.csv").write_text("overall,a\n5,4\n6,lots\n", encoding="utf-8")
    code, out = run(capsys, "annotate", "--journey", "ipa.yaml", "--responses", "survey.csv")
    assert code == 2
    assert "survey.csv:3:2" in out
    assert "not a number" in out
    assert (workdir / "ipa.yaml").read_text(encoding="utf-8") == IPA_JOURNEY
