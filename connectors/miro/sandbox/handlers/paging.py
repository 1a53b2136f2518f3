"""Response pages shared by the list endpoints (offset-paged tag lists, cursor links)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from ..context import Context, Reply

Row = TypeVar("Row")


def page_url(base: str, query: Mapping[str, Any]) -> str:
    """``base`` with ``query`` appended (nothing when the query is empty)."""
    return f"{base}?{urlencode(dict(query))}" if query else base


def offset_page(ctx: Context, rows: Sequence[Row], render: Callable[[Row], dict[str, Any]]) -> Reply:
    """An offset-paged ``{type: list, data, total, size, offset, limit, links}`` reply (``limit`` 1-50,
    default 20), as Miro's tag lists and ``tag_id=`` item lists answer."""
    limit = ctx.int_query("limit", 20, 1, 50)
    offset = ctx.int_query("offset", 0, 0, 2**31 - 1)
    page = rows[offset : offset + limit]
    url = ctx.url
    query = {**ctx.request.query, "limit": str(limit), "offset": str(offset)}
    links = {"self": page_url(url, query)}
    if offset + limit < len(rows):
        links["next"] = page_url(url, {**query, "offset": str(offset + limit)})
    body = {
        "type": "list",
        "data": [render(row) for row in page],
        "total": len(rows),
        "size": len(page),
        "offset": offset,
        "limit": limit,
        "links": links,
    }
    return Reply(200, body)
