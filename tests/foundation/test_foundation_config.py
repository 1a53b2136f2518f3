"""``cjm-sync.toml``: valid files load; secrets, unknown keys and insecure URLs are refused by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjm_sync.config import Config, find_config, load_config
from cjm_sync.errors import ConfigError, ValidationFailed

VALID = """\
[state]
url = "sqlite:///state.db"

[[journeys]]
path = "journeys/trial.yaml"
crm = ["hubspot"]
schedule = "*/15 * * * *"

[journeys.board]
connector = "miro"
target = "uXjVN1234="

[connectors.miro]
base_url = "https://api.miro.com/"
token_env = "MIRO_TOKEN"
team = "3458764512345678"

[policies]
title = "file_wins"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cjm-sync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _fails(path: Path) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    return caught.value


def test_valid_config_loads(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, VALID))
    assert isinstance(config, Config)
    [journey] = config.journeys
    assert config.journey_path(journey) == tmp_path / "journeys" / "trial.yaml"
    assert journey.board is not None
    assert journey.board.target == "uXjVN1234="
    assert journey.crm == ["hubspot"]
    miro = config.connectors["miro"]
    assert miro.base_url == "https://api.miro.com"
    assert miro.settings() == {"token_env": "MIRO_TOKEN", "team": "3458764512345678"}
    assert config.state_url() == "sqlite:///state.db"
    assert config.policies == {"title": "file_wins"}


def test_empty_config_has_local_state(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, ""))
    assert config.journeys == []
    assert config.state_url() == str(tmp_path / ".cjm-sync" / "state.db")


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[connectors.miro]\ntoken = "abc-t0ken"\n', "connectors.miro.token"),
        ('[connectors.hubspot]\nclient_secret = "s3cr3t"\n', "connectors.hubspot.client_secret"),
        ('[connectors.hubspot]\napi_key = "k3y-v4lue"\n', "connectors.hubspot.api_key"),
        ('[connectors.dynamics]\npassword = "hunter2"\n', "connectors.dynamics.password"),
        ('[connectors.miro.oauth]\nrefresh_token = "r3fr3sh-v4lue"\n', "connectors.miro.oauth.refresh_token"),
    ],
)
def test_literal_secret_is_rejected_naming_the_field(tmp_path: Path, toml: str, field: str) -> None:
    path = _write(tmp_path, toml)
    failed = _fails(path)
    [issue] = failed.issues
    assert issue.file == str(path)
    assert issue.path == field
    key = field.rsplit(".", 1)[1]
    assert f'{key}_env = "VAR_NAME"' in issue.message
    # the secret value itself is never echoed back
    value = toml.split('"')[1]
    assert value not in str(failed)


def test_env_var_names_for_secrets_are_fine(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[connectors.miro]\ntoken_env = "MIRO_TOKEN"\nclient_secret_env = "X"\n'))
    assert config.connectors["miro"].settings() == {"token_env": "MIRO_TOKEN", "client_secret_env": "X"}


def test_secret_message_is_not_mangled_by_redaction(tmp_path: Path) -> None:
    failed = _fails(_write(tmp_path, '[connectors.miro.oauth]\nrefresh_token = "r"\n'))
    assert "secrets must not be stored" in failed.message


def test_numeric_literal_secret_is_rejected(tmp_path: Path) -> None:
    failed = _fails(_write(tmp_path, "[connectors.dynamics]\npassword = 123456\n"))
    assert failed.issues[0].path == "connectors.dynamics.password"


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("stat = 1\n", "stat"),
        ('[[journeys]]\npath = "j.yaml"\nschedul = "@daily"\n', "journeys[0].schedul"),
        ('[[journeys]]\npath = "j.yaml"\n[journeys.board]\nconector = "miro"\n', "journeys[0].board.conector"),
        ('[state]\nurll = "x"\n', "state.urll"),
    ],
)
def test_unknown_key_is_rejected(tmp_path: Path, toml: str, field: str) -> None:
    failed = _fails(_write(tmp_path, toml))
    assert [i.path for i in failed.issues] == [field]


@pytest.mark.parametrize(
    "url",
    ["https://api.miro.com", "http://127.0.0.1:8765", "http://localhost:8765/v2", "http://[::1]:9000"],
)
def test_https_or_loopback_base_url_is_accepted(tmp_path: Path, url: str) -> None:
    config = load_config(_write(tmp_path, f'[connectors.miro]\nbase_url = "{url}"\n'))
    assert config.connectors["miro"].base_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://api.miro.com", "ftp://api.miro.com", "api.miro.com", "http://10.0.0.5"])
def test_plain_http_base_url_is_rejected(tmp_path: Path, url: str) -> None:
    failed = _fails(_write(tmp_path, f'[connectors.miro]\nbase_url = "{url}"\n'))
    [issue] = failed.issues
    assert issue.path == "connectors.miro.base_url"
    assert "https" in issue.message


@pytest.mark.parametrize("url", ["http://localhost.evil.com", "http://127.0.0.1.evil.com", "http://localhost@evil.com"])
def test_loopback_lookalike_hosts_are_rejected(tmp_path: Path, url: str) -> None:
    _fails(_write(tmp_path, f'[connectors.miro]\nbase_url = "{url}"\n'))


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[state]\nurl = "x"\nbroken =\n')
    failed = _fails(path)
    [issue] = failed.issues
    assert issue.file == str(path)
    assert (issue.line, issue.column) == (3, 9)
    assert "invalid TOML" in issue.message


def test_missing_explicit_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path / "nope.toml")
    assert caught.value.exit_code == 2
    assert "nope.toml" in caught.value.message


def test_find_config_uses_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config(None) is None
    _write(tmp_path, VALID)
    found = find_config(None)
    assert found is not None
    assert found.connectors["miro"].base_url == "https://api.miro.com"
    other = tmp_path / "other.toml"
    other.write_text('[state]\nurl = "from-env"\n', encoding="utf-8")
    monkeypatch.setenv("CJM_SYNC_CONFIG", str(other))
    from_env = find_config(None)
    assert from_env is not None
    assert from_env.state_url() == "from-env"
