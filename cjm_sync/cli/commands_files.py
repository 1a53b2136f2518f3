"""Commands that work on journey files alone: init, validate, schema, fmt, migrate."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.config import load_config
from cjm_sync.errors import EXIT_FAILURE, ConfigError, Issue, UsageError, ValidationFailed
from cjm_sync.files import atomic_write, file_format, load_journey, render_journey
from cjm_sync.files.journey_file import LoadedJourney, journey_data
from cjm_sync.files.yaml_doc import update_node
from cjm_sync.schema import CURRENT_SCHEMA_VERSION, Journey, MapType
from cjm_sync.templates import MAP_TYPE_NAMES, starter_journey

_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))


@click.command("init")
@click.option(
    "--type",
    "map_type",
    type=click.Choice([t.value for t in MapType]),
    default=MapType.CURRENT_STATE.value,
    show_default=True,
    help="Kind of map.",
)
@click.option("--title", help="Journey title (any language).")
@click.option("--persona", help="Name of the persona the map follows.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (.yaml or .json).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_app
def init_cmd(
    app: AppContext, map_type: str, title: str | None, persona: str | None, output: Path | None, force: bool
) -> None:
    """Write a starter journey with stages, lanes and a persona that fit the map type."""
    journey = starter_journey(MapType(map_type), title, persona)
    path = output or Path(f"{journey.id}.yaml")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    fmt = file_format(path)
    document = None
    if fmt == "yaml":
        document = update_node(None, journey_data(journey))
        document.yaml_set_start_comment(
            f"{journey.title} — {MAP_TYPE_NAMES[MapType(map_type)]} journey map.\n"
            "Validate with `cjm-sync validate`; editor schema: `cjm-sync schema`."
        )
    atomic_write(path, render_journey(journey, fmt=fmt, document=document))
    app.emit({"ok": True, "path": str(path), "map_type": map_type, "id": journey.id}, f"wrote {path}")


def is_config_file(path: Path) -> bool:
    """Whether ``validate`` should check ``path`` as a config file (``cjm-sync.toml`` or any ``.toml``)."""
    return path.suffix.lower() == ".toml"


def _validate_config(path: Path) -> None:
    """Check a config file; :class:`ValidationFailed` names the file, line and field path."""
    try:
        load_config(path)
    except ConfigError as error:
        raise ValidationFailed([Issue(str(path), None, None, "", "file not found")]) from error


@click.command("validate")
@_paths
@pass_app
def validate_cmd(app: AppContext, paths: tuple[Path, ...]) -> None:
    """Check journey files (schema, cross-references, scales) and config files (``*.toml``).

    Errors name file:line:column and field.
    """
    issues: list[Issue] = []
    results = []
    for path in paths:
        try:
            note = None
            if is_config_file(path):
                _validate_config(path)
            else:
                note = _old_version_note(load_journey(path))
        except ValidationFailed as failed:
            issues.extend(failed.issues)
            results.append({"path": str(path), "ok": False, "issues": [i.to_dict() for i in failed.issues]})
            continue
        result = {"path": str(path), "ok": True, "warnings": [note] if note else []}
        results.append({**result, "kind": "config"} if is_config_file(path) else result)
        if note:
            app.info(f"warning: {note}")
    if issues:
        if app.json_output:
            app.emit({"ok": False, "files": results})
            raise SystemExit(ValidationFailed.exit_code)
        raise ValidationFailed(issues)
    app.emit({"ok": True, "files": results}, "\n".join(f"{p}: ok" for p in paths))


def _old_version_note(loaded: LoadedJourney) -> str | None:
    if not loaded.migrated_from:
        return None
    return (
        f"{loaded.path} uses schema version {loaded.migrated_from[0]}; "
        f"run `cjm-sync migrate {loaded.path}` to upgrade it to {CURRENT_SCHEMA_VERSION}"
    )


def journey_json_schema() -> dict[str, object]:
    """The JSON Schema of a journey file."""
    schema = Journey.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cjm-sync.dev/schema/journey.json",
        **schema,
    }


@click.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of journey files (for editor completion and CI checks)."""
    click.echo(json.dumps(journey_json_schema(), ensure_ascii=False, indent=2))


@click.command("fmt")
@_paths
@click.option("--check", is_flag=True, help="Change nothing; exit 1 and list files that are not canonical.")
@pass_app
def fmt_cmd(app: AppContext, paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite journey files in canonical form (comments and key order are kept)."""
    changed: list[str] = []
    for path in paths:
        loaded = load_journey(path)
        if loaded.migrated_from:
            raise UsageError(_old_version_note(loaded) or "old schema version")
        text = render_journey(loaded.journey, fmt=loaded.format, document=loaded.document)
        if text.encode("utf-8") == path.read_bytes():
            continue
        changed.append(str(path))
        if not check:
            atomic_write(path, text, expected_sha256=loaded.sha256)
    verb = "would reformat" if check else "reformatted"
    app.emit(
        {"ok": not (check and changed), "changed": changed, "check": check},
        "\n".join(f"{verb} {p}" for p in changed) or f"{len(paths)} file(s) already canonical",
    )
    if check and changed:
        raise SystemExit(EXIT_FAILURE)


@click.command("migrate")
@_paths
@pass_app
def migrate_cmd(app: AppContext, paths: tuple[Path, ...]) -> None:
    """Upgrade journey files written in an older schema version to the current one."""
    upgraded = []
    for path in paths:
        loaded = load_journey(path)
        if not loaded.migrated_from:
            continue
        atomic_write(
            path,
            render_journey(loaded.journey, fmt=loaded.format, document=loaded.document),
            expected_sha256=loaded.sha256,
        )
        upgraded.append({"path": str(path), "from": loaded.migrated_from[0], "to": CURRENT_SCHEMA_VERSION})
    app.emit(
        {"ok": True, "upgraded": upgraded},
        "\n".join(f"upgraded {u['path']}: schema {u['from']} → {u['to']}" for u in upgraded) or "nothing to migrate",
    )
