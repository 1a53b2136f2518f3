"""Respondent-level survey scores from a CSV file, for derived importance.

Format (UTF-8, header row): an ``overall`` (or ``nps``: 0–10 likelihood to recommend) column, an
optional ``respondent`` column, and one column per touchpoint id holding that respondent's
satisfaction score. Empty cells mean "not asked / no answer".
"""

from __future__ import annotations

import csv
from pathlib import Path

from cjm_sync.analysis import Respondent
from cjm_sync.errors import Issue, UsageError, ValidationFailed

OVERALL_COLUMNS = ("overall", "nps")


def load_respondents(path: Path) -> list[Respondent]:
    """Read ``path``; raises ValidationFailed naming file, line and column for a bad cell or header,
    UsageError when the file cannot be read."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read responses file {name}: {exc}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ValidationFailed([Issue(name, 1, None, "", "empty file: expected a header row")])
    header = [h.strip() for h in rows[0]]
    overall = next((c for c in OVERALL_COLUMNS if c in header), None)
    if overall is None:
        raise ValidationFailed([Issue(name, 1, None, "", "header needs an 'overall' or 'nps' column")])
    issues: list[Issue] = []
    out: list[Respondent] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values: dict[str, float] = {}
        for col, (key, cell) in enumerate(zip(header, row, strict=False), start=1):
            if (key in ("respondent", *OVERALL_COLUMNS) and key != overall) or not cell.strip():
                continue
            try:
                values[key] = float(cell)
            except ValueError:
                issues.append(Issue(name, line, col, key, f"not a number: {cell!r}"))
        if overall not in values:
            issues.append(Issue(name, line, header.index(overall) + 1, overall, "missing overall score"))
            continue
        rid = (
            row[header.index("respondent")] if "respondent" in header and len(row) > header.index("respondent") else ""
        )
        score = values.pop(overall)
        out.append(Respondent(rid or str(line - 1), score, values))
    if issues:
        raise ValidationFailed(issues)
    return out
