"""The HubSpot sandbox: a stateful emulator seeded with generated B2B SaaS / B2C retail portals."""

from connectors.hubspot.sandbox.generator import SCENARIOS, Portal, generate
from connectors.hubspot.sandbox.limits import RateLimits
from connectors.hubspot.sandbox.sandbox import TOKEN, HubSpotSandbox
from connectors.hubspot.sandbox.server import SandboxServer

__all__ = ["SCENARIOS", "TOKEN", "HubSpotSandbox", "Portal", "RateLimits", "SandboxServer", "generate"]
