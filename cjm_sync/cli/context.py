"""Per-invocation settings shared by every command (global options) and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from cjm_sync.cli.logs import json_log_line
from cjm_sync.config import Config, find_config


@dataclass
class AppContext:
    """Global options of one ``cjm-sync`` invocation."""

    config_path: Path | None = None
    json_output: bool = False
    verbosity: int = 0
    log_format: str = "text"
    _config: Config | None = None
    _config_loaded: bool = False

    def config(self) -> Config | None:
        """The loaded config file, if any (loaded once, validated)."""
        if not self._config_loaded:
            self._config = find_config(self.config_path)
            self._config_loaded = True
        return self._config

    def emit(self, data: dict[str, Any], text: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON with ``--json``, else the human text."""
        if self.json_output:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        rendered = text() if callable(text) else text
        if rendered and self.verbosity >= 0:
            click.echo(rendered)

    def info(self, message: str) -> None:
        """Progress/info line on stderr (silent with --quiet or --json)."""
        if self.verbosity >= 0 and not self.json_output:
            click.echo(json_log_line("info", message) if self.log_format == "json" else message, err=True)


pass_app = click.make_pass_decorator(AppContext, ensure=True)
