"""Source keys: how a stage or touchpoint names the CRM data that feeds it (journey-as-code).

A key is ``<connector>:<rest>``, e.g. ``hubspot:calls:INBOUND`` or
``dynamics:phonecall:incoming``. The schema only checks the general shape (a lower-case connector
name, a colon, then no whitespace); each connector checks the rest of its own keys (see
:func:`cjm_sync.plugins.crm_keys.source_key_problems`). The full syntax per connector is in docs/crm.md.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

SOURCE_KEY_PATTERN = r"^[a-z][a-z0-9_-]*:\S+$"
_SOURCE_KEY = re.compile(SOURCE_KEY_PATTERN)
_MAX_LENGTH = 300


def _checked(key: str) -> str:
    source_connector(key)
    if len(key) > _MAX_LENGTH:
        raise ValueError(f"a source key has at most {_MAX_LENGTH} characters")
    return key


SourceKey = Annotated[
    str,
    AfterValidator(_checked),
    WithJsonSchema({"type": "string", "pattern": SOURCE_KEY_PATTERN, "maxLength": _MAX_LENGTH}),
]
"""A source key: ``<connector>:<connector-specific rest>`` without whitespace."""


def source_connector(key: str) -> str:
    """The connector a key belongs to (``hubspot:calls:INBOUND`` → ``hubspot``); ``ValueError`` if malformed."""
    if not _SOURCE_KEY.match(key):
        raise ValueError(f"'{key}' is not a source key (expected '<connector>:<kind>:…', no spaces)")
    return key.partition(":")[0]
