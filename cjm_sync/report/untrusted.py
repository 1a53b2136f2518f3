"""Board text shown in a report: made harmless for display (bidi controls, spreadsheet formulas, long labels).

Board and file text is untrusted. Escaping (Jinja2 autoescape, Markdown escaping) keeps it from becoming
markup; this module covers what escaping does not:

- Unicode bidirectional embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069) are removed:
  an unterminated right-to-left override in one title would otherwise reverse every following label on
  the same line ("Trojan Source", CVE-2021-42574). Right-to-left text itself is kept and shown in order.
- A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` so
  spreadsheet programs show it as text instead of running it as a formula (OWASP "CSV injection").
- Chart labels are one line and at most :data:`LABEL_CHARS` characters (the full text is in the tables).
"""

from __future__ import annotations

import re
from typing import Final

BIDI_CONTROLS: Final = re.compile("[\u202a-\u202e\u2066-\u2069]")
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
LABEL_CHARS: Final = 60


def display_text(value: str) -> str:
    """``value`` without bidi embedding/override/isolate controls."""
    return BIDI_CONTROLS.sub("", value)


def chart_label(value: str, limit: int = LABEL_CHARS) -> str:
    """``value`` as a one-line chart label: bidi controls removed, whitespace runs joined, cut to ``limit``
    characters with an ellipsis."""
    text = " ".join(display_text(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def csv_text(value: object) -> object:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``; numbers unchanged."""
    if isinstance(value, str):
        text = display_text(value)
        return "'" + text if text.startswith(FORMULA_START) else text
    return value
