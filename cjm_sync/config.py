"""``cjm-sync.toml``: journeys, connectors (base URLs, credentials named by env var), policies.

Secrets never live in this file: connector tables name the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cjm_sync.analysis.settings import DEFAULT_MIN_SAMPLE, parse_crosshair
from cjm_sync.config_lines import toml_line
from cjm_sync.errors import ConfigError, Issue, ValidationFailed
from cjm_sync.files.locations import format_path
from cjm_sync.http.origin import BaseUrlError, check_base_url
from cjm_sync.plugins.targets import InvalidTarget, normalise_target

CONFIG_FILENAME = "cjm-sync.toml"
LOCAL_STATE_DIR = ".cjm-sync"
_SECRET_WORDS = ("token", "secret", "password", "apikey", "api_key")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What an environment variable's name may be (POSIX shells: letters, digits, ``_``; no leading digit)."""


class ConnectorConfig(BaseModel):
    """Settings of one connector; ``*_env`` keys name environment variables holding credentials."""

    model_config = ConfigDict(extra="allow")

    base_url: str | None = None

    @field_validator("base_url")
    @classmethod
    def _https_or_loopback(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            return check_base_url(value, source="base_url")
        except BaseUrlError as exc:
            raise ValueError(exc.message.removeprefix("base_url: ")) from None

    def settings(self) -> dict[str, Any]:
        """Connector-specific keys (everything but ``base_url``)."""
        return dict(self.model_extra or {})


class BoardBinding(BaseModel):
    """Which whiteboard a journey syncs with."""

    model_config = ConfigDict(extra="forbid")

    connector: str = "miro"
    target: str | None = Field(default=None, description="Board id; empty until the first push creates one.")
    token_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding this board's access token (default: the "
        "connector's own, e.g. MIRO_ACCESS_TOKEN). The token itself never goes in the config.",
    )

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.fullmatch(value):
            # the value is not echoed: a token pasted here by mistake must not reach the terminal
            raise ValueError(
                "not an environment variable name (letters, digits and _, not starting with a digit): "
                "write the NAME of the variable that holds the token, never the token itself"
            )
        return value

    @field_validator("target")
    @classmethod
    def _one_spelling(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            return normalise_target(value, source="target")
        except InvalidTarget as exc:
            raise ValueError(exc.message.removeprefix("target: ")) from None


class JourneyConfig(BaseModel):
    """One journey the config manages."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    board: BoardBinding | None = None
    crm: list[str] = Field(default_factory=list)
    schedule: str | None = Field(default=None, description="Cron expression, for the scheduling recipes.")


class StateConfig(BaseModel):
    """Where the state store lives."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None


class AnalysisConfig(BaseModel):
    """``[analysis]``: how annotate, sync and report analyse journeys (docs/analysis.md)."""

    model_config = ConfigDict(extra="forbid")

    view: Literal["external", "internal"] = "external"
    crosshair: str | list[float] = Field(default="data", description="'data', 'scale' or [importance, performance].")
    min_sample: int = Field(default=DEFAULT_MIN_SAMPLE, ge=1)
    derived: Literal["correlation", "regression"] = "correlation"
    responses: Path | None = Field(default=None, description="CSV of respondent-level scores (derived importance).")

    @field_validator("crosshair")
    @classmethod
    def _crosshair(cls, value: str | list[float]) -> str | list[float]:
        parse_crosshair(value)
        return value


class SyncConfig(BaseModel):
    """How runs behave (``[sync]``)."""

    model_config = ConfigDict(extra="forbid")

    allow_mass_delete: bool = Field(
        default=False,
        description="Apply runs that delete more than half of a journey's entities (or more than 20) on one side.",
    )


class Config(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid")

    state: StateConfig = Field(default_factory=StateConfig)
    journeys: list[JourneyConfig] = Field(default_factory=list)
    connectors: dict[str, ConnectorConfig] = Field(default_factory=dict)
    policies: dict[str, str] = Field(default_factory=dict)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    base_dir: Path = Field(default=Path("."), exclude=True)

    def state_url(self) -> str:
        """The state store location: the configured URL, else ``.cjm-sync/state.db`` beside the config."""
        return self.state.url or str(self.base_dir / LOCAL_STATE_DIR / "state.db")

    def journey_path(self, journey: JourneyConfig) -> Path:
        """A journey's path resolved against the config file's directory."""
        return journey.path if journey.path.is_absolute() else self.base_dir / journey.path


def _secret_issues(name: str, text: str, data: Any, path: tuple[str | int, ...] = ()) -> list[Issue]:
    issues: list[Issue] = []
    if isinstance(data, dict):
        for key, value in data.items():
            lowered = str(key).lower()
            if (
                isinstance(value, str | int | float)
                and not isinstance(value, bool)
                and any(word in lowered for word in _SECRET_WORDS)
                and not lowered.endswith("_env")
            ):
                issues.append(
                    Issue(
                        name,
                        toml_line(text, (*path, key)),
                        None,
                        format_path((*path, key)),
                        f"secrets must not be stored in the config file; put the value in an environment "
                        f'variable and write `{key}_env = "VAR_NAME"` instead',
                    )
                )
            issues.extend(_secret_issues(name, text, value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            issues.extend(_secret_issues(name, text, value, (*path, index)))
    return issues


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text and data of TOML file ``path``; every failure is an :class:`Issue` naming the file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {name} not found") from None
    except OSError as exc:
        raise ValidationFailed([Issue(name, None, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationFailed([Issue(name, line, None, "", "not valid UTF-8 text (save the file as UTF-8)")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc)).strip()
        issue = Issue(name, None, None, "", f"invalid TOML: {message}")
        if found:
            issue = Issue(name, int(found[1]), int(found[2]), "", issue.message)
        raise ValidationFailed([issue]) from None


def load_config(path: Path) -> Config:
    """Read and validate a config file.

    Raises :class:`ConfigError` when it does not exist and :class:`ValidationFailed` for anything
    wrong in it, each issue naming the file, line (where TOML gives one) and field path
    (``journeys[0].board.target``).
    """
    name = str(path)
    text, raw = _read_toml(path)
    secret_issues = _secret_issues(name, text, raw)
    if secret_issues:
        raise ValidationFailed(secret_issues)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            message = "unknown field (check the spelling)" if err["type"] == "extra_forbidden" else err["msg"]
            issues.append(Issue(name, toml_line(text, loc), None, format_path(loc), message))
        raise ValidationFailed(issues) from None
    config.base_dir = path.parent
    return config


def find_config(explicit: Path | None) -> Config | None:
    """The config named by ``--config``/``CJM_SYNC_CONFIG``, else ``cjm-sync.toml`` here, else None."""
    if explicit is not None:
        return load_config(explicit)
    env = os.environ.get("CJM_SYNC_CONFIG")
    if env:
        return load_config(Path(env))
    default = Path(CONFIG_FILENAME)
    return load_config(default) if default.exists() else None
