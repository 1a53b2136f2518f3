"""A Microsoft Entra ID look-alike for the client-credentials flow, served over https.

Answers what ``msal``/``azure-identity`` fetch: ``/{tenant}/v2.0/.well-known/openid-configuration``
(tenant discovery), ``/common/discovery/instance`` (instance discovery) and
``POST /{tenant}/oauth2/v2.0/token`` (``grant_type=client_credentials`` with ``client_secret`` or a
``client_assertion``). Tokens are opaque, expire after ``token_lifetime`` seconds, and are checked by the
Dataverse side. Error bodies follow Entra ID's (``error``, ``error_description`` with an AADSTS code).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .wire import Request, Response

__all__ = ["IssuedToken", "LoginAuthority"]


@dataclass(frozen=True)
class IssuedToken:
    """Who a token was issued to and until when (epoch seconds)."""

    client_id: str
    expires_at: float
    scope: str


@dataclass
class LoginAuthority:
    """Registered apps (``client_id → secret``) and the tokens issued to them.

    ``resource`` is the Dataverse URL a token is for (the scope must be ``<resource>/.default``; set it
    once the data server's URL is known). ``token_requests`` counts token grants (tests check caching).
    """

    apps: dict[str, str] = field(default_factory=dict)
    tenant: str = "00000000-0000-0000-0000-0000000000aa"
    resource: str = ""
    token_lifetime: int = 3599
    clock: Callable[[], float] = time.time
    token_requests: int = 0
    _tokens: dict[str, IssuedToken] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, token: str) -> IssuedToken | None:
        """The grant behind a bearer token, or ``None`` when unknown or expired."""
        issued = self._tokens.get(token)
        if issued is None or issued.expires_at <= self.clock():
            return None
        return issued

    def handle(self, request: Request) -> Response:
        """Route one request to the discovery documents or the token endpoint."""
        parts = [p for p in request.path.split("/") if p]
        base = request.base_url
        if request.method == "GET" and parts[-3:] == ["v2.0", ".well-known", "openid-configuration"]:
            tenant = parts[0]
            return _json(200, self._openid(base, tenant))
        if request.method == "GET" and parts == ["common", "discovery", "instance"]:
            host = base.split("://", 1)[1]
            return _json(200, {
                "tenant_discovery_endpoint": f"{base}/{self.tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            })  # fmt: skip
        if request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(parts[0], dict(parse_qsl(request.body.decode())))
        return _json(404, {"error": "not_found", "error_description": f"AADSTS90000: no route {request.path}"})

    def _openid(self, base: str, tenant: str) -> dict[str, object]:
        return {
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": f"{base}/{tenant}/v2.0",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "sandbox.local",
        }

    def _token(self, tenant: str, form: dict[str, str]) -> Response:
        if tenant not in (self.tenant, "organizations"):
            return _error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
        client_id = form.get("client_id", "")
        if client_id not in self.apps:
            return _error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory.",
            )
        if not self._client_authenticated(client_id, form):
            return _error(
                401,
                "invalid_client",
                f"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
            )
        scope = form.get("scope", "")
        if self.resource and scope.rstrip("/") not in (f"{self.resource}/.default", f"{self.resource}//.default"):
            return _error(
                400,
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows must "
                "have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        token = "eyJ" + secrets.token_urlsafe(32)
        with self._lock:
            self.token_requests += 1
            self._tokens[token] = IssuedToken(client_id, self.clock() + self.token_lifetime, scope)
        return _json(200, {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        })  # fmt: skip

    def _client_authenticated(self, client_id: str, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], self.apps[client_id])
        assertion = form.get("client_assertion", "")
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return False
        # A certificate credential: the signed JWT must name the app (signature checks are Entra ID's job;
        # the sandbox accepts any certificate registered as the empty secret "certificate").
        try:
            payload = assertion.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return False
        return bool(claims.get("iss") == client_id == claims.get("sub") and self.apps[client_id] == "certificate")


def _json(status: int, body: object) -> Response:
    return Response(status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body).encode())


def _error(status: int, code: str, description: str) -> Response:
    number = re.match(r"AADSTS(\d+)", description)
    return _json(
        status,
        {"error": code, "error_description": description, "error_codes": [int(number.group(1))] if number else []},
    )
