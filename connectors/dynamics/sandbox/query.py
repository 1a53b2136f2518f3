"""System query options on an entity set: ``$select``, ``$filter``, ``$orderby``, ``$top``, ``$count``,
``$expand`` (single-valued lookups), ``$apply`` (filter / groupby / aggregate) — parsed and checked the way
Dataverse does, then run over the store's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .edm import DATETIME, Table, table_by_set
from .errors import AGGREGATE_LIMIT, ODataError, query_error
from .odata_filter import Predicate, compile_filter
from .store import Store

__all__ = ["SUPPORTED_OPTIONS", "Aggregation", "Query", "format_value", "parse_query", "split_top_level"]

SUPPORTED_OPTIONS = frozenset(
    {"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$apply", "$skiptoken", "$deltatoken"}
)
_NAME = re.compile(r"^[A-Za-z_]\w*$")


def type_name(table: Table) -> str:
    """``Microsoft.Dynamics.CRM.<logical name>``, as Dataverse names types in its messages."""
    return f"Microsoft.Dynamics.CRM.{table.logical_name}"


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` on ``sep`` outside parentheses and quoted strings."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
    if depth != 0 or quoted:
        raise query_error(f"Syntax error: unbalanced parentheses or quotes in '{text}'.")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _unknown(name: str, table: Table) -> ODataError:
    return query_error(f"Could not find a property named '{name}' on type '{type_name(table)}'.")


def _columns(text: str, table: Table) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise query_error(f"Syntax error: empty $select in '{text}'.")
    for name in names:
        if table.column_type(name) is None:
            raise _unknown(name, table)
    return names


@dataclass(frozen=True)
class Expand:
    """``$expand=<lookup>($select=…)``."""

    name: str
    target: Table
    column: str
    select: list[str] | None


@dataclass(frozen=True)
class Aggregation:
    """``aggregate(...)`` pieces: ``(alias, column or None for $count, method)``."""

    parts: list[tuple[str, str | None, str]]


@dataclass
class Query:
    """A parsed query on one table."""

    table: Table
    select: list[str] | None = None
    where: Predicate | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (column, descending)
    top: int | None = None
    count: bool = False
    expand: list[Expand] = field(default_factory=list)
    apply_filter: Predicate | None = None
    groupby: list[str] | None = None
    aggregate: Aggregation | None = None
    raw: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_aggregate(self) -> bool:
        """Whether ``$apply`` groups or aggregates."""
        return self.groupby is not None or self.aggregate is not None

    def matching(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Rows passing ``$filter`` and ``$apply``'s ``filter``."""
        for row in rows:
            if (self.where is None or self.where(row)) and (self.apply_filter is None or self.apply_filter(row)):
                yield row

    def sort(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows in ``$orderby`` order (nulls first ascending, as SQL Server does); stable."""
        for column, descending in reversed(self.order):
            rows.sort(key=_sort_key(column), reverse=descending)
        return rows

    def group(self, rows: Iterable[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
        """Run ``groupby``/``aggregate`` over ``rows``; more than ``limit`` input rows is Dataverse's error."""
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for seen, row in enumerate(rows, start=1):
            if seen > limit:
                raise ODataError(
                    400, AGGREGATE_LIMIT, "AggregateQueryRecordLimit exceeded. Cannot perform this operation."
                )
            groups.setdefault(tuple(row.get(c) for c in self.groupby or []), []).append(row)
        if not self.groupby and not groups:
            groups[()] = []
        out = []
        for values in sorted(groups, key=lambda k: tuple((v is not None, _sortable(v)) for v in k)):
            members = groups[values]
            result: dict[str, Any] = dict(zip(self.groupby or [], values, strict=True))
            for alias, column, method in self.aggregate.parts if self.aggregate else []:
                result[alias] = _aggregate(members, column, method)
            out.append(result)
        return out


def _sort_key(column: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        return row.get(column) is not None, _sortable(row.get(column))

    return key


def _sortable(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return int(value)
    return value if value is not None else 0


def _aggregate(rows: list[dict[str, Any]], column: str | None, method: str) -> Any:
    if column is None:
        return len(rows)
    values = [r[column] for r in rows if r.get(column) is not None]
    if method == "countdistinct":
        return len(set(values))
    if not values:
        return None
    if method == "sum":
        return sum(values)
    if method == "average":
        return sum(Decimal(v) for v in values) / len(values)
    return min(values) if method == "min" else max(values)


_AGG = re.compile(
    r"^(?:(?P<count>\$count)|(?P<col>[A-Za-z_]\w*)\s+with\s+(?P<method>\w+))\s+as\s+(?P<alias>[A-Za-z_]\w*)$"
)
_METHODS = {"sum", "average", "min", "max", "countdistinct"}


def _parse_aggregate(text: str, table: Table) -> Aggregation:
    parts = []
    for piece in split_top_level(text):
        match = _AGG.match(piece)
        if match is None:
            raise query_error(f"Syntax error in aggregate expression '{piece}'.")
        column = match.group("col")
        if column is not None:
            if table.column_type(column) is None:
                raise _unknown(column, table)
            if match.group("method") not in _METHODS:
                raise query_error(f"The aggregation method '{match.group('method')}' is not supported.")
        parts.append((match.group("alias"), column, match.group("method") or "count"))
    return Aggregation(parts)


def _call(text: str, name: str) -> str | None:
    """The inside of ``name(...)`` when ``text`` is exactly that call."""
    if text.startswith(f"{name}(") and text.endswith(")"):
        return text[len(name) + 1 : -1]
    return None


def _parse_apply(text: str, query: Query) -> None:
    table = query.table
    for step in split_top_level(text, "/"):
        inner = _call(step, "filter")
        if inner is not None:
            if query.is_aggregate:
                raise query_error("filter() after groupby/aggregate is not supported.")
            query.apply_filter = compile_filter(inner, table.columns, type_name(table))
            continue
        inner = _call(step, "groupby")
        if inner is not None:
            pieces = split_top_level(inner)
            if not pieces[0].startswith("(") or not pieces[0].endswith(")") or len(pieces) > 2:
                raise query_error(f"Syntax error in groupby '{step}'.")
            columns = _columns(pieces[0][1:-1], table)
            for column in columns:
                if table.column_type(column) == DATETIME:
                    raise query_error(
                        f"groupby on the datetime column '{column}' is not supported; group on the client side "
                        "or use FetchXML date grouping."
                    )
            query.groupby = columns
            if len(pieces) == 2:
                agg = _call(pieces[1], "aggregate")
                if agg is None:
                    raise query_error(f"Syntax error in groupby '{step}'.")
                query.aggregate = _parse_aggregate(agg, table)
            continue
        inner = _call(step, "aggregate")
        if inner is not None and query.groupby is None:
            query.aggregate = _parse_aggregate(inner, table)
            continue
        raise query_error(f"The $apply transformation '{step}' is not supported.")


def _parse_expand(text: str, table: Table) -> list[Expand]:
    found = []
    for piece in split_top_level(text):
        name, _, rest = piece.partition("(")
        lookup = table.lookup(name.strip())
        if lookup is None:
            raise _unknown(name.strip(), table)
        target = table_by_set(lookup.target)
        assert target is not None
        select = None
        if rest:
            options = rest[:-1] if rest.endswith(")") else None
            if options is None:
                raise query_error(f"Syntax error in $expand '{piece}'.")
            for option in split_top_level(options, ";"):
                key, _, value = option.partition("=")
                if key != "$select":
                    raise query_error(f"The query option '{key}' is not supported inside $expand of a lookup.")
                select = _columns(value, target)
        found.append(Expand(name.strip(), target, lookup.column, select))
    return found


def parse_query(table: Table, params: Mapping[str, str], *, tracking: bool = False) -> Query:
    """Parse the system query options in ``params`` for ``table``; raise Dataverse's error on bad input."""
    for name in params:
        if name == "$skip":
            raise query_error("The query parameter $skip is not supported.")
        if name.startswith("$") and name not in SUPPORTED_OPTIONS:
            raise query_error(f"The query parameter {name} is not supported.")
        if tracking and name in ("$filter", "$orderby", "$expand", "$top", "$apply"):
            raise query_error(f"The query parameter {name} isn't supported when Change Tracking is enabled.")
    query = Query(table, raw=dict(params))
    if "$select" in params:
        query.select = _columns(params["$select"], table)
    if "$filter" in params:
        query.where = compile_filter(params["$filter"], table.columns, type_name(table))
    if "$top" in params:
        if not params["$top"].isdigit():
            raise query_error(f"Invalid value '{params['$top']}' for $top query option found.")
        query.top = int(params["$top"])
    if "$count" in params:
        if params["$count"] not in ("true", "false"):
            raise query_error(f"'{params['$count']}' is not a valid count option.")
        query.count = params["$count"] == "true"
    if "$expand" in params:
        query.expand = _parse_expand(params["$expand"], table)
    if "$apply" in params:
        _parse_apply(params["$apply"], query)
    if "$orderby" in params:
        aliases = {a for a, _, _ in query.aggregate.parts} if query.aggregate else set()
        for piece in split_top_level(params["$orderby"]):
            column, _, direction = piece.partition(" ")
            if column in aliases:
                raise query_error("$orderby on aggregate values is not supported.")
            if table.column_type(column) is None:
                raise _unknown(column, table)
            if direction.strip() not in ("", "asc", "desc"):
                raise query_error(f"Syntax error in $orderby '{piece}'.")
            query.order.append((column, direction.strip() == "desc"))
    return query


def format_value(value: Any) -> Any:
    """A column value as Dataverse writes it in JSON (datetimes as ``2026-01-01T00:00:00Z``)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Decimal):
        return float(value)
    return value


def project(
    row: Mapping[str, Any],
    query: Query,
    store: Store,
    annotate: Callable[[Table, dict[str, Any]], None],
) -> dict[str, Any]:
    """A row as served: ETag, selected columns (key always), expanded lookups."""
    table = query.table
    columns = query.select if query.select is not None else list(table.columns)
    out: dict[str, Any] = {"@odata.etag": f'W/"{row.get("versionnumber")}"'}
    for column in columns:
        out[column] = format_value(row.get(column))
    out[table.key] = row.get(table.key)
    annotate(table, out)
    for expand in query.expand:
        target_key = row.get(expand.column)
        target = store.get(expand.target.entity_set, target_key) if target_key else None
        if target is None:
            out[expand.name] = None
            continue
        columns = expand.select if expand.select is not None else list(expand.target.columns)
        nested: dict[str, Any] = {"@odata.etag": f'W/"{target.get("versionnumber")}"'}
        nested.update({c: format_value(target.get(c)) for c in columns})
        nested[expand.target.key] = target.get(expand.target.key)
        annotate(expand.target, nested)
        out[expand.name] = nested
    return out
