"""CRM connectors from the CLI: open one by name, ``discover <crm>``, ``pull <crm>`` (metrics only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click

from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.jobs import open_state, state_dir
from cjm_sync.engine import SyncEngine, SyncReport, SyncRequest
from cjm_sync.engine.crm_step import journey_links
from cjm_sync.engine.inbox import InboxEvent
from cjm_sync.engine.suggest import suggest_mapping
from cjm_sync.errors import UsageError
from cjm_sync.files import load_journey
from cjm_sync.plugins import (
    Capability,
    ConnectorKind,
    CrmConnector,
    DiscoverRequest,
    Window,
    load_connector,
    require,
)


def is_crm(name: str) -> bool:
    """Whether the installed connector ``name`` is a CRM source (``UsageError`` if it is not installed)."""
    return getattr(load_connector(name), "kind", None) is ConnectorKind.CRM


def window_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--window`` and ``--as-of`` for commands that read CRM metrics."""
    for option in reversed(
        [
            click.option("--window", help="Metric window: ISO duration (P30D) or short form (30d). Default 30 days."),
            click.option("--as-of", "as_of", help="Window end, ISO UTC, e.g. 2026-11-01T00:00:00Z; default now."),
        ]
    ):
        func = option(func)
    return func


@contextmanager
def open_crm(app: AppContext, name: str, *, sandbox: bool) -> Iterator[CrmConnector]:
    """An instance of CRM connector ``name`` from config and environment (``--sandbox``: its emulator)."""
    factory = load_connector(name)
    if getattr(factory, "kind", None) is not ConnectorKind.CRM:
        raise UsageError(f"connector '{name}' is not a CRM connector")
    config = app.config()
    options: dict[str, Any] = {}
    if config is not None and name in config.connectors:
        section = config.connectors[name]
        options = {**section.settings(), **({"base_url": section.base_url} if section.base_url else {})}
    if sandbox:
        options = {**options, "sandbox": True, "sandbox_dir": str(state_dir(app))}
    connector: CrmConnector = factory.from_config(options)
    try:
        yield connector
    finally:
        connector.close()


@contextmanager
def open_crms(app: AppContext, names: Sequence[str], *, sandbox: bool) -> Iterator[list[CrmConnector]]:
    """Every CRM connector in ``names`` (deduplicated, in order), closed together."""
    with ExitStack() as stack:
        yield [stack.enter_context(open_crm(app, n, sandbox=sandbox)) for n in dict.fromkeys(names)]


def metrics_text(report: SyncReport) -> str:
    """Human summary of a CRM pull's metric changes."""
    lines = [f"{report.journey} ← {report.connector} ({report.mode})"]
    if not report.metric_changes:
        lines.append("  metrics unchanged")
    for change in report.metric_changes:
        if change.key.startswith("inbox:"):  # shown as inbox events below
            continue
        for fc in change.fields:
            old, new = _metric_summary(fc.old), _metric_summary(fc.new)
            if old == new:  # the same values over a moved window: say so rather than print them twice
                lines.append(f"  ~ {change.key}.{fc.field}: values unchanged ({new}), window now {_window(fc.new)}")
            else:
                lines.append(f"  ~ {change.key}.{fc.field}: {old} → {new}")
    lines += inbox_lines(report.inbox)
    lines.extend(f"  note: {n}" for n in report.notes)
    calls = report.api_calls.get("calls")
    if report.applied:
        lines.append(f"Applied: file {'written' if report.file_written else 'unchanged'}, {calls} API call(s).")
    else:
        lines.append(f"Plan only: nothing written ({calls} API call(s) to read).")
    return "\n".join(lines)


def inbox_lines(events: Sequence[InboxEvent]) -> list[str]:
    """The inbox part of a plan: one line per event, volume updates counted in one line."""
    if not events:
        return []
    lines = ["Inbox (CRM touchpoint keys the map does not use yet, docs/crm.md):"]
    lines += [f"  {e.text()}" for e in events if e.event != "volume"]
    volumes = sum(1 for e in events if e.event == "volume")
    if volumes:
        lines.append(f"  ~ {volumes} volume(s) updated")
    return lines


def _window(value: Any) -> str:
    """The provenance window of a metric list's first value (``?`` when there is none)."""
    first = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}
    provenance = first.get("provenance")
    return str(provenance.get("window") or "?") if isinstance(provenance, dict) else "?"


