"""The one check every vendor base URL passes, however it arrives (config, environment, flag, OAuth URL).

A bearer token or client secret must never travel in clear text: ``https://`` is required, plain
``http://`` is allowed only to a loopback host (a local sandbox), decided on the parsed host —
``localhost`` or an address that is loopback — never by string prefix. Credentials inside the URL are
refused too (they would end up in logs).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from cjm_sync.errors import ConfigError

__all__ = ["BaseUrlError", "check_base_url", "is_loopback_host"]

_RULE = "must be https:// (plain http only to a loopback sandbox: 127.0.0.1, localhost, ::1)"


class BaseUrlError(ConfigError):
    """A base URL that would send credentials in clear text or to nowhere; exit code 2."""


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (as ``urlsplit`` gives it: no brackets, lower-case) is ``localhost`` or a loopback IP."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """``url`` without anything that could be a credential (user info, query, fragment)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme:
        return repr(url.rsplit("@", maxsplit=1)[-1][:80])
    return repr(f"{parts.scheme}://{host}{port}{parts.path}")


def check_base_url(url: str, *, source: str) -> str:
    """``url`` without a trailing ``/`` if it is safe to send credentials to; else :class:`BaseUrlError`.

    ``source`` names where the URL came from (an environment variable, a config key such as
    ``connectors.<name>.base_url`` …) and appears in the error. Raised for: another scheme or none, no
    host, user info in the URL, an unparsable port, and ``http://`` to a host that is not loopback.
    """
    try:
        parts = urlsplit(url.strip())
        host, _port = parts.hostname, parts.port
    except ValueError as exc:
        raise BaseUrlError(f"{source}: {_shown(url)} is not a valid URL ({exc})") from None
    if parts.username is not None or parts.password is not None:
        raise BaseUrlError(f"{source}: the base URL must not contain credentials", hint="put tokens in the environment")
    if parts.scheme == "https" and host:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and is_loopback_host(host):
        return url.strip().rstrip("/")
    raise BaseUrlError(
        f"{source}: base URL {_shown(url)} {_RULE}",
        hint="a token sent over plain http can be read by anyone on the network; nothing was sent",
    )
