"""OAuth token state and where rotated tokens are persisted.

A refresh that rotates both tokens invalidates the old pair at once, so new tokens are written
atomically (temp file + ``os.replace``, mode 0600) outside the repository, by default under
``$XDG_STATE_HOME/cjm-sync/`` or ``~/.local/state/cjm-sync/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cjm_sync.errors import ConfigError, register_secret


@dataclass(frozen=True)
class OAuthTokens:
    """An access/refresh token pair; ``expires_at`` is epoch seconds (``None``: never expires)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float | None = None

    def __post_init__(self) -> None:
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def is_expired(self, now: float | None = None, skew_seconds: float = 60.0) -> bool:
        """Whether the access token expires within ``skew_seconds`` of ``now``."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at - skew_seconds

    @classmethod
    def from_token_response(
        cls, body: Mapping[str, object], now: float, previous: OAuthTokens | None = None
    ) -> OAuthTokens:
        """Build from a token endpoint's JSON (``access_token``, ``refresh_token``, ``expires_in``).

        A response without ``refresh_token`` keeps the previous one (providers that do not rotate).
        """
        access = body.get("access_token")
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        expires_in = body.get("expires_in")
        if not isinstance(access, str) or not access or not isinstance(refresh, str):
            raise ValueError("the token response lacks access_token or refresh_token")
        expires_at = now + float(expires_in) if isinstance(expires_in, int | float | str) else None
        return cls(access, refresh, expires_at)

    def to_json(self) -> dict[str, object]:
        """Serialisable form (contains secrets: only for a token store)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
        }


class TokenStore(Protocol):
    """Where an installation's tokens live between runs."""

    def load(self) -> OAuthTokens | None:
        """The stored tokens, or ``None`` if there are none yet."""
        ...

    def save(self, tokens: OAuthTokens) -> None:
        """Persist ``tokens`` atomically, replacing the previous pair."""
        ...


class MemoryTokenStore:
    """Keeps tokens in memory only (tests, short-lived runs)."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self._tokens = tokens

    def load(self) -> OAuthTokens | None:
        """The tokens saved last."""
        return self._tokens

    def save(self, tokens: OAuthTokens) -> None:
        """Replace the tokens."""
        self._tokens = tokens

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_tokens={self._tokens is not None})"


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/cjm-sync`` (if set and absolute), else ``~/.local/state/cjm-sync``."""
    xdg = os.environ.get("XDG_STATE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / "cjm-sync"


class FileTokenStore:
    """Tokens in a JSON file with mode 0600, replaced atomically on every save."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def for_installation(cls, name: str) -> FileTokenStore:
        """The default file for one installation, e.g. ``"<connector>-<team id>"``."""
        return cls(default_state_dir() / f"{name}.tokens.json")

    def load(self) -> OAuthTokens | None:
        """Read the tokens; ``None`` if the file does not exist."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            expires_at = data.get("expires_at")
            return OAuthTokens(
                str(data["access_token"]),
                str(data["refresh_token"]),
                None if expires_at is None else float(expires_at),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"cannot read the token file {self.path}: {type(exc).__name__}",
                hint="re-authorise the connector to write a new token file",
            ) from exc

    def save(self, tokens: OAuthTokens) -> None:
        """Write to a temp file (0600) in the same directory, fsync, then ``os.replace`` it over the file."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(tokens.to_json(), fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"
