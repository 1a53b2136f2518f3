"""OAuth bearer tokens: 1 h access tokens, refresh rotation that kills the old pair at once."""

from __future__ import annotations

import hashlib
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


def token_user(token: str) -> str:
    """A stable Miro-like user id (19 digits) for an unknown ``token``: the same token is the same user in
    every sandbox process; distinct tokens are distinct users (a SHA-256 collision aside)."""
    digest = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "big")
    return f"34587645{digest % 10**11:011d}"


class TokenRegistry:
    """Issued tokens. Lenient mode (default) also accepts any unknown non-empty token: the first one it
    meets is ``default_user`` (so a one-token setup is the sandbox's API user, as before), every other
    distinct token is a user of its own (:func:`token_user`) with its own credit budget, as in Miro where
    each token belongs to one user and the budget is per user per app (api-facts.md).
    Tokens the registry issued and later revoked or let expire are refused in both modes."""

    def __init__(self, clock: Clock, *, strict: bool = False, default_user: str, team_id: str) -> None:
        self.strict = strict
        self._clock = clock
        self._default_user = default_user
        self._team_id = team_id
        self._by_access: dict[str, TokenPair] = {}
        self._by_refresh: dict[str, TokenPair] = {}
        self._revoked: set[str] = set()
        self._unknown: dict[str, str] = {}  # SHA-256 of a lenient token -> its user (no token kept)
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
            return self._lenient_user(token)
        if self._clock.now() >= pair.expires_at:
            raise ApiError(401, "tokenExpired", "The access token has expired")
        return pair.user_id

    def _lenient_user(self, token: str) -> str:
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            if key not in self._unknown:
                self._unknown[key] = token_user(token) if self._unknown else self._default_user
            return self._unknown[key]

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
