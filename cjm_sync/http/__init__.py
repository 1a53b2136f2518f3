"""The shared HTTP client core used by every connector: auth, retries, rate limits, paging, stats."""

from cjm_sync.http.auth import BearerAuth, OAuth2RefreshAuth
from cjm_sync.http.client import ApiClient, CostFunction, default_cost
from cjm_sync.http.error_body import standard_message
from cjm_sync.http.pagination import (
    CursorAfterPaginator,
    CursorParamPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    PageRequest,
    Paginator,
)
from cjm_sync.http.ratelimit import BucketedLimiter, CreditRateLimiter, RateLimiter, RequestRateLimiter
from cjm_sync.http.resolution import DEFAULT_RESOLUTIONS, Action, Overrides, Resolution, ResolutionTable
from cjm_sync.http.retry import RetryPolicy, is_testing, set_testing
from cjm_sync.http.rules import STANDARD_RULES, Budget, VendorRules, retry_after
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
    "STANDARD_RULES",
    "Action",
    "ApiClient",
    "BearerAuth",
    "BucketedLimiter",
    "Budget",
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
    "VendorRules",
    "default_cost",
    "default_state_dir",
    "is_testing",
    "retry_after",
    "set_testing",
    "standard_message",
]
