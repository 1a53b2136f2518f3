"""HubSpot connection settings (``[connectors.hubspot]`` plus the environment) and the auth they call for.

Credentials come only from the environment: ``HUBSPOT_ACCESS_TOKEN`` (a private/static app token), or
OAuth (``HUBSPOT_CLIENT_ID``, ``HUBSPOT_CLIENT_SECRET``, ``HUBSPOT_REFRESH_TOKEN``), refreshed by the
access token's expiry time — HubSpot documents that a 401 is not a reliable sign of an expired token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cjm_sync.errors import ConfigError
from cjm_sync.http import BearerAuth, FileTokenStore, OAuth2RefreshAuth, OAuthTokens, TokenStore
from cjm_sync.http.origin import check_base_url

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_API_VERSION = "2026-09"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"  # noqa: S105 - a variable name
BASE_URL_ENV = "CJM_HUBSPOT_BASE_URL"
CLIENT_ID_ENV = "HUBSPOT_CLIENT_ID"
CLIENT_SECRET_ENV = "HUBSPOT_CLIENT_SECRET"  # noqa: S105 - a variable name
REFRESH_TOKEN_ENV = "HUBSPOT_REFRESH_TOKEN"  # noqa: S105 - a variable name
_VERSION = re.compile(r"^(v3|\d{4}-\d{2})$")


class HubSpotSettings(BaseModel):
    """``[connectors.hubspot]``: ``base_url`` (else ``CJM_HUBSPOT_BASE_URL``, else api.hubapi.com),
    ``api_version`` (``2026-09`` date-versioned paths by default, ``v3`` for ``/crm/v3/…``),
    ``burst_limit`` (requests per 10 s the client allows itself before the server's headers say more).
    ``sandbox*`` keys configure the built-in emulator (``--sandbox``)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    api_version: str = DEFAULT_API_VERSION
    burst_limit: int = Field(default=100, ge=1, le=1000)
    search_per_second: int = Field(default=4, ge=1, le=1000)
    """Client-side pace of search calls (HubSpot allows 5 per second per account, and sends no headers)."""
    sandbox: bool = False
    sandbox_dir: str | None = None
    sandbox_scenario: str = "b2b_saas"
    sandbox_records: int = Field(default=3000, ge=50, le=2_000_000)
    sandbox_throttle: bool = False
    """Apply HubSpot's rate limits in the in-process sandbox too (the loopback server always does)."""

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("api_version is 'v3' or a date version such as '2026-09'")
        return value

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> HubSpotSettings:
        """Validated settings; ``ConfigError`` naming the field otherwise."""
        try:
            settings = cls.model_validate(dict(options))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"[connectors.hubspot] {problems}") from None
        return settings

    def resolved_base_url(self, env: Mapping[str, str] | None = None) -> str:
        """Config ``base_url``, else ``CJM_HUBSPOT_BASE_URL``, else the public API; https (http only to loopback)."""
        env = os.environ if env is None else env
        if self.base_url:
            return check_base_url(self.base_url, source="connectors.hubspot.base_url")
        if env.get(BASE_URL_ENV):
            return check_base_url(env[BASE_URL_ENV], source=BASE_URL_ENV)
        return DEFAULT_BASE_URL


class ExpiryRefreshAuth(OAuth2RefreshAuth):
    """OAuth refresh driven by the token's expiry time only: a 401 is returned, never answered with a
    refresh (HubSpot: "not a valid indicator")."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Refresh when (about to be) expired, then send once."""
        tokens = self.tokens
        if tokens.is_expired(self._clock(), self._skew):
            tokens = yield from self._refresh(tokens)
        request.headers["Authorization"] = f"Bearer {tokens.access_token}"
        yield request


def auth_from_env(base_url: str, env: Mapping[str, str] | None = None, store: TokenStore | None = None) -> httpx.Auth:
    """Bearer auth for ``HUBSPOT_ACCESS_TOKEN``, else expiry-driven OAuth refresh; ``ConfigError`` if neither."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return BearerAuth(token)
    client_id, secret, refresh = (env.get(n, "").strip() for n in (CLIENT_ID_ENV, CLIENT_SECRET_ENV, REFRESH_TOKEN_ENV))
    if client_id and secret and refresh:
        store = store or FileTokenStore.for_installation(f"hubspot-{client_id}")
        tokens = store.load() or OAuthTokens("", refresh, expires_at=0.0)
        return ExpiryRefreshAuth(
            f"{base_url}/oauth/v3/token", client_id, secret, store, tokens=tokens, connector="hubspot"
        )
    raise ConfigError(
        f"no HubSpot credentials: set {TOKEN_ENV}",
        hint=f"or {CLIENT_ID_ENV}, {CLIENT_SECRET_ENV} and {REFRESH_TOKEN_ENV} for an OAuth app; --sandbox needs none",
    )
