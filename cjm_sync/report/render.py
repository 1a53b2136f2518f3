"""Render the report in one of :data:`FORMATS` (text out; the CLI writes it)."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
from datetime import datetime
from typing import Any, Final

from cjm_sync.analysis import JourneyAnalysis, analysis_to_dict
from cjm_sync.report.context import Num, build_context, freshness
from cjm_sync.report.untrusted import csv_text, display_text
from cjm_sync.schema import Journey

FORMATS: Final = ("html", "md", "json", "csv")
CSV_COLUMNS: Final = (
    "id",
    "title",
    "stage",
    "status",
    "view",
    "quadrant",
    "importance",
    "performance",
    "diagonal_gap",
    "importance_source",
    "performance_source",
    "priority",
    "importance_gap",
    "performance_gap",
)


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` in the template: text loses bidi controls (:func:`display_text`); markup
    we made (``Markup``, our SVG) passes as is."""
    from markupsafe import Markup  # noqa: PLC0415 - Jinja2's own dependency, only the HTML report needs it

    return display_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _html(journey: Journey, analysis: JourneyAnalysis, generated_at: datetime) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined  # noqa: PLC0415 - only the HTML report needs it

    env = Environment(
        loader=PackageLoader("cjm_sync.report", "templates"),
        autoescape=True,  # board text is untrusted: every value is escaped unless marked safe (our SVG)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_shown,
    )
    return env.get_template("report.html.j2").render(**build_context(journey, analysis, generated_at))


def _md_cell(value: Any) -> str:
    if isinstance(value, Num):
        return f"{value.text}[^{value.note}]" if value.text != "—" else "—"
    text = display_text(str(value if value is not None else "—"))
    # board text is untrusted: no raw HTML reaches a Markdown renderer, no cell breaks the table
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _markdown(journey: Journey, analysis: JourneyAnalysis, generated_at: datetime) -> str:
    ctx = build_context(journey, analysis, generated_at)
    s = ctx["settings"]
    out = [
        f"# {_md_cell(journey.title)}",
        "",
        f"Generated {ctx['generated_at']} · view {s['view']}, crosshair {s['crosshair']}, min sample {s['min_sample']}",
        "",
        "## Importance × Performance",
        "",
    ]
    out += _md_table(
        [
            "Touchpoint",
            "Stage",
            "View",
            "Importance",
            "Performance",
            "Quadrant",
            "Imp − perf",
            "Imp. ext − int",
            "Perf. ext − int",
        ],
        [
            [
                r["title"],
                r["stage"],
                r["view"],
                r["importance"],
                r["performance"],
                r["quadrant"],
                r["diagonal_gap"],
                r["importance_gap"],
                r["performance_gap"],
            ]
            for r in ctx["ipa_rows"]
        ],
    )
    out += ["## Stage funnel", ""]
    out += _md_table(
        ["Stage", "Entered", "Conversion", "Drop-off"],
        [[r["title"], r["entered"], r["conversion"], r["drop_off"]] for r in ctx["funnel_rows"]],
    )
    out += ["## Pain points by priority", ""]
    out += _md_table(
        ["#", "Pain point", "Stage", "Frequency", "Severity", "Priority"],
        [[r["rank"], r["title"], r["stage"], r["frequency"], r["severity"], r["priority"]] for r in ctx["pain_rows"]],
    )
    out += [f"- Unscored: {_md_cell(u['title'])} (missing {u['missing']})" for u in ctx["unscored"]]
    out += ["", "## Bottlenecks", ""]
    out += _md_table(["Stage", "Drop-off"], [[f["title"], f["value"]] for f in ctx["drop_off"]])
    out += _md_table(["Stage", "Time in stage"], [[f["title"], f["value"]] for f in ctx["time_in_stage"]])
    out += _md_table(
        ["Where", "Metric", "Previous", "Current", "Change", "Change %"],
        [[w["title"], w["metric"], w["previous"], w["current"], w["change"], w["change_pct"]] for w in ctx["worsened"]],
    )
    out += ["## Moments of truth", ""]
    out += [
        f"- {_md_cell(m.title)} ({'suggested' if m.suggested else 'flagged'}): {_md_cell('; '.join(m.reasons))}"
        for m in ctx["moments"]
    ]
    out += ["", "## Action plan", ""]
    for a in ctx["actions"]:
        out.append(f"- **{_md_cell(a['title'])}** — {a['why']}; owner: {_md_cell(a['owner'])}")
        for o in a["opportunities"]:
            team, target = _md_cell(o["owner_team"]), _md_cell(o["target"])
            out.append(f"  - {_md_cell(o['title'])}: {_md_cell(o['action'])} ({team}, {target})")
        out += [f"  - ⚠ {c}" for c in a["callouts"]]
    out += ["", "## Data freshness", ""]
    out += _md_table(
        ["Source", "Values", "Oldest", "Newest"], [[f.source, f.values, f.oldest, f.newest] for f in ctx["freshness"]]
    )
    out += [f"[^{i}]: {_md_cell(text)}" for i, text in enumerate(ctx["sources"], start=1)]
    return "\n".join(out) + "\n"


def _csv(journey: Journey, analysis: JourneyAnalysis) -> str:
    data = analysis_to_dict(journey, analysis)
    stages = {t.id: t.stage for t in journey.touchpoints}
    priorities = analysis.pain_points.by_touchpoint()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in data["touchpoints"]:
        cells = {**row, "stage": stages[row["id"]], "priority": priorities.get(row["id"])}
        writer.writerow({key: csv_text(value) for key, value in cells.items()})
    return buffer.getvalue()


def render_report(journey: Journey, analysis: JourneyAnalysis, fmt: str, generated_at: datetime) -> str:
    """The report as text in ``fmt`` (one of :data:`FORMATS`; ValueError otherwise).

    ``json``: the analysis (:func:`~cjm_sync.analysis.analysis_to_dict`) plus ``generated_at`` and
    ``freshness``; ``csv``: one row per touchpoint (:data:`CSV_COLUMNS`).
    """
    if fmt == "html":
        return _html(journey, analysis, generated_at)
    if fmt == "md":
        return _markdown(journey, analysis, generated_at)
    if fmt == "json":
        data = analysis_to_dict(journey, analysis)
        data["generated_at"] = generated_at.isoformat(timespec="seconds")
        data["freshness"] = [dataclasses.asdict(f) for f in freshness(journey)]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(journey, analysis)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
