"""The Miro sandbox: a faithful, stateful emulator of the Miro REST API v2 endpoints cjm-sync uses.

In-process::

    sandbox = MiroSandbox(clock=ManualClock(), credits_per_minute=1_000)
    client = httpx.Client(transport=sandbox.transport(), base_url="https://api.miro.com",
                          headers={"Authorization": "Bearer any-token"})

Over loopback: ``with sandbox.serve() as server: ... server.base_url``; or ``run_server(8765)``.
"""

from .auth import TokenPair, TokenRegistry
from .cli import run_server
from .clock import Clock, ManualClock, SystemClock
from .context import Dropped, Outcome, SandboxRequest, SandboxResponse
from .errors import ApiError, FieldError
from .faults import Fault, FaultKind, Latency
from .humans import HumanSession
from .sandbox import CallRecord, MiroSandbox
from .server import SandboxServer
from .transport import AsyncSandboxTransport, SandboxTransport

__all__ = [
    "ApiError",
    "AsyncSandboxTransport",
    "CallRecord",
    "Clock",
    "Dropped",
    "Fault",
    "FaultKind",
    "FieldError",
    "HumanSession",
    "Latency",
    "ManualClock",
    "MiroSandbox",
    "Outcome",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxServer",
    "SandboxTransport",
    "SystemClock",
    "TokenPair",
    "TokenRegistry",
    "run_server",
]
