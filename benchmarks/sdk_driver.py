"""Creates a board's items with the official ``miro-api`` Python SDK, as its documentation shows.

Run by ``bench_vs_sdk.py`` with the interpreter of ``benchmarks/.venv`` (where the SDK is installed; it
pins urllib3 < 2, so it does not share cjm-sync's environment). Reads one JSON job on stdin:
``{"base_url", "token", "board_id", "mode": "one-by-one" | "bulk", "frame", "items", "connectors",
"tags", "attaches"}`` (request bodies in the REST API's JSON; ``"@key:K"`` stands for the id the item
with key K got) and prints ``{"wall_s", "requests", "waits_429"}``.

``one-by-one``: ``create_frame_item``, then ``create_sticky_note_item`` / ``create_shape_item`` /
``create_app_card_item`` per item; ``bulk``: the frame, then ``create_items`` with up to 20 items per call.
Both then ``create_tag`` per tag, ``create_connector`` per connector and ``attach_tag_to_item`` per attach
(the SDK has no bulk form of those). A 429 is waited out until ``X-RateLimit-Reset`` and sent again, as
Miro's rate-limit documentation asks; nothing else is retried.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from miro_api import MiroApi
from miro_api.configuration import Configuration
from miro_api.exceptions import ApiException
from miro_api.models.app_card_create_request import AppCardCreateRequest
from miro_api.models.connector_creation_data import ConnectorCreationData
from miro_api.models.frame_create_request import FrameCreateRequest
from miro_api.models.item_create import ItemCreate
from miro_api.models.shape_create_request import ShapeCreateRequest
from miro_api.models.sticky_note_create_request import StickyNoteCreateRequest
from miro_api.models.tag_create_request import TagCreateRequest

REF = "@key:"
BULK = 20
COUNTS = {"requests": 0, "waits_429": 0}


def call(fn: Any, *args: Any) -> Any:
    """One SDK call; a 429 waits until the window resets and is sent again."""
    while True:
        COUNTS["requests"] += 1
        try:
            return fn(*args)
        except ApiException as exc:
            if exc.status != 429:
                raise
            COUNTS["waits_429"] += 1
            reset = float((exc.headers or {}).get("X-RateLimit-Reset", time.time() + 1))
            time.sleep(max(0.05, reset - time.time()))


def resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith(REF):
        return ids[value[len(REF) :]]
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    return value


ONE = {
    "sticky_note": ("create_sticky_note_item", StickyNoteCreateRequest),
    "shape": ("create_shape_item", ShapeCreateRequest),
    "app_card": ("create_app_card_item", AppCardCreateRequest),
}


def main() -> None:
    job = json.load(sys.stdin)
    Configuration.set_default(Configuration(host=job["base_url"]))
    api = MiroApi(job["token"])
    board = job["board_id"]
    ids: dict[str, str] = {}
    started = time.perf_counter()
    frame = job["frame"]
    ids[frame["key"]] = call(api.create_frame_item, board, FrameCreateRequest.from_dict(frame["body"])).id
    items = job["items"]
    if job["mode"] == "bulk":
        for start in range(0, len(items), BULK):
            chunk = items[start : start + BULK]
            bodies = [ItemCreate.from_dict(resolve({"type": i["type"], **i["body"]}, ids)) for i in chunk]
            made = call(api.create_items, board, bodies)
            for item, created in zip(chunk, made.data, strict=True):
                ids[item["key"]] = created.id
    else:
        for item in items:
            method, model = ONE[item["type"]]
            ids[item["key"]] = call(getattr(api, method), board, model.from_dict(resolve(item["body"], ids))).id
    for tag in job["tags"]:
        ids[tag["key"]] = call(api.create_tag, board, TagCreateRequest.from_dict(tag["body"])).id
    for line in job["connectors"]:
        call(api.create_connector, board, ConnectorCreationData.from_dict(resolve(line["body"], ids)))
    for attach in job["attaches"]:
        call(api.attach_tag_to_item, board, ids[attach["item"]], ids[attach["tag"]])
    wall = time.perf_counter() - started
    print(json.dumps({"wall_s": wall, **COUNTS}))


if __name__ == "__main__":
    main()
