"""OAuth bearer tokens: 1 h access tokens, refresh rotation that kills the old pair at once."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from .clock import Clock
from .errors import ApiError

__all__ = ["ACCESS_TOKEN_TTL", "TokenPair", "TokenRegistry"]

ACCESS_TOKEN_TTL = 3600
SCOPE = "boards:read boards:write"


@dataclass(frozen=True)
class TokenPair:
    """An issued access/refresh pair."""

    access_token: str
    refresh_token: str
    user_id: str
    team_id: str
    expires_at: float

    def token_response(self) -> dict[str, object]:
        """The body of ``POST /v1/oauth/token`` for this freshly issued pair."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "scope": SCOPE,
            "user_id": self.user_id,
            "team_id": self.team_id,
        }


class TokenRegistry:
    """Issued tokens. Lenient mode (default) also accepts any unknown non-empty token as ``default_user``;
    tokens the registry issued and later revoked or let expire are refused in both modes."""

    def __init__(self, clock: Clock, *, strict: bool = False, default_user: str, team_id: str) -> None:
        self.strict = strict
        self._clock = clock
        self._default_user = default_user
        self._team_id = team_id
        self._by_access: dict[str, TokenPair] = {}
        self._by_refresh: dict[str, TokenPair] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def issue(self, user_id: str | None = None) -> TokenPair:
        """Mint a new pair for ``user_id`` (default: the sandbox's API user)."""
        pair = TokenPair(
            access_token=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(24),
            user_id=user_id or self._default_user,
            team_id=self._team_id,
            expires_at=self._clock.now() + ACCESS_TOKEN_TTL,
        )
        with self._lock:
            self._by_access[pair.access_token] = pair
            self._by_refresh[pair.refresh_token] = pair
        return pair

    def authenticate(self, authorization: str | None) -> str:
        """The user id behind an ``Authorization`` header, or a 401 :class:`ApiError`."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "tokenNotProvided", "No authorization token was provided")
        with self._lock:
            pair = self._by_access.get(token)
            revoked = token in self._revoked
        if revoked:
            raise ApiError(401, "tokenInvalid", "The access token was revoked by a refresh")
        if pair is None:
            if self.strict:
                raise ApiError(401, "tokenNotFound", "The access token is not valid")
            return self._default_user
        if self._clock.now() >= pair.expires_at:
            raise ApiError(401, "tokenExpired", "The access token has expired")
        return pair.user_id

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: a new pair replaces the one ``refresh_token`` belongs to, which stops working now."""
        with self._lock:
            pair = self._by_refresh.pop(refresh_token, None)
            if pair is not None:
                del self._by_access[pair.access_token]
                self._revoked.update((pair.access_token, pair.refresh_token))
            unusable = refresh_token in self._revoked and pair is None
        if not refresh_token or unusable or (pair is None and self.strict):
            raise ApiError(400, "invalidGrant", "The refresh token is invalid or was already used")
        return self.issue(pair.user_id if pair else None)
