"""Plain text ↔ Miro rich text (a small inline-HTML subset).

Each line of text becomes one ``<p>`` paragraph with ``<>&`` escaped, so ``to_text(to_html(t)) == t``
and ``to_html(to_text(to_html(t))) == to_html(t)``. Reading accepts what people type in Miro: ``<p>``,
``<div>``, ``<li>`` and ``<br>`` break lines, every other tag is dropped and entities are decoded.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_SPACE = re.compile(r"\s+")


def to_html(text: str) -> str:
    """Miro content for plain ``text``: one ``<p>`` per line, ``<>&`` escaped."""
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in text.split("\n"))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._in_block = False
        self._saw_block = False

    def _break(self) -> None:
        self.lines.append("".join(self._current))
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break()
        elif tag in _BLOCKS:
            if self._current:
                self._break()
            self._in_block = self._saw_block = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS and self._in_block:
            self._break()
            self._in_block = False

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def result(self) -> str:
        if self._current or not self._saw_block:
            self._break()
        return "\n".join(self.lines)


def to_text(content: str | None) -> str:
    """Plain text of Miro ``content`` (HTML or plain); ``None`` gives ``""``."""
    if not content:
        return ""
    parser = _TextCollector()
    parser.feed(content)
    parser.close()
    return parser.result()


def normalise(text: str) -> str:
    """Comparison key for matching items by content: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
