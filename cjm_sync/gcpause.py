"""Pausing Python's cyclic garbage collector around allocation-heavy pure computations.

Merging and planning a large journey allocate hundreds of thousands of small dicts and tuples and
create no reference cycles worth collecting. With the collector on, every ~700 allocations start a
collection, and the full ones walk every live object (the whole board snapshot, all three sides of the
merge): at 5,000 touchpoints that was over half the CPU time of merge + plan (profiled for issue 12).
Reference counting still frees everything as usual; the collector resumes when the outermost paused
block ends, so nesting is safe. Not for code that waits on I/O or runs for long.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "without_gc"]

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (re-enabled on exit if it was on before)."""
    global _depth, _was_enabled  # noqa: PLW0603 - the collector's switch is process-wide state too
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`gc_paused`."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
