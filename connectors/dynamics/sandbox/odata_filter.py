"""A real OData v4 ``$filter`` parser and evaluator for the subset Dataverse accepts.

Grammar (precedence low → high)::

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | compare
    compare := operand (('eq'|'ne'|'gt'|'ge'|'lt'|'le') operand)?
    operand := '(' expr ')' | func '(' operand ',' operand ')' | literal | property
    func    := 'contains' | 'startswith' | 'endswith'
    literal := null | true | false | 'text' ('' escapes ') | integer | decimal
             | 2026-01-01 | 2026-01-01T00:00:00[.fff](Z|±hh:mm) | 8-4-4-4-12 hex guid

Dataverse semantics kept here: datetime literals go unquoted (a quoted one against a datetime column is
an incompatible-types error), text comparisons are case-insensitive, a comparison with a null column is
false except ``eq null``/``ne null``. Unknown properties, unknown functions, arithmetic operators and
syntax errors give Dataverse's messages (code ``0x80060888``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeAlias
from uuid import UUID

from .edm import BOOL, DATETIME, DECIMAL, GUID, INT, STRING
from .errors import ODataError, query_error

__all__ = ["Predicate", "compile_filter", "parse_datetime"]

Row: TypeAlias = Mapping[str, Any]
Predicate: TypeAlias = Callable[[Row], bool]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)(?![\w])
  | (?P<string>'(?:[^']|'')*')
  | (?P<name>[A-Za-z_][\w.]*(?:/[A-Za-z_]\w*)*)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_COMPARISONS = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
_ARITHMETIC = {"add", "sub", "mul", "div", "mod", "has", "in"}
_TEXT_FUNCTIONS = {"contains", "startswith", "endswith"}
_KNOWN_UNSUPPORTED = {
    "tolower", "toupper", "trim", "length", "indexof", "substring", "concat", "year", "month", "day", "hour",
    "minute", "second", "date", "time", "now", "round", "floor", "ceiling", "cast", "isof", "any", "all",
}  # fmt: skip


def parse_datetime(text: str) -> datetime:
    """An OData datetime or date literal as an aware UTC ``datetime``; ``ValueError`` when malformed."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class _Lit:
    value: Any
    edm: str | None  # None for null


@dataclass(frozen=True)
class _Prop:
    name: str


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[_Node, ...]


@dataclass(frozen=True)
class _Cmp:
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Bool:
    op: str  # and / or / not
    args: tuple[_Node, ...]


_Node: TypeAlias = _Lit | _Prop | _Call | _Cmp | _Bool


