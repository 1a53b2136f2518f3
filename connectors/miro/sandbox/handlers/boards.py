"""Board endpoints and the OAuth token refresh."""

from __future__ import annotations

from urllib.parse import parse_qsl

from ..context import Context, Reply
from ..errors import ApiError, invalid
from ..render import board_json
from ..validation import obj, string
from .paging import offset_page

__all__ = ["create", "get", "members", "refresh_token"]

BOARD_CREATE = obj(
    {
        "name": string(max_len=60),
        "description": string(max_len=300),
        "policy": obj({"permissionsPolicy": obj({}), "sharingPolicy": obj({})}),
        "teamId": string(),
        "projectId": string(),
    }
)


def get(ctx: Context) -> Reply:
    """``GET /v2/boards/{board_id}``."""
    return Reply(200, board_json(ctx.base, ctx.board()))


def members(ctx: Context) -> Reply:
    """``GET /v2/boards/{board_id}/members``: offset-paged (``limit`` 1-50, default 20). The members are
    the board's owner and everyone who created or changed something on it; names come from the
    sandbox's user list (``MiroSandbox.as_user(id, name)``); a user never named is listed under their id."""
    board = ctx.board()
    people = [board.created_by]
    people += [who for item in board.items.values() for who in (item.created_by, item.modified_by)]
    people += [who for line in board.connectors.values() for who in (line.created_by, line.modified_by)]
    ordered = list(dict.fromkeys(p for p in people if p))

    def render(user_id: str) -> dict[str, str]:
        return {
            "id": user_id,
            "name": ctx.store.users.get(user_id, user_id),
            "role": "owner" if user_id == board.created_by else "editor",
            "type": "board_member",
        }

    return offset_page(ctx, ordered, render)


def create(ctx: Context) -> Reply:
    """``POST /v2/boards`` with an optional body."""
    payload = ctx.request.json() or {}
    errors = BOARD_CREATE(payload, "")
    if errors:
        raise invalid(errors)
    board_id = ctx.store.new_board_id()
    board = ctx.store.add_board(board_id, payload.get("name", "Untitled"), payload.get("description", ""), ctx.stamp)
    return Reply(201, board_json(ctx.base, board))


def refresh_token(ctx: Context) -> Reply:
    """``POST /v1/oauth/token?grant_type=refresh_token&refresh_token=...`` (query or form body)."""
    params = dict(ctx.request.query)
    if "x-www-form-urlencoded" in ctx.request.headers.get("content-type", ""):
        params.update(parse_qsl(ctx.request.body.decode("utf-8", "replace")))
    if params.get("grant_type") != "refresh_token":
        raise ApiError(400, "unsupportedGrantType", "grant_type must be refresh_token")
    pair = ctx.tokens.refresh(params.get("refresh_token", ""))
    return Reply(200, pair.token_response())
