"""Miro connection settings, read from the environment, and the ``httpx.Auth`` they call for."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from cjm_sync.errors import ConfigError
from cjm_sync.http import BearerAuth, FileTokenStore, OAuth2RefreshAuth, OAuthTokens, TokenStore
from cjm_sync.http.origin import check_base_url
from cjm_sync.plugins.targets import normalise_target

TOKEN_ENV = "MIRO_ACCESS_TOKEN"  # noqa: S105 - a variable name
BASE_URL_ENV = "CJM_MIRO_BASE_URL"
BOARD_ENV = "CJM_MIRO_BOARD_ID"
CLIENT_ID_ENV = "MIRO_CLIENT_ID"
CLIENT_SECRET_ENV = "MIRO_CLIENT_SECRET"  # noqa: S105 - the name of a variable, not a secret
REFRESH_TOKEN_ENV = "MIRO_REFRESH_TOKEN"  # noqa: S105
DEFAULT_BASE_URL = "https://api.miro.com"
TOKEN_PATH = "/v1/oauth/token"  # noqa: S105 - a path; the refresh goes to the configured base, never elsewhere


class MiroSettings(BaseModel):
    """Where the board is and how to authenticate: a static token, or OAuth refresh credentials.

    ``base_url`` passes :func:`~cjm_sync.http.origin.check_base_url` (https, or http to loopback only;
    :class:`~cjm_sync.http.origin.BaseUrlError` otherwise); the OAuth refresh goes to ``base_url`` +
    ``/v1/oauth/token``, so a sandbox base never leaks a refresh token to the real host.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = DEFAULT_BASE_URL
    board_id: str | None = None
    access_token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None

    @field_validator("base_url")
    @classmethod
    def _safe_base(cls, value: str) -> str:
        return check_base_url(value, source="Miro base URL")

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint on the configured host (``https://api.miro.com/v1/oauth/token`` by default)."""
        return f"{self.base_url}{TOKEN_PATH}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MiroSettings:
        """Settings from ``CJM_MIRO_BASE_URL``, ``CJM_MIRO_BOARD_ID``, ``MIRO_ACCESS_TOKEN`` or the
        ``MIRO_CLIENT_ID``/``MIRO_CLIENT_SECRET``/``MIRO_REFRESH_TOKEN`` trio."""
        env = os.environ if env is None else env
        base_url = env.get(BASE_URL_ENV)

        def secret(name: str) -> SecretStr | None:
            return SecretStr(env[name]) if env.get(name) else None

        return cls(
            base_url=check_base_url(base_url, source=BASE_URL_ENV) if base_url else DEFAULT_BASE_URL,
            board_id=normalise_target(env[BOARD_ENV], source=BOARD_ENV) if env.get(BOARD_ENV) else None,
            access_token=secret(TOKEN_ENV),
            client_id=env.get(CLIENT_ID_ENV) or None,
            client_secret=secret(CLIENT_SECRET_ENV),
            refresh_token=secret(REFRESH_TOKEN_ENV),
        )

    def fingerprint(self) -> str:
        """16 hex characters naming the credential (SHA-256 of the static token, else of the OAuth client
        id): two settings with the same fingerprint write as the same Miro user. Never the secret."""
        if self.access_token is not None:
            material = "token:" + self.access_token.get_secret_value()
        else:
            material = f"oauth:{self.client_id or ''}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]

    def auth(self, store: TokenStore | None = None) -> httpx.Auth:
        """The bearer auth for the static token, else OAuth2 refresh auth; ``ConfigError`` when neither is set.

        Rotated OAuth tokens live in ``store`` (default: a per-client file under the state directory) and
        win over ``MIRO_REFRESH_TOKEN``, which stops working after the first rotation.
        """
        if self.access_token is not None:
            return BearerAuth(self.access_token.get_secret_value())
        if self.client_id and self.client_secret and self.refresh_token:
            store = store or FileTokenStore.for_installation(f"miro-{self.client_id}")
            tokens = store.load() or OAuthTokens("", self.refresh_token.get_secret_value(), expires_at=0.0)
            return OAuth2RefreshAuth(
                self.token_url,
                self.client_id,
                self.client_secret.get_secret_value(),
                store,
                tokens=tokens,
                connector="miro",
            )
        raise ConfigError(
            f"no Miro credentials: set {TOKEN_ENV}",
            hint=f"or set {CLIENT_ID_ENV}, {CLIENT_SECRET_ENV} and {REFRESH_TOKEN_ENV} for an expiring-token app",
        )
