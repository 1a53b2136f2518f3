"""Find the first YAML syntax problem of a text quickly, with the line a person has to fix.

The round-trip parser (ruamel.yaml, pure Python) is slow and recursive: a 5 MB file takes tens of
seconds and 10,000 nested levels exhaust Python's recursion limit. Before it runs, the text is checked
by PyYAML's event parser (libyaml, in C, where installed): it streams events without building
anything, so the first syntax error, a too-deep nesting and unprintable characters are found in a
fraction of a second, each with a line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted. A journey needs fewer than ten levels; the
limit keeps hostile or broken files from reaching the recursive round-trip parser."""

# YAML 1.2 §5.1: printable characters are TAB, LF, CR, x20-x7E, NEL, xA0-xD7FF, xE000-xFFFD and above.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOM = "\ufeff"

# For these, the problem mark is where the parser gave up (a later line, or the end of the file);
# the context mark is where the unfinished construct starts, which is the line to fix.
_CONTEXT_FIRST = (
    "while scanning a quoted scalar",
    "while parsing a flow",
    "while scanning a simple key",
    "while scanning a block scalar",
    "while scanning an anchor",
    "while scanning an alias",
    "while scanning a tag",
)


class _Mark(Protocol):
    line: int
    column: int


@dataclass(frozen=True)
class SyntaxProblem:
    """A syntax problem: 1-based ``line`` and ``column`` (None when unknown) and a human ``message``."""

    line: int | None
    column: int | None
    message: str
    recoverable: bool = True
    """Whether blanking the one line may fix it (not so for nesting, which spans many lines)."""


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def problem_from_marked(exc: Any, line_count: int) -> SyntaxProblem:
    """The problem of a marked YAML error (PyYAML's or ruamel's: same attributes), at the line to fix.

    That is the problem mark, except for unfinished constructs (an unclosed quote or bracket, a key
    without ``:``) whose problem mark lies past the broken line: there the line where the construct
    starts is named and the message says where the parser gave up.
    """
    context: str | None = exc.context
    problem: str = exc.problem or "malformed YAML"
    primary: _Mark | None = exc.problem_mark
    secondary: _Mark | None = exc.context_mark
    if context and context.startswith(_CONTEXT_FIRST) and secondary is not None:
        primary, secondary = secondary, primary
    if primary is None or not 0 <= primary.line < max(line_count, 1):
        primary, secondary = secondary, None
    if primary is None:
        return SyntaxProblem(None, None, f"invalid YAML: {problem}")
    message = f"invalid YAML: {problem}"
    if context:
        message = f"invalid YAML: {context}: {problem}"
    if secondary is not None and secondary.line != primary.line and 0 <= secondary.line < line_count:
        message += f" (see also line {secondary.line + 1})"
    return SyntaxProblem(primary.line + 1, primary.column + 1, message)


def unprintable_character(text: str) -> SyntaxProblem | None:
    """The first character YAML does not allow (NUL, other control characters), or None."""
    bad = _UNPRINTABLE.search(text)
    if bad is None:
        return None
    line, column = _position(text, bad.start())
    return SyntaxProblem(
        line,
        column,
        f"invalid YAML: control character U+{ord(bad.group()):04X} is not allowed (is this a binary or corrupt file?)",
    )


def first_syntax_problem(text: str) -> SyntaxProblem | None:
    """The first syntax problem of YAML ``text`` (or None): unprintable characters, syntax errors and
    nesting deeper than :data:`MAX_DEPTH`, each with its line. Linear time, constant memory."""
    bad = unprintable_character(text.removeprefix(_BOM))
    if bad is not None:
        return bad
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    line_count = text.count("\n") + 1
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return SyntaxProblem(
                        mark.line + 1 if mark else None,
                        mark.column + 1 if mark else None,
                        f"invalid YAML: nested more than {MAX_DEPTH} levels deep (a journey needs fewer than ten)",
                        recoverable=False,
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        return problem_from_marked(exc, line_count)
    except yaml.YAMLError as exc:  # a reader error without marks
        return SyntaxProblem(None, None, f"invalid YAML: {exc}")
    return None


def json_nesting_problem(text: str) -> SyntaxProblem | None:
    """Where JSON ``text`` first nests deeper than :data:`MAX_DEPTH` (strings skipped), or None."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line, column = _position(text, index)
                return SyntaxProblem(line, column, f"invalid JSON: nested more than {MAX_DEPTH} levels deep")
        elif char in "]}":
            depth -= 1
    return None
