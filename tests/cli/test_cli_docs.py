"""Every command has help and is in the README's CLI reference; every connector entry point loads."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cjm_sync.cli.main import cli
from cjm_sync.plugins import available_connectors, load_connector

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{path} "))
    return found


@pytest.mark.parametrize(("path", "command"), _commands(cli), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_help_and_is_documented(path: str, command: click.Command) -> None:
    assert command.help, f"`cjm-sync {path}` has no help text"
    assert re.search(rf"`{re.escape(path)}( |`)", README), f"`cjm-sync {path}` is missing from the README"


def test_builtin_connectors_are_found_through_the_entry_point_group() -> None:
    assert "miro" in available_connectors()
    connector = load_connector("miro")
    assert connector.name == "miro"
    assert {c.value for c in connector.capabilities} >= {"read", "write"}
