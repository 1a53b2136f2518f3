"""The route table: method + path template → handler and rate-limit cost."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .context import Context, Handler, Reply, SandboxRequest
from .errors import ApiError
from .handlers import boards, connectors, items, tags
from .ratelimit import LEVEL_1, LEVEL_2, LEVEL_3
from .validation import ITEM_TYPES

__all__ = ["ROUTES", "Route", "match"]

Cost = Callable[[SandboxRequest], int]


def level(credits: int) -> Cost:
    """A fixed cost."""
    return lambda _request: credits


def _list_cost(request: SandboxRequest) -> int:
    return LEVEL_1 if "tag_id" in request.query else LEVEL_2


def _delete_item_cost(request: SandboxRequest) -> int:
    return LEVEL_1 if "tag_id" in request.query else LEVEL_3


def _bulk_cost(request: SandboxRequest) -> int:
    try:
        payload = request.json()
    except ApiError:
        payload = None
    return LEVEL_2 * max(1, len(payload)) if isinstance(payload, list) else LEVEL_2


@dataclass(frozen=True)
class Route:
    """One endpoint; ``{name}`` segments of ``template`` become handler params."""

    method: str
    template: str
    handler: Handler
    cost: Cost
    authenticated: bool = True
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


def _delete_item(ctx: Context) -> Reply:
    return tags.detach(ctx) if "tag_id" in ctx.request.query else items.delete_generic(ctx)


BOARD = "/v2/boards/{board_id}"
ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/oauth/token", boards.refresh_token, level(0), authenticated=False),
    Route("POST", "/v2/boards", boards.create, level(LEVEL_3)),
    Route("GET", BOARD, boards.get, level(LEVEL_1)),
    Route("GET", f"{BOARD}/members", boards.members, level(LEVEL_1)),
    Route("GET", f"{BOARD}/items", items.list_items, _list_cost),
    Route("POST", f"{BOARD}/items/bulk", items.bulk_create, _bulk_cost),
    Route("GET", f"{BOARD}/items/{{item_id}}", items.get_generic, level(LEVEL_1)),
    Route("PATCH", f"{BOARD}/items/{{item_id}}", items.move_generic, level(LEVEL_2)),
    Route("DELETE", f"{BOARD}/items/{{item_id}}", _delete_item, _delete_item_cost),
    Route("POST", f"{BOARD}/items/{{item_id}}", tags.attach, level(LEVEL_1)),
    Route("GET", f"{BOARD}/items/{{item_id}}/tags", tags.item_tags, level(LEVEL_1)),
    *(
        route
        for t in ITEM_TYPES
        for route in (
            Route("POST", f"{BOARD}/{t}s", items.typed_create(t), level(LEVEL_2)),
            Route("GET", f"{BOARD}/{t}s/{{item_id}}", items.typed_get(t), level(LEVEL_1)),
            Route("PATCH", f"{BOARD}/{t}s/{{item_id}}", items.typed_update(t), level(LEVEL_2)),
            Route("DELETE", f"{BOARD}/{t}s/{{item_id}}", items.typed_delete(t), level(LEVEL_3)),
        )
    ),
    Route("POST", f"{BOARD}/connectors", connectors.create, level(LEVEL_2)),
    Route("GET", f"{BOARD}/connectors", connectors.list_connectors, level(LEVEL_2)),
    Route("GET", f"{BOARD}/connectors/{{connector_id}}", connectors.get, level(LEVEL_1)),
    Route("PATCH", f"{BOARD}/connectors/{{connector_id}}", connectors.update, level(LEVEL_2)),
    Route("DELETE", f"{BOARD}/connectors/{{connector_id}}", connectors.delete, level(LEVEL_3)),
    Route("POST", f"{BOARD}/tags", tags.create, level(LEVEL_1)),
    Route("GET", f"{BOARD}/tags", tags.list_tags, level(LEVEL_1)),
    Route("GET", f"{BOARD}/tags/{{tag_id}}", tags.get, level(LEVEL_1)),
    Route("PATCH", f"{BOARD}/tags/{{tag_id}}", tags.update, level(LEVEL_1)),
    Route("DELETE", f"{BOARD}/tags/{{tag_id}}", tags.delete, level(LEVEL_1)),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route for ``method`` whose template matches ``path``, with its path params."""
    for route in ROUTES:
        if route.method == method:
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
    return None