def _tokens(text: str) -> list[_Tok]:
    found: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise query_error(f"Syntax error at position {pos} in '{text}'.")
        if match.lastgroup != "ws":
            found.append(_Tok(match.lastgroup, match.group(), pos))
        pos = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def error(self, pos: int | None = None) -> ODataError:
        at = pos if pos is not None else (self.toks[self.i].pos if self.i < len(self.toks) else len(self.text))
        return query_error(f"Syntax error at position {at} in '{self.text}'.")

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def word(self) -> str | None:
        tok = self.peek()
        return tok.text.lower() if tok is not None and tok.kind == "name" else None

    def take(self, text: str) -> None:
        tok = self.peek()
        if tok is None or tok.text != text:
            raise self.error()
        self.i += 1

    def parse(self) -> _Node:
        if not self.toks:
            raise query_error(f"Syntax error at position 0 in '{self.text}'.")
        node = self.expr()
        if self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            if tok.kind == "name" and tok.text.lower() in _ARITHMETIC:
                raise query_error(f"The operator '{tok.text}' is not supported in a $filter expression.")
            raise self.error()
        return node

    def expr(self) -> _Node:
        node = self.conj()
        while self.word() == "or":
            self.i += 1
            node = _Bool("or", (node, self.conj()))
        return node

    def conj(self) -> _Node:
        node = self.unary()
        while self.word() == "and":
            self.i += 1
            node = _Bool("and", (node, self.unary()))
        return node

    def unary(self) -> _Node:
        if self.word() == "not":
            self.i += 1
            return _Bool("not", (self.unary(),))
        return self.compare()

    def compare(self) -> _Node:
        left = self.operand()
        op = self.word()
        if op in _COMPARISONS:
            self.i += 1
            return _Cmp(op, left, self.operand())
        if op in _ARITHMETIC:
            raise query_error(f"The operator '{op}' is not supported in a $filter expression.")
        return left

    def operand(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.error()
        self.i += 1
        if tok.text == "(":
            node = self.expr()
            self.take(")")
            return node
        if tok.kind == "string":
            return _Lit(tok.text[1:-1].replace("''", "'"), STRING)
        if tok.kind == "number":
            return _number(tok.text)
        if tok.kind in ("datetime", "date"):
            try:
                return _Lit(parse_datetime(tok.text), DATETIME)
            except ValueError as exc:
                raise query_error(f"Unrecognized 'Edm.DateTimeOffset' literal '{tok.text}' at '{tok.pos}'.") from exc
        if tok.kind == "guid":
            return _Lit(str(UUID(tok.text)), GUID)
        if tok.kind != "name":
            raise self.error(tok.pos)
        lowered = tok.text.lower()
        if lowered == "null":
            return _Lit(None, None)
        if lowered in ("true", "false"):
            return _Lit(lowered == "true", BOOL)
        nxt = self.peek()
        if nxt is not None and nxt.text == "(":
            return self.call(tok)
        return _Prop(tok.text)

    def call(self, name: _Tok) -> _Node:
        fn = name.text
        if fn not in _TEXT_FUNCTIONS:
            if fn.lower() in _KNOWN_UNSUPPORTED or fn.startswith("Microsoft.Dynamics.CRM."):
                raise query_error(f"The '{fn}' function is not supported by this server.")
            raise query_error(
                f"An unknown function with name '{fn}' was found. This may also be a function import or a key "
                "lookup on a navigation property, which is not allowed."
            )
        self.take("(")
        args = [self.operand()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.i += 1
            args.append(self.operand())
        self.take(")")
        if len(args) != 2:
            raise query_error(
                f"No function signature for the function with name '{fn}' matches the specified arguments."
            )
        return _Call(fn, tuple(args))


def _number(text: str) -> _Lit:
    body = text.rstrip("mMdDfFlL")
    if re.fullmatch(r"-?\d+", body):
        value = int(body)
        return _Lit(value, INT if -(2**31) <= value < 2**31 else "Edm.Int64")
    return _Lit(Decimal(body), DECIMAL)


_NUMERIC = {INT, "Edm.Int64", DECIMAL}
_ORDERED = _NUMERIC | {DATETIME, STRING, GUID}


def _compatible(a: str, b: str) -> bool:
    return a == b or (a in _NUMERIC and b in _NUMERIC)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(value) if isinstance(value, float) else value
    return value


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
Getter: TypeAlias = Callable[[Row], Any]


class _Compiler:
    def __init__(self, columns: Mapping[str, str], type_name: str) -> None:
        self.columns = columns
        self.type_name = type_name

    def value(self, node: _Node) -> tuple[Getter, str | None]:
        if isinstance(node, _Lit):
            constant = node.value
            return (lambda _row: constant), node.edm
        if isinstance(node, _Prop):
            edm = self.columns.get(node.name)
            if edm is None:
                raise query_error(f"Could not find a property named '{node.name}' on type '{self.type_name}'.")
            name = node.name
            return (lambda row: row.get(name)), edm
        return self.predicate(node), BOOL

    def predicate(self, node: _Node) -> Predicate:
        if isinstance(node, _Bool):
            parts = [self.predicate(arg) for arg in node.args]
            if node.op == "not":
                return lambda row: not parts[0](row)
            first, second = parts
            if node.op == "and":
                return lambda row: first(row) and second(row)
            return lambda row: first(row) or second(row)
        if isinstance(node, _Cmp):
            return self.comparison(node)
        if isinstance(node, _Call):
            return self.text_function(node)
        getter, edm = self.value(node)
        if edm != BOOL:
            raise query_error("The $filter expression must evaluate to a single boolean value.")
        return lambda row: bool(getter(row))

    def comparison(self, node: _Cmp) -> Predicate:
        left, ltype = self.value(node.left)
        right, rtype = self.value(node.right)
        if ltype is not None and rtype is not None and not _compatible(ltype, rtype):
            raise query_error(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{ltype}' and '{rtype}' for operator kind '{_COMPARISONS[node.op]}'."
            )
        if node.op not in ("eq", "ne") and (ltype not in _ORDERED or rtype not in _ORDERED):
            shown = ltype or rtype or "null"
            raise query_error(
                f"A binary operator with incompatible types was detected. Found operand types '{shown}' and "
                f"'{rtype or 'null'}' for operator kind '{_COMPARISONS[node.op]}'."
            )
        op = _OPS[node.op]

        def compare(row: Row) -> bool:
            a, b = left(row), right(row)
            if a is None or b is None:
                both = a is None and b is None
                return both if node.op == "eq" else (not both if node.op == "ne" else False)
            return op(_norm(a), _norm(b))

        return compare

    def text_function(self, node: _Call) -> Predicate:
        (subject, stype), (needle, ntype) = (self.value(arg) for arg in node.args)
        if stype not in (STRING, None) or ntype not in (STRING, None):
            raise query_error(
                f"No function signature for the function with name '{node.name}' matches the specified arguments."
            )
        test: Callable[[str, str], bool] = {
            "contains": lambda s, n: n in s,
            "startswith": lambda s, n: s.startswith(n),
            "endswith": lambda s, n: s.endswith(n),
        }[node.name]

        def check(row: Row) -> bool:
            s, n = subject(row), needle(row)
            return isinstance(s, str) and isinstance(n, str) and test(s.casefold(), n.casefold())

        return check


def compile_filter(text: str, columns: Mapping[str, str], type_name: str) -> Predicate:
    """Parse ``text`` and bind it to ``columns`` (name → EDM type) of ``type_name``; raise :class:`ODataError`."""
    node = _Parser(text).parse()
    return _Compiler(columns, type_name).predicate(node)
