"""Analysis commands: annotate (write the analyses onto a journey file), report, and gap (current vs future)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from cjm_sync.analysis import AnnotationChange, analyse, analysis_to_dict, annotate, gap_analysis, gap_to_dict
from cjm_sync.analysis.gap import GapReport
from cjm_sync.cli.analysis_options import analysis_inputs, analysis_options, run_analysis
from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.errors import UsageError
from cjm_sync.files import atomic_write, load_journey, save_journey
from cjm_sync.report import FORMATS, render_report


def _changed_fields(change: AnnotationChange) -> list[str]:
    before, after = change.before or {}, change.after or {}
    lines = []
    for name in sorted(set(before) | set(after)):
        if name == "computed_at" or before.get(name) == after.get(name):
            continue
        lines.append(f"      {name}: {before.get(name)!r} → {after.get(name)!r}")
    return lines


@click.command("annotate")
@click.option(
    "--journey", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True, help="Journey file."
)
@analysis_options
@click.option("--dry-run", is_flag=True, help="Show what would change; do not write the file.")
@pass_app
def annotate_cmd(app: AppContext, /, journey: Path, dry_run: bool, **flags: Any) -> None:
    """Compute importance–performance quadrants, gaps and priorities onto each touchpoint's annotations.

    Annotations are derived data: hand edits are overwritten (and listed); a rerun on the same inputs
    leaves the file byte-identical. Rules: docs/analysis.md.
    """
    inputs = analysis_inputs(app, **flags)
    loaded = load_journey(journey)
    if loaded.migrated_from and not dry_run:
        raise UsageError(
            f"{loaded.path} uses schema version {loaded.migrated_from[0]}; run `cjm-sync migrate {loaded.path}` first"
        )
    annotated, analysis, changes = run_analysis(
        annotate, loaded.journey, inputs.settings, datetime.now(UTC), inputs.respondents
    )
    written = False if dry_run else save_journey(loaded, annotated)
    summary = analysis_to_dict(annotated, analysis)
    data = {
        "journey": str(journey),
        "file_written": written,
        "changes": [{"touchpoint": c.touchpoint, "before": c.before, "after": c.after} for c in changes],
        "analysis": summary,
    }

    def text() -> str:
        cross = analysis.ipa.crosshair
        where = (
            f"{cross.policy} (importance {cross.importance:.4g}, performance {cross.performance:.4g})"
            if cross
            else "none (nothing placed)"
        )
        lines = [f"{journey}: view {inputs.settings.view.value}, crosshair {where}"]
        for c in changes:
            verb = "overwrote" if c.before else "added"
            lines.append(f"  ~ touchpoint:{c.touchpoint} annotations ({verb})")
            lines.extend(_changed_fields(c))
        for p in summary["touchpoints"]:
            lines.append(f"  {p['id']}: {p['quadrant'] or p['status']}")
        state = "would change" if dry_run else ("written" if written else "unchanged")
        lines.append(f"{len(changes)} touchpoint(s) with changed annotations; file {state}.")
        return "\n".join(lines)

    app.emit(data, text)


def _gap_text(report: GapReport) -> str:
    lines = [f"GAP {report.current} → {report.future}"]
    for group, entities in (("Stages", report.stages), ("Touchpoints", report.touchpoints)):
        lines.append(f"{group}:")
        for e in entities:
            if e.status == "unchanged":
                continue
            extra = ""
            if e.replaced_by:
                extra = f" by {', '.join(e.replaced_by)}"
            elif e.replaces:
                extra = f" (replaces {', '.join(e.replaces)})"
            lines.append(f"  {e.status:8} {e.id}{extra}")
            lines.extend(f"      {d.field}: {d.current!r} → {d.future!r}" for d in e.fields)
    lines.append("Targets:")
    for t in report.targets:
        unit = f" {t.unit}" if t.unit else ""
        lines.append(
            f"  {t.opportunity}: {t.metric} current {t.current}{unit} ({t.current_source}), "
            f"target {t.target}{unit}, distance {t.distance}"
        )
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines)


@click.command("gap")
@click.argument("current", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("future", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_app
def gap_cmd(app: AppContext, /, current: Path, future: Path) -> None:
    """GAP analysis: what FUTURE (a future-state map) adds, removes, replaces or changes vs CURRENT,
    and each opportunity target's current value, target and distance."""
    report = gap_analysis(load_journey(current).journey, load_journey(future).journey)
    app.emit(gap_to_dict(report), lambda: _gap_text(report))


@click.command("report")
@click.option(
    "--journey", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True, help="Journey file."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True, help="Report format.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Where to write it (default: stdout)."
)
@analysis_options
@pass_app
def report_cmd(app: AppContext, /, journey: Path, fmt: str, output: Path | None, **flags: Any) -> None:
    """Analysis report: IPA matrix, emotion curve, stage funnel, ranked pain points, bottlenecks,
    moments of truth, action plan, data freshness and the source of every number.

    HTML is one self-contained file (no network needed); md, json and csv carry the same analysis.
    The journey file is not changed.
    """
    inputs = analysis_inputs(app, **flags)
    loaded = load_journey(journey)
    analysis = run_analysis(analyse, loaded.journey, inputs.settings, inputs.respondents)
    text = render_report(loaded.journey, analysis, fmt, datetime.now(UTC))
    if output is None:
        click.echo(text, nl=False)
        return
    atomic_write(output, text)
    app.emit({"journey": str(journey), "format": fmt, "output": str(output)}, f"wrote {output} ({fmt})")
