"""The shared HTTP client core used by every connector: auth, retries, rate limits, paging, stats."""

from cjm_sync.http.auth import BearerAuth, OAuth2RefreshAuth
from cjm_sync.http.client import ApiClient, CostFunction, default_cost
from cjm_sync.http.error_body import vendor_message
from cjm_sync.http.pagination import (
    CursorAfterPaginator,
    CursorParamPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    PageRequest,
    Paginator,
)
from cjm_sync.http.ratelimit import CreditRateLimiter, RateLimiter, RequestRateLimiter
from cjm_sync.http.resolution import DEFAULT_RESOLUTIONS, Action, Overrides, Resolution, ResolutionTable
from cjm_sync.http.retry import RetryPolicy, is_testing, set_testing
from cjm_sync.http.stats import CallKind, CallStats
from cjm_sync.http.tokens import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthTokens,
    TokenStore,
    default_state_dir,
)

__all__ = [
    "DEFAULT_RESOLUTIONS",
    "Action",
    "ApiClient",
    "BearerAuth",
    "CallKind",
    "CallStats",
    "CostFunction",
    "CreditRateLimiter",
    "CursorAfterPaginator",
    "CursorParamPaginator",
    "FileTokenStore",
    "MemoryTokenStore",
    "NextLinkPaginator",
    "OAuth2RefreshAuth",
    "OAuthTokens",
    "OffsetPaginator",
    "Overrides",
    "PageRequest",
    "Paginator",
    "RateLimiter",
    "RequestRateLimiter",
    "Resolution",
    "ResolutionTable",
    "RetryPolicy",
    "TokenStore",
    "default_cost",
    "default_state_dir",
    "is_testing",
    "set_testing",
    "vendor_message",
]
