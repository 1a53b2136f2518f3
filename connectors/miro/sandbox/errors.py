"""Miro's error bodies as one exception type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "FieldError", "invalid", "not_found"]


@dataclass(frozen=True)
class FieldError:
    """One offending request field (``field`` is a dotted path, bulk paths start with the item index)."""

    field: str
    message: str


@dataclass
class ApiError(Exception):
    """An error answer: raised anywhere in a handler, rendered as Miro's ``{type:"error", ...}`` body."""

    status: int
    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        details = "; ".join(f"{f.field}: {f.message}" for f in self.fields)
        return f"{self.status} {self.code}: {self.message}" + (f" ({details})" if details else "")

    def body(self) -> dict[str, Any]:
        """The JSON body Miro sends for this error."""
        context: dict[str, Any] = {}
        if self.fields:
            context["fields"] = [{"field": f.field, "message": f.message} for f in self.fields]
        return {
            "type": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "context": context,
        }


def invalid(fields: list[FieldError], message: str = "Invalid parameters") -> ApiError:
    """A 400 ``invalidParameters`` error listing the offending fields."""
    return ApiError(400, "invalidParameters", message, fields)


def not_found(what: str) -> ApiError:
    """A 404 for a missing board, item, tag or connector."""
    return ApiError(404, "notFound", f"{what} not found")
