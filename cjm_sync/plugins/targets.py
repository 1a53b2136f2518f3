"""Board ids (connector targets) in one spelling, whatever way they arrive.

Vendors' links and SDKs percent-encode ids (Miro's ``uXjVOfjkmAk=`` appears as ``uXjVOfjkmAk%3D``), so
the same board could otherwise reach the state store under two keys and be synced as two boards.
Every entry point (CLI flag, config file, environment, state rows, library calls) passes its id through
:func:`normalise_target`; connectors encode the normalised id exactly once when they build a URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from cjm_sync.errors import UsageError

__all__ = ["PATH_SAFE", "InvalidTarget", "normalise_target", "path_segment"]

PATH_SAFE = "=:@!$&'()*+,;"
"""Characters RFC 3986 allows unencoded in a path segment (besides letters, digits and ``-._~``)."""

_MAX_DECODES = 3
_BOARD_LINK = re.compile(r"/board/([^/?#]+)")
_FORBIDDEN = re.compile(r"[\s/?#%\x00-\x1f\x7f]")


class InvalidTarget(UsageError):
    """A board id that cannot be one (empty, a path, a URL without a board in it); exit code 2."""


def normalise_target(raw: str, *, source: str = "board id") -> str:
    """The canonical (percent-decoded) spelling of a board id.

    ``uXjVbase0001%3D``, ``uXjVbase0001%253D`` (encoded twice) and a board link such as
    ``https://miro.com/app/board/uXjVbase0001=/`` all give ``uXjVbase0001=``. Surrounding whitespace is
    dropped. ``source`` names where the id came from (``--board``, ``journeys[0].board.target`` …) for
    the :class:`InvalidTarget` raised when the result is empty or still holds ``/ ? # %``, whitespace or
    control characters.
    """
    value = raw.strip()
    if value.lower().startswith(("https://", "http://")):
        found = _BOARD_LINK.search(urlsplit(value).path)
        if found is None:
            raise InvalidTarget(f"{source}: {value!r} is a link without a board id in it (…/board/<id>/)")
        value = found.group(1)
    for _ in range(_MAX_DECODES):
        try:
            decoded = unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise InvalidTarget(f"{source}: {raw.strip()!r} is not a board id (invalid percent-encoding)") from None
        if decoded == value:
            break
        value = decoded
    if not value or _FORBIDDEN.search(value):
        raise InvalidTarget(
            f"{source}: {raw.strip()!r} is not a board id",
            hint="pass the id as it appears in the board's link, e.g. uXjVOfjkmAk= (percent-encoding is fine)",
        )
    return value


def path_segment(target: str) -> str:
    """A normalised board id as one URL path segment, percent-encoded exactly once.

    ``=`` stays as it is (Miro's own links spell ``/v2/boards/uXjVOfjkmAk=/…``); anything a segment
    cannot hold (``/ ? # %``, spaces, non-ASCII) is encoded.
    """
    return quote(target, safe=PATH_SAFE)
