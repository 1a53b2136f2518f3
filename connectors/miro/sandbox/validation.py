"""Request-body rules of the Miro v2 spec as small composable validators.

A validator takes ``(value, path)`` and returns the list of :class:`FieldError` it finds; unknown
object members are errors, as on the live API. Per-type schemas are declared once in
:data:`ITEM_SCHEMAS`; cross-field rules (sticky width-or-height, text width) live beside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, TypeAlias

from .errors import FieldError

__all__ = [
    "CONNECTOR_CREATE",
    "CONNECTOR_UPDATE",
    "ITEM_SCHEMAS",
    "ITEM_TYPES",
    "POSITION_UPDATE",
    "TAG_COLORS",
    "TAG_CREATE",
    "TAG_UPDATE",
    "Validator",
    "check_item",
]

Validator: TypeAlias = Callable[[Any, str], list[FieldError]]

STICKY_COLORS = (
    "gray", "light_yellow", "yellow", "orange", "light_green", "green", "dark_green", "cyan",
    "light_pink", "pink", "violet", "red", "light_blue", "blue", "dark_blue", "black",
)  # fmt: skip
TAG_COLORS = (
    "red", "light_green", "cyan", "yellow", "magenta", "green", "blue", "gray", "violet",
    "dark_green", "dark_blue", "black",
)  # fmt: skip
SHAPES = (
    "rectangle", "round_rectangle", "circle", "triangle", "rhombus", "parallelogram", "trapezoid",
    "pentagon", "hexagon", "octagon", "wedge_round_rectangle_callout", "star",
    "flow_chart_predefined_process", "cloud", "cross", "can", "right_arrow", "left_arrow",
    "left_right_arrow", "left_brace", "right_brace",
)  # fmt: skip
FONTS = (
    "arial", "abril_fatface", "bangers", "eb_garamond", "georgia", "graduate", "gravitas_one",
    "fredoka_one", "nixie_one", "open_sans", "permanent_marker", "pt_sans", "pt_sans_narrow", "pt_serif",
    "rammetto_one", "roboto", "roboto_condensed", "roboto_slab", "caveat", "times_new_roman", "titan_one",
    "lemon_tuesday", "roboto_mono", "noto_sans", "plex_sans", "plex_serif", "plex_mono", "spoof",
    "tiempos_text", "formular",
)  # fmt: skip
STROKE_CAPS = (
    "none", "stealth", "rounded_stealth", "diamond", "filled_diamond", "oval", "filled_oval", "arrow",
    "triangle", "filled_triangle", "erd_one", "erd_many", "erd_only_one", "erd_zero_or_one",
    "erd_one_or_many", "erd_zero_or_many", "unknown",
)  # fmt: skip
H_ALIGN = ("left", "right", "center")
V_ALIGN = ("top", "middle", "bottom")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_INT64 = re.compile(r"^[0-9]{1,19}$")
_PERCENT = re.compile(r"^(\d{1,3}(\.\d+)?)%$")


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _err(path: str, message: str) -> list[FieldError]:
    return [FieldError(path, message)]


def obj(fields: Mapping[str, Validator], required: Collection[str] = ()) -> Validator:
    """An object with exactly the given optional members (``required`` ones must be present)."""

    def check(value: Any, path: str) -> list[FieldError]:
        if not isinstance(value, dict):
            return _err(path or "body", "must be an object")
        errors = [FieldError(_join(path, k), "is required") for k in required if k not in value]
        for key, member in value.items():
            rule = fields.get(key)
            if rule is None:
                errors.append(FieldError(_join(path, key), "unknown field"))
            else:
                errors.extend(rule(member, _join(path, key)))
        return errors

    return check


def string(
    *,
    enum: Collection[str] | None = None,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    check: Callable[[str], bool] | None = None,
    hint: str = "has an invalid format",
) -> Validator:
    """A JSON string, optionally from ``enum``, at most ``max_len`` long, or matching ``pattern``."""

    def validate(value: Any, path: str) -> list[FieldError]:
        if not isinstance(value, str):
            return _err(path, "must be a string")
        if enum is not None and value not in enum:
            return _err(path, f"must be one of: {', '.join(enum)}")
        if max_len is not None and len(value) > max_len:
            return _err(path, f"must be at most {max_len} characters")
        if (pattern is not None and not pattern.match(value)) or (check is not None and not check(value)):
            return _err(path, hint)
        return []

    return validate


def numeric_string(low: float, high: float | None = None) -> Validator:
    """A number sent as a string (Miro's style numbers: ``"14"``, ``"1.0"``) within bounds."""

    def validate(value: Any, path: str) -> list[FieldError]:
        if not isinstance(value, str):
            return _err(path, "must be a string holding a number")
        try:
            number = float(value)
        except ValueError:
            return _err(path, "must be a string holding a number")
        if number < low or (high is not None and number > high):
            bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            return _err(path, f"must be {bound}")
        return []

    return validate


def number(*, positive: bool = False) -> Validator:
    """A JSON number (booleans excluded), optionally strictly positive."""

    def validate(value: Any, path: str) -> list[FieldError]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _err(path, "must be a number")
        if positive and value <= 0:
            return _err(path, "must be greater than 0")
        return []

    return validate


def boolean(value: Any, path: str) -> list[FieldError]:
    """A JSON boolean."""
    return [] if isinstance(value, bool) else _err(path, "must be a boolean")


def array(item: Validator, *, max_items: int) -> Validator:
    """A JSON array of at most ``max_items`` elements, each checked by ``item``."""

    def validate(value: Any, path: str) -> list[FieldError]:
        if not isinstance(value, list):
            return _err(path, "must be an array")
        if len(value) > max_items:
            return _err(path, f"must have at most {max_items} elements")
        return [e for i, element in enumerate(value) for e in item(element, _join(path, i))]

    return validate


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_percent(value: str) -> bool:
    match = _PERCENT.match(value)
    return match is not None and 0 <= float(match.group(1)) <= 100


hex_color = string(pattern=_HEX, hint="must be a hex colour like #1a2b3c")
int64_id = string(pattern=_INT64, hint="must be a numeric id")
POSITION = obj({"x": number(), "y": number()})
PARENT = obj({"id": int64_id}, required=("id",))
GEOMETRY = obj({"width": number(positive=True), "height": number(positive=True), "rotation": number()})
TEXT_STYLE = obj(
    {
        "color": hex_color,
        "fillColor": hex_color,
        "fillOpacity": numeric_string(0, 1),
        "fontFamily": string(enum=FONTS),
        "fontSize": numeric_string(1),
        "textAlign": string(enum=H_ALIGN),
    }
)
SHAPE_STYLE = obj(
    {
        "borderColor": hex_color,
        "borderOpacity": numeric_string(0, 1),
        "borderStyle": string(enum=("normal", "dotted", "dashed")),
        "borderWidth": numeric_string(1, 24),
        "color": hex_color,
        "fillColor": hex_color,
        "fillOpacity": numeric_string(0, 1),
        "fontFamily": string(enum=FONTS),
        "fontSize": numeric_string(10, 288),
        "textAlign": string(enum=H_ALIGN),
        "textAlignVertical": string(enum=V_ALIGN),
    }
)
CUSTOM_FIELD = obj(
    {
        "fillColor": hex_color,
        "iconShape": string(enum=("round", "square")),
        "iconUrl": string(check=lambda v: v.startswith("https://"), hint="must be an https URL"),
        "textColor": hex_color,
        "tooltip": string(),
        "value": string(),
    }
)


def _item_schema(data: Validator, style: Validator, geometry: Validator, *, parent: bool = True) -> Validator:
    members = {"data": data, "style": style, "position": POSITION, "geometry": geometry}
    return obj({**members, "parent": PARENT} if parent else members)


ITEM_SCHEMAS: dict[str, Validator] = {
    "sticky_note": _item_schema(
        obj({"content": string(), "shape": string(enum=("square", "rectangle"))}),
        obj(
            {
                "fillColor": string(enum=STICKY_COLORS),
                "textAlign": string(enum=H_ALIGN),
                "textAlignVertical": string(enum=V_ALIGN),
            }
        ),
        obj({"width": number(positive=True), "height": number(positive=True)}),
    ),
    "card": _item_schema(
        obj(
            {
                "title": string(),
                "description": string(),
                "assigneeId": int64_id,
                "dueDate": string(check=_is_datetime, hint="must be an ISO-8601 date-time"),
            }
        ),
        obj({"cardTheme": hex_color}),
        GEOMETRY,
    ),
    "app_card": _item_schema(
        obj(
            {
                "title": string(),
                "description": string(),
                "fields": array(CUSTOM_FIELD, max_items=100),
                "status": string(enum=("disconnected", "connected", "disabled")),
            }
        ),
        obj({"fillColor": hex_color}),
        GEOMETRY,
    ),
    "shape": _item_schema(obj({"content": string(), "shape": string(enum=SHAPES)}), SHAPE_STYLE, GEOMETRY),
    "text": _item_schema(
        obj({"content": string()}, required=("content",)),
        TEXT_STYLE,
        obj({"width": number(positive=True), "rotation": number()}),
    ),
    "frame": _item_schema(
        obj(
            {
                "title": string(),
                "format": string(enum=("custom",)),
                "type": string(enum=("freeform",)),
                "showContent": boolean,
            }
        ),
        obj({"fillColor": hex_color}),
        obj({"width": number(positive=True), "height": number(positive=True)}),
        parent=False,
    ),
}
ITEM_TYPES = tuple(ITEM_SCHEMAS)
REQUIRED_ON_CREATE = {"text": ("data",), "frame": ("data",)}


def check_item(item_type: str, payload: Any, *, create: bool, prefix: str = "") -> list[FieldError]:
    """Validate a per-type create/update body; ``prefix`` scopes paths (``"3"`` for bulk item 3)."""
    errors = ITEM_SCHEMAS[item_type](payload, prefix)
    if not isinstance(payload, dict):
        return errors
    if create:
        missing = [k for k in REQUIRED_ON_CREATE.get(item_type, ()) if k not in payload]
        errors += [FieldError(_join(prefix, k), "is required") for k in missing]
    geometry = payload.get("geometry")
    if item_type == "sticky_note" and isinstance(geometry, dict) and {"width", "height"} <= geometry.keys():
        errors.append(FieldError(_join(prefix, "geometry"), "set either width or height, not both"))
    return errors


CAPTION = obj(
    {
        "content": string(max_len=200),
        "position": string(check=_is_percent, hint="must be a percentage like 50%"),
        "textAlignVertical": string(enum=V_ALIGN),
    },
    required=("content",),
)
CONNECTOR_STYLE = obj(
    {
        "color": hex_color,
        "endStrokeCap": string(enum=STROKE_CAPS),
        "fontSize": numeric_string(10, 288),
        "startStrokeCap": string(enum=STROKE_CAPS),
        "strokeColor": hex_color,
        "strokeStyle": string(enum=("normal", "dotted", "dashed")),
        "strokeWidth": numeric_string(1, 24),
        "textOrientation": string(enum=("horizontal", "aligned")),
    }
)
_OFFSET = string(check=_is_percent, hint="must be a percentage between 0% and 100%")
ENDPOINT = obj(
    {
        "id": int64_id,
        "position": obj({"x": _OFFSET, "y": _OFFSET}, required=("x", "y")),
        "snapTo": string(enum=("auto", "top", "right", "bottom", "left")),
    },
    required=("id",),
)
_CONNECTOR_MEMBERS: dict[str, Validator] = {
    "startItem": ENDPOINT,
    "endItem": ENDPOINT,
    "shape": string(enum=("straight", "elbowed", "curved")),
    "captions": array(CAPTION, max_items=20),
    "style": CONNECTOR_STYLE,
}
CONNECTOR_CREATE = obj(_CONNECTOR_MEMBERS, required=("startItem", "endItem"))
CONNECTOR_UPDATE = obj(_CONNECTOR_MEMBERS)
TAG_CREATE = obj({"title": string(max_len=120), "fillColor": string(enum=TAG_COLORS)}, required=("title",))
TAG_UPDATE = obj({"title": string(max_len=120), "fillColor": string(enum=TAG_COLORS)})
POSITION_UPDATE = obj({"parent": PARENT, "position": POSITION})
