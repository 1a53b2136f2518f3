"""``httpx.Auth`` implementations: a static bearer token and rotating OAuth2 tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx

from cjm_sync.errors import ConfigError, FatalAPIError, TransientError, register_secret
from cjm_sync.http._tags import tags
from cjm_sync.http.error_body import standard_message
from cjm_sync.http.origin import check_base_url
from cjm_sync.http.stats import CallKind
from cjm_sync.http.tokens import OAuthTokens, TokenStore

_REFRESH_TIMEOUT = httpx.Timeout(30.0)


class BearerAuth(httpx.Auth):
    """A static bearer token (a private-app token, a non-expiring OAuth token)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ConfigError("the API token is empty")
        register_secret(token)
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add ``Authorization: Bearer <token>``."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


class OAuth2RefreshAuth(httpx.Auth):
    """Expiring access token plus rotating refresh token (every refresh returns a new pair).

    The token is refreshed before a request when it is (about to be) expired, and once more on a 401,
    after which the request is re-sent once: a second 401 is returned to the caller, never looped on.
    Refreshes are serialised by a lock; a thread that waited for another thread's refresh reuses its
    result. The refresh is ``POST token_url`` with a form body (``grant_type=refresh_token``,
    ``refresh_token``, ``client_id``, ``client_secret``); both new tokens are saved to ``store``.
    Sync clients only.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        *,
        tokens: OAuthTokens | None = None,
        connector: str | None = None,
        skew_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        register_secret(client_secret)
        self._token_url = check_base_url(token_url, source=f"{connector or 'OAuth'} token URL")
        self._client_id = client_id
        self._client_secret = client_secret
        self._store = store
        self._connector = connector
        self._skew = skew_seconds
        self._clock = clock
        self._lock = threading.Lock()
        loaded = tokens or store.load()
        if loaded is None:
            raise ConfigError(
                f"no OAuth tokens stored for {connector or 'this connector'}",
                hint="authorise the connector first",
            )
        self._tokens = loaded

    @property
    def tokens(self) -> OAuthTokens:
        """The current token pair."""
        return self._tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Refresh if expired, send; on a 401 refresh once and re-send once."""
        tokens = self._tokens
        if tokens.is_expired(self._clock(), self._skew):
            tokens = yield from self._refresh(tokens)
        response = yield _authorize(request, tokens)
        if response.status_code == 401:
            tokens = yield from self._refresh(tokens)
            yield _authorize(request, tokens)

    def _refresh(self, stale: OAuthTokens) -> Generator[httpx.Request, httpx.Response, OAuthTokens]:
        with self._lock:
            if self._tokens.access_token != stale.access_token:
                return self._tokens  # another thread refreshed while we waited
            response = yield self._refresh_request(stale)
            fresh = self._parse(response, stale)
            self._tokens = fresh
            self._save(fresh)
            return fresh

    def _refresh_request(self, tokens: OAuthTokens) -> httpx.Request:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        extensions: dict[str, Any] = {**tags(CallKind.AUTH, 0), "timeout": _REFRESH_TIMEOUT.as_dict()}
        return httpx.Request(
            "POST", self._token_url, data=form, headers={"Accept": "application/json"}, extensions=extensions
        )

    def _parse(self, response: httpx.Response, previous: OAuthTokens) -> OAuthTokens:
        status = response.status_code
        detail = standard_message(response) or str(status)
        if status in (400, 401, 403):
            raise ConfigError(f"the token refresh was rejected ({detail})", hint="re-authorise the connector")
        error = TransientError if status == 429 or status >= 500 else FatalAPIError
        message = f"the token endpoint failed ({detail})"
        if response.is_success:
            try:
                body = response.json()
                if not isinstance(body, dict):
                    raise ValueError("not a JSON object")
                return OAuthTokens.from_token_response(body, self._clock(), previous)
            except ValueError as exc:
                message = f"unexpected token endpoint response: {exc}"
        raise error(message, connector=self._connector, status=status, method="POST", url=self._token_url)

    def _save(self, tokens: OAuthTokens) -> None:
        try:
            self._store.save(tokens)
        except OSError as exc:
            raise ConfigError(
                f"could not save the rotated tokens with {self._store!r}: {exc.strerror}",
                hint="fix the token store location, then re-authorise the connector",
            ) from exc

    def __repr__(self) -> str:
        return f"OAuth2RefreshAuth(token_url={self._token_url!r}, client_id={self._client_id!r})"


def _authorize(request: httpx.Request, tokens: OAuthTokens) -> httpx.Request:
    request.headers["Authorization"] = f"Bearer {tokens.access_token}"
    return request
