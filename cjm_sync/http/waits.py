"""Saying when a run waits for a vendor's rate limit, before it waits.

A large first push can spend a minute waiting for a vendor's credit window; a frozen progress bar looks
like a hang. Every such wait goes through :func:`announce_wait`: it logs ``waiting N s for <vendor>'s
rate limit`` (the vendor as its connector's rules name it; level WARNING, so it shows at the default
verbosity and in ``--log-format json`` logs) and tells the listeners (the CLI's progress bar shows the
same words while it waits).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger("cjm_sync.http")

WaitListener = Callable[[str], None]
"""Called with the message, e.g. ``waiting 60 s for Acme's rate limit``."""

_listeners: list[WaitListener] = []


def wait_message(vendor: str, seconds: float) -> str:
    """``waiting 60 s for <vendor>'s rate limit`` (seconds rounded up; ``vendor`` is a display name)."""
    return f"waiting {math.ceil(seconds)} s for {vendor}'s rate limit"


PACING: float = 1.0
"""Waits shorter than this (seconds) are a pacer spacing calls (a per-second bucket), not a freeze:
logged at DEBUG only, not shown (a pull of 100 paced calls would otherwise print 100 warnings)."""


def announce_wait(vendor: str, seconds: float) -> None:
    """Log and show that a call waits ``seconds`` for ``vendor``'s rate limit (nothing for 0; a wait
    under :data:`PACING` is only logged at DEBUG)."""
    if seconds <= 0:
        return
    message = wait_message(vendor, seconds)
    if seconds < PACING:
        logger.debug(message)
        return
    logger.warning(message)
    for listener in list(_listeners):
        listener(message)


@contextmanager
def listening(listener: WaitListener) -> Iterator[None]:
    """Call ``listener`` for every rate-limit wait announced inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
