"""Plain text ↔ Miro rich text: the one codec for every HTML-carrying field.

Miro keeps the text of sticky notes, shapes and texts (``data.content``), of cards and app cards
(``data.title``, ``data.description``) and of connector captions (``captions[].content``) as an HTML
fragment (developers.miro.com/reference/data: "Besides plain text, title also supports the following
HTML tags: <p> <a> <br> … Unsupported HTML tags are automatically stripped"). Frame titles and tag
titles are plain text. :data:`HTML_FIELDS` names the fields; :func:`field_text` decodes any of them.

Writing: each line of text becomes one ``<p>`` paragraph with ``<``, ``>`` and ``&`` escaped; an empty
line is ``<p><br></p>``, as Miro itself stores one. Reading renders the HTML as Miro shows it: a block
(``<p>``, ``<div>``, ``<li>``, headings, ``<blockquote>``) is a line, ``<br>`` breaks a line (a ``<br>``
that ends a block is the block's own end, so ``<p>a</p><p><br></p><p>b</p>`` reads ``a``, an empty
line, ``b``), other tags are dropped and character references are decoded. Hence
``to_text(to_html(t)) == t`` for any Unicode ``t`` and ``to_html(to_text(to_html(t))) == to_html(t)``.

Tokenising is done by the standard library's :class:`html.parser.HTMLParser` (the HTML5 tokenizer
rules for tags and character references, maintained with CPython): only a token stream is needed, no
tree, so no third-party parser is pulled in.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol"})
_SPACE = re.compile(r"\s+")

HTML_FIELDS: Mapping[str, frozenset[str]] = {
    "sticky_note": frozenset({"content"}),
    "shape": frozenset({"content"}),
    "text": frozenset({"content"}),
    "card": frozenset({"title", "description"}),
    "app_card": frozenset({"title", "description"}),
    "connector": frozenset({"captions"}),
}
"""The ``data`` fields Miro keeps as rich text, per item type (``captions`` holds a list of them)."""


def to_html(text: str) -> str:
    """Miro rich text for plain ``text``: one ``<p>`` per line, ``<>&`` escaped, empty lines ``<p><br></p>``."""
    return "".join(f"<p>{html.escape(line, quote=False) or '<br>'}</p>" for line in text.split("\n"))


class _TextCollector(HTMLParser):
    """Lines of text as Miro shows an HTML fragment (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._depth = 0
        self._after_break = False
        self._saw_block = False

    def _break(self) -> None:
        self.lines.append("".join(self._current))
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break()
            self._after_break = True
        elif tag in _BLOCKS:
            if self._current:
                self._break()
            self._depth += 1
            self._saw_block = True
            self._after_break = False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _BLOCKS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _BLOCKS or self._depth == 0:
            return
        self._depth -= 1
        if tag in ("ul", "ol"):
            if self._current:
                self._break()
        elif not (self._after_break and not self._current):
            self._break()
        self._after_break = False

    def handle_data(self, data: str) -> None:
        if self._depth == 0 and self._saw_block and not self._current and not data.strip():
            return  # formatting whitespace between blocks
        self._current.append(data)
        self._after_break = False

    def result(self) -> str:
        if self._current or not self._saw_block:
            self._break()
        return "\n".join(self.lines)


def to_text(content: str | None) -> str:
    """Plain text of Miro rich text (HTML or plain) as Miro shows it; ``None`` gives ``""``."""
    if not content:
        return ""
    if "<" not in content and "&" not in content:  # plain text: nothing to parse
        return content
    return _parsed(content)


@lru_cache(maxsize=1 << 14)
def _parsed(content: str) -> str:
    parser = _TextCollector()
    parser.feed(content)
    parser.close()
    return parser.result()


def field_text(item_type: str, name: str, value: object) -> str:
    """The plain text of ``data[name]`` of an item of ``item_type``: decoded when Miro keeps it as HTML."""
    if value is None:
        return ""
    if name in HTML_FIELDS.get(item_type, frozenset()):
        return to_text(str(value))
    return str(value)


def data_text(item_type: str, data: Mapping[str, object]) -> str:
    """The plain text an item of ``item_type`` shows: its ``content``, else its ``title``, decoded."""
    name = "content" if data.get("content") else "title"
    return field_text(item_type, name, data.get(name))


def normalise(text: str) -> str:
    """Comparison key for matching items by content: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
