"""The Dataverse sandbox: a stateful emulator of the Dataverse Web API v9.2 reads cjm-sync makes,
plus an Entra ID look-alike token endpoint over https. See :class:`DataverseSandbox`.
"""

from .errors import ODataError
from .login import LoginAuthority
from .protection import ServiceProtection
from .sandbox import API_ROOT, CallRecord, DataverseSandbox
from .wire import LoopbackServer, Request, Response, SandboxTransport

__all__ = [
    "API_ROOT",
    "CallRecord",
    "DataverseSandbox",
    "LoginAuthority",
    "LoopbackServer",
    "ODataError",
    "Request",
    "Response",
    "SandboxTransport",
    "ServiceProtection",
]
