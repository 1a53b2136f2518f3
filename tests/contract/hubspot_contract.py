"""Validate HTTP exchanges against HubSpot's official OpenAPI specs (``specs/hubspot``: the v3 files and
the date-versioned ``2026-09`` set, Prism-loadable copies).

``HubSpotSpecTransport(inner)`` checks every request and response passing through it against the spec
file whose paths match; unmatched requests fail. Deviations from a literal check (spec defects for
validation purposes, not relaxations):

* ``default`` error responses carry no schema in the specs: error bodies (4xx/5xx) are checked against the
  spec's ``Error`` schema instead, except 429, whose body HubSpot documents separately (``status``,
  ``message``, ``errorType``, ``correlationId``, ``policyName``) and which is checked field by field here.
* Global ``security`` (oauth2/private-app keys) is not modelled by openapi-core: the bearer header is
  checked here.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import httpx
from jsonschema_path import SchemaPath
from openapi_contract import specs_dir
from openapi_core import V30RequestValidator, V30ResponseValidator
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

HOST = "https://api.hubapi.com"
FILES = (
    "2026-09/crm-objects-2026-09.prism.json",
    "2026-09/crm-pipelines-2026-09.prism.json",
    "2026-09/crm-properties-2026-09.prism.json",
    "crm-objects-v3.prism.json",
    "crm-pipelines-v3.prism.json",
    "crm-properties-v3.prism.json",
)


@cache
def _specs() -> list[tuple[V30RequestValidator, V30ResponseValidator, dict[str, Any]]]:
    loaded = []
    for name in FILES:
        spec = json.loads((specs_dir() / "hubspot" / name).read_text(encoding="utf-8"))
        spec = copy.deepcopy(spec)
        spec.pop("security", None)
        for item in spec["paths"].values():
            for op in item.values():
                if isinstance(op, dict):
                    op.pop("security", None)
        path = SchemaPath.from_dict(spec)
        loaded.append((V30RequestValidator(path), V30ResponseValidator(path), spec))
    return loaded


def _mock(request: httpx.Request) -> MockRequest:
    body = request.read()
    return MockRequest(
        HOST,
        request.method.lower(),
        request.url.path,
        args=dict(request.url.params),
        headers=dict(request.headers),
        data=body or None,
        content_type=request.headers.get("content-type", "application/json").split(";")[0] if body else "",
    )


def _errors(validator: Any, *args: Any) -> list[str] | None:
    """``None`` when the spec has no such path, else the validation errors (empty = valid)."""
    found = []
    for error in validator.iter_errors(*args):
        if isinstance(error, PathNotFound):
            return None
        parts = [f"{type(error).__name__}: {error}"]
        cause: BaseException | None = error
        while cause is not None:
            for schema_error in getattr(cause, "schema_errors", ()) or ():
                where = "/".join(str(p) for p in schema_error.absolute_path) or "<root>"
                parts.append(f"  at {where}: {schema_error.message}")
            cause = cause.__cause__
        found.append("\n".join(parts))
    return found


def validate_request(request: httpx.Request) -> None:
    """``AssertionError`` unless some HubSpot spec describes ``request`` and accepts it."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AssertionError(f"{request.method} {request.url}: no bearer token")
    for req_validator, _, _ in _specs():
        errors = _errors(req_validator, _mock(request))
        if errors is None:
            continue
        if errors:
            raise AssertionError(f"{request.method} {request.url} violates the HubSpot spec:\n" + "\n".join(errors))
        return
    raise AssertionError(f"{request.method} {request.url.path}: no HubSpot spec describes this path")


def validate_response(request: httpx.Request, response: httpx.Response) -> None:
    """``AssertionError`` unless ``response`` is a documented answer to ``request``."""
    where = f"response {response.status_code} to {request.method} {request.url}"
    if response.status_code == 429:
        body = response.json()
        missing = {"status", "message", "errorType", "correlationId", "policyName"} - set(body)
        assert not missing, f"{where}: 429 body lacks {missing}"
        assert body["policyName"] in {"DAILY", "TEN_SECONDLY_ROLLING", "SECONDLY"}, where
        return
    if response.status_code >= 400:
        schema = _specs()[0][2]["components"]["schemas"]["Error"]
        failures = [e.message for e in OAS30Validator(schema).iter_errors(response.json())]
        assert not failures, f"{where} violates the HubSpot Error schema: {failures}"
        return
    for _, resp_validator, _ in _specs():
        mock = MockResponse(
            response.content,
            status_code=response.status_code,
            headers=dict(response.headers),
            content_type=response.headers.get("content-type", "").split(";")[0],
        )
        errors = _errors(resp_validator, _mock(request), mock)
        if errors is None:
            continue
        if errors:
            raise AssertionError(
                f"{where} violates the HubSpot spec:\n" + "\n".join(errors) + f"\n{response.text[:400]}"
            )
        return
    raise AssertionError(f"{where}: no HubSpot spec describes this path")


class HubSpotSpecTransport(httpx.BaseTransport):
    """Wrap a transport; every exchange is validated against the official specs."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.checked = 0
        self.paths: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        validate_request(request)
        response = self.inner.handle_request(request)
        response.read()
        validate_response(request, response)
        self.checked += 1
        self.paths.add(f"{request.method} {request.url.path}")
        return response

    def close(self) -> None:
        self.inner.close()
