"""``ApiClient``: the one httpx-based client core every connector builds on.

It classifies each outcome through the resolution table, retries what is retryable, feeds the rate
limiter from response headers, counts calls, and raises the error tree from :mod:`cjm_sync.errors` with
the vendor's own message, redacted. TLS verification is always on. It knows only standard HTTP; what a
vendor adds (its rate-limit headers, retry waits, quota answers, error bodies, name) comes in the
connector's :class:`~cjm_sync.http.rules.VendorRules`.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import httpx

from cjm_sync import __version__
from cjm_sync.errors import CjmSyncError, FatalAPIError, IntegrationError, redact, register_secret
from cjm_sync.http._tags import BUCKET, STARTED, kind_of, tags
from cjm_sync.http.origin import check_base_url
from cjm_sync.http.pagination import PageRequest, Paginator
from cjm_sync.http.ratelimit import DEFAULT_BUCKET, BucketedLimiter, RateLimiter
from cjm_sync.http.resolution import NON_IDEMPOTENT, RETRYABLE, Action, Overrides, Resolution, ResolutionTable
from cjm_sync.http.retry import RetryEvent, RetryPolicy, run_with_retry
from cjm_sync.http.rules import STANDARD_RULES, VendorRules
from cjm_sync.http.stats import CallKind, CallStats
from cjm_sync.http.waits import announce_wait

logger = logging.getLogger("cjm_sync.http")

T = TypeVar("T")
R = TypeVar("R")


class CostFunction(Protocol):
    """``(method, path) -> (kind, credits)``: what a call is and what it costs against the rate limit."""

    def __call__(self, method: str, path: str, /) -> tuple[CallKind, int]: ...


_KIND_BY_METHOD = {
    "GET": CallKind.GET,
    "POST": CallKind.CREATE,
    "PUT": CallKind.UPDATE,
    "PATCH": CallKind.UPDATE,
    "DELETE": CallKind.DELETE,
}
_IGNORE_MISSING: Overrides = {404: Resolution(Action.IGNORE, None, "already gone")}


def default_cost(method: str, path: str) -> tuple[CallKind, int]:
    """Kind from the HTTP method alone and one credit per call; connectors pass their own."""
    del path
    return _KIND_BY_METHOD.get(method.upper(), CallKind.OTHER), 1


@functools.cache
def verifying_tls() -> ssl.SSLContext:
    """httpx's default TLS context (verifying, certifi or ``SSL_CERT_FILE``/``SSL_CERT_DIR``), built once
    per process and shared by every client: building one costs ~18 ms of CPU, and a worker opens
    clients for every job (SSL contexts are safe to share between threads)."""
    return httpx.create_ssl_context()


def _loggable(url: httpx.URL) -> str:
    return redact(url.raw_path.decode("ascii", errors="replace"))


class ApiClient:
    """Retrying, rate-limited, counted HTTP client for one connector.

    Token refresh on a 401 belongs to the ``auth`` object (it re-sends once); a 401 that still reaches
    the client therefore ends the call with the REFRESH_AUTH resolution's error (``ConfigError``).
    """

    def __init__(
        self,
        connector: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | BucketedLimiter | None = None,
        resolutions: Overrides | None = None,
        cost: CostFunction = default_cost,
        max_concurrency: int = 4,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rules: VendorRules = STANDARD_RULES,
    ) -> None:
        """``rules`` are the connector's rules for its vendor (header reader, retry wait, give-up rule,
        error parser, display name); the default knows only standard HTTP. ``rate_limiter`` is one
        limiter for every call or a :class:`BucketedLimiter` whose bucket each request names."""
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        base_url = check_base_url(base_url, source=f"{connector} base URL")
        self.connector = connector
        self._table = ResolutionTable(resolutions)
        self._retry = retry or RetryPolicy()
        self._limiter = (
            rate_limiter
            if isinstance(rate_limiter, BucketedLimiter) or rate_limiter is None
            else BucketedLimiter({DEFAULT_BUCKET: rate_limiter})
        )
        self._cost = cost
        self._max_concurrency = max_concurrency
        self._clock = clock
        self._sleep = sleep
        self._rules = rules
        self._vendor = rules.display_name or connector
        self._stats = CallStats()
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":
                register_secret(value.partition(" ")[2] or value)
        default_headers = {
            "Accept": "application/json",
            "User-Agent": user_agent or f"cjm-sync/{__version__}",
            **(headers or {}),
        }
        self._http = httpx.Client(
            base_url=base_url,
            auth=auth,
            transport=transport,
            verify=verifying_tls() if transport is None else True,
            timeout=timeout,
            headers=default_headers,
            event_hooks={"request": [self._before_send], "response": [self._after_receive]},
        )

    @property
    def base_url(self) -> str:
        """The base URL every relative path is resolved against."""
        return str(self._http.base_url)

    @property
    def stats(self) -> CallStats:
        """Counters for every call this client sent."""
        return self._stats

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        kind: CallKind | None = None,
        resolutions: Overrides | None = None,
        idempotent: bool | None = None,
        bucket: str | None = None,
    ) -> httpx.Response:
        """Send one call (with retries) and return its response, or raise the resolved error.

        ``kind`` overrides the cost function's kind; ``resolutions`` overrides the table for this call.
        ``idempotent`` (default: every method but POST) decides whether a call that may have reached the
        server is repeated; a POST that only reads (a search, a batch read) passes ``idempotent=True``
        and is then retried exactly like a GET. ``bucket`` names the rate-limit bucket the call is
        counted in (default: ``"default"``; see :class:`BucketedLimiter`).
        """
        method = method.upper()
        cost_kind, credits = self._cost(method, path)
        extensions = tags(kind or cost_kind, credits, bucket)
        table = self._table
        if not (method != "POST" if idempotent is None else idempotent):
            table = table.with_overrides(NON_IDEMPOTENT)
        table = table.with_overrides(resolutions)
        attempts = 0
        url = path

        def send_once() -> httpx.Response:
            nonlocal attempts, url
            attempts += 1
            request = self._http.build_request(
                method,
                path,
                params=params or None,
                json=json,
                data=data,
                content=content,
                headers=headers,
                extensions=extensions,
            )
            url = str(request.url)
            return self._http.send(request)

        def on_retry(event: RetryEvent) -> None:
            self._stats.record_retry()
            if event.resolution.action is Action.RATE_LIMITED:
                self._stats.record_rate_limit_wait(event.wait)
                announce_wait(self._vendor, event.wait)
            logger.info(
                "%s %s %s: %s; retry %d in %.1f s",
                self.connector,
                method,
                redact(url),
                event.resolution.message,
                event.attempt,
                event.wait,
            )

        try:
            response = run_with_retry(
                send_once,
                self._retry,
                resolve=table.resolve,
                on_retry=on_retry,
                clock=self._clock,
                sleep=self._sleep,
                delay_for=self._rules.retry_delay,
                give_up=self._rules.give_up,
            )
        except httpx.HTTPError as exc:
            resolution = table.resolve(exc)
            detail = f"{type(exc).__name__}: {exc}"
            if resolution.action in RETRYABLE:
                detail += f"; gave up after {attempts} attempt(s)"
            raise self._error(resolution, detail, method, url, None) from exc
        resolution = table.resolve(response)
        if resolution.action in (Action.OK, Action.IGNORE):
            return response
        detail = self._rules.error_message(response)
        reason = self._rules.give_up(response)
        if reason is not None:
            detail = f"{reason} ({detail})"
        elif resolution.action in RETRYABLE:
            detail = "; ".join(filter(None, [detail, f"gave up after {attempts} attempt(s)"]))
        raise self._error(resolution, detail, method, url, response.status_code)

    def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: CallKind | None = None,
    ) -> Any:
        """``GET`` and decode the JSON body."""
        return self._decode(self.request("GET", path, params=params, headers=headers, kind=kind))

    def post_json(
        self,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: CallKind | None = None,
    ) -> Any:
        """``POST`` a JSON body and decode the JSON answer (``None`` when empty)."""
        response = self.request("POST", path, params=params, json=json, headers=headers, kind=kind)
        return self._decode(response)

    def patch_json(
        self,
        path: str,
        json: Any,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: CallKind | None = None,
    ) -> Any:
        """``PATCH`` a JSON body and decode the JSON answer (``None`` when empty)."""
        response = self.request("PATCH", path, params=params, json=json, headers=headers, kind=kind)
        return self._decode(response)

    def delete(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: CallKind | None = None,
        missing_ok: bool = False,
    ) -> None:
        """``DELETE``; with ``missing_ok`` a 404 counts as already deleted."""
        resolutions = _IGNORE_MISSING if missing_ok else None
        self.request("DELETE", path, params=params, headers=headers, kind=kind, resolutions=resolutions)

    def paginate(
        self,
        path: str,
        paginator: Paginator,
        *,
        params: Mapping[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        method: str = "GET",
        items_key: str = "data",
        headers: Mapping[str, str] | None = None,
        kind: CallKind = CallKind.LIST,
        bucket: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every record under ``items_key`` of every page, as ``paginator`` walks them (each page
        counted in rate-limit ``bucket``)."""
        page = paginator.init_request(PageRequest(path, dict(params or {}), json))
        idempotent = True if method.upper() == "POST" else None  # paging a POST only reads (a search)
        while True:
            response = self.request(
                method,
                page.path,
                params=page.params,
                json=page.json,
                headers=headers,
                kind=kind,
                idempotent=idempotent,
                bucket=bucket,
            )
            items = self._items(response, items_key, method, page.path)
            try:
                paginator.update_state(response, items)
            except FatalAPIError as exc:
                raise FatalAPIError(
                    exc.message, connector=self.connector, status=response.status_code, method=method, url=page.path
                ) from exc
            yield from items
            if not paginator.has_next:
                return
            page = paginator.next_request(page)
            self._require_same_origin(page.path, method)

    def map_concurrent(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(item) for item in items]`` with at most ``max_concurrency`` calls in flight, in input order.

        The first failure stops scheduling, waits for the calls in flight and is raised (the earliest
        item's, if several finish together).
        """
        todo = enumerate(items)
        results: dict[int, R] = {}
        with ThreadPoolExecutor(self._max_concurrency, thread_name_prefix=f"cjm-{self.connector}") as executor:
            running: dict[Future[R], int] = {}

            def fill() -> None:
                for index, item in islice(todo, self._max_concurrency - len(running)):
                    running[executor.submit(fn, item)] = index

            fill()
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=running.__getitem__):
                    results[running.pop(future)] = future.result()
                fill()
        return [results[index] for index in range(len(results))]

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ApiClient(connector={self.connector!r}, base_url={str(self._http.base_url)!r})"

    def _before_send(self, request: httpx.Request) -> None:
        kind, credits = kind_of(request) or self._cost(request.method, request.url.path)
        bucket = request.extensions.get(BUCKET)
        bucket = bucket if isinstance(bucket, str) else None
        if self._limiter is not None and kind is not CallKind.AUTH:
            waited = self._limiter.acquire(credits, lambda seconds: announce_wait(self._vendor, seconds), bucket=bucket)
            if waited > 0:
                self._stats.record_rate_limit_wait(waited)
        self._stats.record_call(kind, request.method, credits)
        request.extensions[STARTED] = time.perf_counter()

    def _after_receive(self, response: httpx.Response) -> None:
        request = response.request
        if self._limiter is not None and self._rules.read_budget is not None:
            budget = self._rules.read_budget(response.headers)
            if budget is not None:
                bucket = request.extensions.get(BUCKET)
                self._limiter.observe(budget, bucket=bucket if isinstance(bucket, str) else None)
        started = request.extensions.get(STARTED)
        elapsed_ms = (time.perf_counter() - started) * 1000 if isinstance(started, float) else 0.0
        logger.debug(
            "%s %s %s -> %d (%.0f ms)",
            self.connector,
            request.method,
            _loggable(request.url),
            response.status_code,
            elapsed_ms,
        )

    def _error(self, resolution: Resolution, detail: str, method: str, url: str, status: int | None) -> CjmSyncError:
        message = f"{resolution.message}: {detail}" if detail else resolution.message
        kind = resolution.kind or FatalAPIError
        if issubclass(kind, IntegrationError):
            return kind(message, connector=self.connector, status=status, method=method, url=url)
        return kind(f"[{self.connector}] {message} ({method} {url} → {status})")

    def _decode(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise FatalAPIError(
                "the response is not valid JSON",
                connector=self.connector,
                status=response.status_code,
                method=response.request.method,
                url=str(response.request.url),
            ) from exc

    def _items(self, response: httpx.Response, key: str, method: str, path: str) -> list[dict[str, Any]]:
        body = self._decode(response)
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise FatalAPIError(
                f"expected a list of objects under {key!r} in the page",
                connector=self.connector,
                status=response.status_code,
                method=method,
                url=path,
            )
        return items

    def _require_same_origin(self, url: str, method: str) -> None:
        target, base = httpx.URL(url), self._http.base_url
        if target.is_absolute_url and (target.scheme, target.host, target.port) != (
            base.scheme,
            base.host,
            base.port,
        ):
            raise FatalAPIError(
                f"refusing to follow a next-page link to another origin ({target.scheme}://{target.host})",
                connector=self.connector,
                method=method,
                url=url,
            )
