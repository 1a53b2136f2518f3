"""The search semantics of HubSpot's ``POST …/search``: filter groups (OR) of filters (AND) with the
documented operators, one sort, and comparisons on numbers and datetimes (epoch-ms or ISO) by value."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from connectors.hubspot.values import instant, number

OPERATORS = frozenset(
    {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
     "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
)  # fmt: skip
MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 10, 25


class SearchError(ValueError):
    """A search request HubSpot would refuse with a 400 (message says why)."""


def comparable(value: object) -> float | str | None:
    """A property value as something ordered: numbers and datetimes as floats (epoch ms), else the text."""
    if value is None or value == "":
        return None
    return _comparable(str(value))


@lru_cache(maxsize=262_144)
def _comparable(text: str) -> float | str | None:
    as_number = number(text)
    if as_number is not None:
        return as_number
    moment = instant(text)
    if moment is not None:
        return moment.timestamp() * 1000
    return text.lower()


def _compare(left: float | str | None, right: float | str | None, test: Callable[[Any, Any], bool]) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, float) != isinstance(right, float):
        return False
    return test(left, right)


def check_filters(groups: object) -> list[list[dict[str, Any]]]:
    """The filter groups, validated (caps, operators, required values); :class:`SearchError` otherwise."""
    if not isinstance(groups, list):
        raise SearchError("filterGroups must be an array")
    if len(groups) > MAX_GROUPS:
        raise SearchError(f"too many filterGroups ({len(groups)}; at most {MAX_GROUPS})")
    out: list[list[dict[str, Any]]] = []
    total = 0
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise SearchError("each filter group needs a 'filters' array")
        if len(filters) > MAX_PER_GROUP:
            raise SearchError(f"too many filters in a group ({len(filters)}; at most {MAX_PER_GROUP})")
        total += len(filters)
        for item in filters:
            if not isinstance(item, dict) or not item.get("propertyName") or item.get("operator") not in OPERATORS:
                raise SearchError(f"invalid filter {item!r}")
            operator = item["operator"]
            if operator in {"IN", "NOT_IN"} and not isinstance(item.get("values"), list):
                raise SearchError(f"operator {operator} needs 'values'")
            if operator == "BETWEEN" and ("value" not in item or "highValue" not in item):
                raise SearchError("operator BETWEEN needs 'value' and 'highValue'")
            if operator not in {"IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"} and "value" not in item:
                raise SearchError(f"operator {operator} needs 'value'")
        out.append(filters)
    if total > MAX_FILTERS:
        raise SearchError(f"too many filters ({total}; at most {MAX_FILTERS})")
    return out


def matches_filter(props: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Whether one record's properties satisfy one filter."""
    raw = props.get(item["propertyName"])
    operator = item["operator"]
    present = raw is not None and raw != ""
    if operator == "HAS_PROPERTY":
        return present
    if operator == "NOT_HAS_PROPERTY":
        return not present
    left = comparable(raw)
    if operator in {"IN", "NOT_IN"}:
        found = any(_compare(left, comparable(v), lambda a, b: a == b) for v in item["values"])
        return found if operator == "IN" else present and not found
    if operator in {"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}:
        token = str(item["value"]).lower().strip("*")
        found = present and token in str(raw).lower().split()
        return found if operator == "CONTAINS_TOKEN" else not found
    right = comparable(item.get("value"))
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": lambda a, b: a == b,
        "NEQ": lambda a, b: a != b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }
    if operator == "BETWEEN":
        high = comparable(item.get("highValue"))
        return _compare(left, right, lambda a, b: a >= b) and _compare(left, high, lambda a, b: a <= b)
    if operator == "NEQ":
        return not _compare(left, right, lambda a, b: a == b)
    return _compare(left, right, tests[operator])


def matches(props: Mapping[str, Any], groups: Sequence[Sequence[Mapping[str, Any]]]) -> bool:
    """OR over groups of AND over filters; no groups matches everything."""
    return not groups or any(all(matches_filter(props, f) for f in group) for group in groups)


def sort_key(sorts: object) -> tuple[str, bool] | None:
    """The one honoured sort: ``"prop"``/``"-prop"`` strings (the spec's form) or ``{propertyName, direction}``."""
    if not isinstance(sorts, list) or not sorts:
        return None
    first = sorts[0]
    if isinstance(first, str):
        return (first[1:], True) if first.startswith("-") else (first, False)
    if isinstance(first, dict) and first.get("propertyName"):
        return str(first["propertyName"]), str(first.get("direction", "ASCENDING")).upper() == "DESCENDING"
    raise SearchError(f"invalid sort {first!r}")
