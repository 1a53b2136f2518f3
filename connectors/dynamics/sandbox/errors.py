"""Dataverse error answers: ``{"error": {"code": "0x…", "message": "…"}}`` with the HTTP status."""

from __future__ import annotations

__all__ = [
    "AGGREGATE_LIMIT",
    "CONCURRENCY_LIMIT",
    "EXECUTION_TIME_LIMIT",
    "QUERY_ERROR",
    "REQUEST_COUNT_LIMIT",
    "ODataError",
]

QUERY_ERROR = "0x80060888"
AGGREGATE_LIMIT = "0x8004E023"
REQUEST_COUNT_LIMIT = "0x80072322"
EXECUTION_TIME_LIMIT = "0x80072321"
CONCURRENCY_LIMIT = "0x80072326"
NOT_FOUND = "0x80040217"
PRIVILEGE = "0x80040220"
EXPIRED_TOKEN = "0x80044352"  # noqa: S105 - an error code, not a secret


class ODataError(Exception):
    """An error answer: ``status``, Dataverse ``code`` and ``message``; ``headers`` go on the response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON error body Dataverse sends."""
        return {"error": {"code": self.code, "message": self.message}}


def query_error(message: str) -> ODataError:
    """A 400 for a query Dataverse refuses to parse or run."""
    return ODataError(400, QUERY_ERROR, message)
