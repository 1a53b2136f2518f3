"""Validate HTTP exchanges against Miro's official OpenAPI spec (the Prism-loadable derived copy).

``validate_exchange(request, response)`` raises ``AssertionError`` with a readable reason;
``SpecCheckingTransport(inner)`` validates every exchange that passes through it.

The spec is loaded once per process. Deliberate, documented deviations from a literal check
(each one is a defect of the published spec for validation purposes, not a relaxation of what
a valid request or response is):

* ``oneOf`` → ``anyOf`` in ``WidgetDataOutput``, ``ItemDataCreate``, ``ItemStyle``, ``ItemData``:
  their variants have no required members and no discriminator, so every object matches several
  variants and ``oneOf`` rejects *every* item (see ``test_spec_oneof_is_unsatisfiable``).
* Global ``security`` is removed: openapi-core has no oauth2 provider (it only warns); the
  ``Authorization: Bearer <token>`` header is checked here instead.
* 204 responses declare an ``application/json`` body, but a 204 has no content: only the status
  is checked.
* 401 (and injected 500/502/503) are not declared per operation: bodies are checked against the
  spec's ``Error401`` / ``Error`` schemas.
* ``GET /items?tag_id=`` was merged into ``get-items`` by the fixup, which kept the cursor
  variant's ``limit`` 10..50; the tag variant's own bound 1..50 is checked here instead.
* ``POST /v1/oauth/token`` is not in the spec: such exchanges are not validated (listed in
  :data:`UNSPECIFIED`).
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema_path import SchemaPath
from openapi_core import V30RequestValidator, V30ResponseValidator
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

SPEC_HOST = "https://api.miro.com"
SPEC_FILE = Path("miro") / "miro-v2.prism.json"
NON_DISCRIMINATING_ONE_OF = ("WidgetDataOutput", "ItemDataCreate", "ItemStyle", "ItemData")
UNDECLARED_ERROR_SCHEMAS = {401: "Error401", 500: "Error", 502: "Error", 503: "Error"}
UNSPECIFIED = frozenset({("POST", "/v1/oauth/token")})


def specs_dir() -> Path:
    """``$CJM_SPECS_DIR``, else the repository's own ``specs/`` (official copies, see specs/SOURCES.md)."""
    override = os.environ.get("CJM_SPECS_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "specs"


@cache
def raw_spec() -> dict[str, Any]:
    """The derived spec exactly as published (parsed once)."""
    with (specs_dir() / SPEC_FILE).open(encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


@cache
def _validators() -> tuple[V30RequestValidator, V30ResponseValidator, dict[str, Any]]:
    spec = copy.deepcopy(raw_spec())
    spec.pop("security", None)
    schemas = spec["components"]["schemas"]
    for name in NON_DISCRIMINATING_ONE_OF:
        schemas[name]["anyOf"] = schemas[name].pop("oneOf")
    path = SchemaPath.from_dict(spec)
    return V30RequestValidator(path), V30ResponseValidator(path), spec


def _describe(error: BaseException) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause: BaseException | None = error
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in schema_error.absolute_path) or "<root>"
            parts.append(f"  at {where}: {schema_error.message}")
        cause = cause.__cause__
    return "\n".join(parts)


def _mock_request(request: httpx.Request) -> MockRequest:
    query = dict(request.url.params)
    if "tag_id" in query and "limit" in query:
        limit = query.pop("limit")
        if not (limit.isdigit() and 1 <= int(limit) <= 50):
            raise AssertionError(f"{request.method} {request.url}: tag_id listing needs limit 1..50, got {limit!r}")
    body = request.read()
    return MockRequest(
        SPEC_HOST,
        request.method.lower(),
        request.url.path,
        args=query,
        headers=dict(request.headers),
        data=body or None,
        content_type=request.headers.get("content-type", "application/json").split(";")[0] if body else "",
    )


def _check_bearer(request: httpx.Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AssertionError(f"{request.method} {request.url}: missing 'Authorization: Bearer <token>'")


def is_specified(request: httpx.Request) -> bool:
    """False for endpoints the spec does not describe (see :data:`UNSPECIFIED`)."""
    return (request.method.upper(), request.url.path) not in UNSPECIFIED


def validate_request(request: httpx.Request) -> None:
    """Raise ``AssertionError`` unless ``request`` is valid for its operation in the spec."""
    if not is_specified(request):
        return
    _check_bearer(request)
    errors = list(_validators()[0].iter_errors(_mock_request(request)))
    if errors:
        details = "\n".join(_describe(e) for e in errors)
        raise AssertionError(f"request {request.method} {request.url} violates the Miro spec:\n{details}")


def validate_response(request: httpx.Request, response: httpx.Response) -> None:
    """Raise ``AssertionError`` unless ``response`` is a documented answer to ``request``."""
    if not is_specified(request):
        return
    _, validator, spec = _validators()
    where = f"response {response.status_code} to {request.method} {request.url}"
    if response.status_code in UNDECLARED_ERROR_SCHEMAS:
        schema = {**spec["components"]["schemas"][UNDECLARED_ERROR_SCHEMAS[response.status_code]]}
        failures = [e.message for e in OAS30Validator(schema).iter_errors(response.json())]
        if failures:
            raise AssertionError(f"{where} violates the Miro error schema: {failures}")
        return
    mock = MockResponse(
        b"" if response.status_code == 204 else response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", "").split(";")[0],
    )
    errors = list(validator.iter_errors(_mock_request(request), mock))
    if response.status_code == 204:
        errors = [e for e in errors if type(e).__name__ != "MissingData"]
    if errors:
        details = "\n".join(_describe(e) for e in errors)
        raise AssertionError(f"{where} violates the Miro spec:\n{details}\nbody: {response.text[:500]}")


def validate_exchange(request: httpx.Request, response: httpx.Response) -> None:
    """Validate both halves of one exchange."""
    validate_request(request)
    validate_response(request, response)


class SpecCheckingTransport(httpx.BaseTransport):
    """Wrap a transport; every request and response passing through is checked against the spec."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.checked = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        validate_request(request)
        response = self.inner.handle_request(request)
        response.read()
        validate_response(request, response)
        self.checked += 1
        return response

    def close(self) -> None:
        self.inner.close()