def _metric_summary(value: Any) -> str:
    if not isinstance(value, list):
        return "—" if value is None else str(value)
    parts = [f"{m.get('id')}={m.get('value')}" for m in value if isinstance(m, dict)]
    return ", ".join(parts) or "[]"


def run_crm_pull(
    app: AppContext,
    *,
    name: str,
    journey: Path | None,
    window: Window,
    full: bool,
    dry_run: bool,
    sandbox: bool,
    wait: bool,
    wait_timeout: float,
) -> SyncReport:
    """``cjm-sync pull <crm>``: metrics into the journey file under the lock, one run record."""
    from cjm_sync.cli.commands_sync import report_dict  # noqa: PLC0415 - avoids an import cycle

    path = journey or _configured_journey(app)
    store = open_state(app)
    try:
        with open_crm(app, name, sandbox=sandbox) as crm:
            app.info(f"pull: {path} ← {name} …")
            report = SyncEngine(store, None, crms=[crm]).run(
                SyncRequest(
                    journey_path=path,
                    target="",
                    command="pull",
                    write_board=False,
                    dry_run=dry_run,
                    wait=wait,
                    wait_timeout=wait_timeout,
                    window=window,
                    full=full,
                )
            )
    finally:
        store.close()
    app.emit({**report_dict(report), "window": window.iso()}, lambda: metrics_text(report))
    return report


def _configured_journey(app: AppContext) -> Path:
    config = app.config()
    if config is None or len(config.journeys) != 1:
        raise UsageError("no journey given: pass --journey FILE")
    return config.journey_path(config.journeys[0])


@click.command("discover")
@click.argument("crm")
@click.option("--journey", type=click.Path(path_type=Path, dir_okay=False), help="Suggest a mapping for this journey.")
@window_options
@click.option("--sandbox", is_flag=True, help="Use the built-in emulator instead of the vendor API (no credentials).")
@pass_app
def discover_cmd(
    app: AppContext, /, crm: str, journey: Path | None, window: str | None, as_of: str | None, sandbox: bool
) -> None:
    """List a CRM's stages (in order) and touchpoint keys with volumes; with --journey, suggest a mapping."""
    span = Window.from_options(window, as_of)
    loaded = load_journey(journey) if journey is not None else None
    with open_crm(app, crm, sandbox=sandbox) as connector:
        require(crm, connector.capabilities, Capability.DISCOVER, "discover")
        links = journey_links(loaded.journey, crm) if loaded else ()
        found = connector.discover(DiscoverRequest(span, links))
        calls = connector.api_calls()
    data: dict[str, Any] = {
        "connector": crm,
        "window": span.iso(),
        "previous_window": span.previous.iso(),
        "stages": [s.to_dict() for s in found.stages],
        "touchpoints": [t.to_dict() for t in found.touchpoints],
        "warnings": found.warnings,
        "api_calls": calls,
    }
    if loaded is not None:
        data.update(suggest_mapping(found, loaded.journey))
    app.emit(data, lambda: _discover_text(data))


def _discover_text(data: dict[str, Any]) -> str:
    lines = [f"{data['connector']}: window {data['window']}", "Stages:"]
    group = None
    for stage in data["stages"]:
        if stage.get("group") != group:
            group = stage.get("group")
            lines.append(f"  {group}")
        lines.append(
            f"    {stage['order']:>3}  {stage['key']:<55} {stage['label']}  ({stage['metric']} {stage['entered']})"
        )
    lines.append("Touchpoints:")
    for tp in data["touchpoints"]:
        lines.append(f"  {tp['key']:<50} {tp['label']:<35} {tp['count']:>7} (previous {tp['count_previous']})")
    for suggestion in data.get("suggestions", []):
        lines.append(f"  suggest: {suggestion['key']} → {suggestion['entity']} ({suggestion['reason']})")
    if "unassigned" in data:
        lines.append("Unassigned (no stage or touchpoint uses them):")
        lines.extend(f"  {key}" for key in data["unassigned"] or ["none"])
    lines.extend(f"warning: {w}" for w in data["warnings"])
    lines.append(f"{data['api_calls'].get('calls', 0)} API call(s).")
    return "\n".join(lines)
