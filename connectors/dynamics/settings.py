"""Dynamics connection settings from the config table and the environment (secrets only from the environment).

Environment: ``DYNAMICS_URL`` (``https://<org>.crm<n>.dynamics.com``), ``AZURE_TENANT_ID``,
``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH`` (+ optional
``AZURE_CLIENT_CERTIFICATE_PASSWORD``), optional ``AZURE_AUTHORITY_HOST``; ``REQUESTS_CA_BUNDLE`` /
``SSL_CERT_FILE`` name extra trusted CAs for a private authority.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from cjm_sync.errors import ConfigError

__all__ = ["DynamicsSettings"]

URL_ENV = "DYNAMICS_URL"
_ENV = {
    "tenant_id": "AZURE_TENANT_ID",
    "client_id": "AZURE_CLIENT_ID",
    "client_secret": "AZURE_CLIENT_SECRET",
    "certificate_path": "AZURE_CLIENT_CERTIFICATE_PATH",
    "certificate_password": "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "authority_host": "AZURE_AUTHORITY_HOST",
}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DynamicsSettings(BaseModel):
    """``[connectors.dynamics]`` options plus credentials from the environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = Field(default=None, description="Environment URL; default from DYNAMICS_URL.")
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    certificate_path: str | None = None
    certificate_password: SecretStr | None = None
    authority_host: str | None = None
    sandbox: bool = False

    @classmethod
    def load(cls, options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> DynamicsSettings:
        """Settings from the config table, filled from the environment; ``ConfigError`` when invalid."""
        env = os.environ if env is None else env
        values = {k: v for k, v in options.items() if k in cls.model_fields}
        values.setdefault("base_url", env.get(URL_ENV) or None)
        for field, name in _ENV.items():
            if values.get(field) is None and env.get(name):
                values[field] = env[name]
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(f"invalid [connectors.dynamics] settings: {exc.errors()[0]['msg']}") from None

    def data_url(self) -> str:
        """The environment URL without a trailing slash; plain http only on loopback."""
        if not self.base_url:
            raise ConfigError(f"no Dynamics environment: set {URL_ENV} (e.g. https://contoso.crm4.dynamics.com)")
        url = httpx.URL(self.base_url.rstrip("/"))
        if url.scheme == "http" and not _loopback(url.host):
            raise ConfigError(f"{URL_ENV} must use https (plain http only on loopback): {self.base_url}")
        if url.scheme not in ("http", "https") or url.userinfo:
            raise ConfigError(f"{URL_ENV} must be an https URL without credentials: {self.base_url}")
        return str(url).rstrip("/")

    def ca_bundle(self, env: Mapping[str, str] | None = None) -> str | None:
        """Extra CA file for the authority (``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE``)."""
        env = os.environ if env is None else env
        return env.get("REQUESTS_CA_BUNDLE") or env.get("SSL_CERT_FILE") or None

    def missing_credentials(self) -> list[str]:
        """Names of the environment variables still needed for client credentials."""
        missing = [
            name for field, name in _ENV.items() if field in ("tenant_id", "client_id") and not getattr(self, field)
        ]
        if self.client_secret is None and not self.certificate_path:
            missing.append("AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)")
        return missing
