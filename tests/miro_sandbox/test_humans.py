"""Human edits: same state as the API, another modifiedBy, a later modifiedAt, no API calls."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD, create

from connectors.miro.sandbox import ApiError, ManualClock, MiroSandbox

BOARD_ID = BOARD.rsplit("/", 1)[1]


def test_update_changes_modified_by_and_at(sandbox: MiroSandbox, client: httpx.Client, clock: ManualClock) -> None:
    sticky = create(client, "sticky_notes", {"data": {"content": "before"}})
    clock.advance(90)
    human = sandbox.as_user("human-1")
    human.update_item(BOARD_ID, sticky["id"], data={"content": "after"}, position={"x": 5, "y": 5})
    seen = client.get(f"{BOARD}/items/{sticky['id']}").json()
    assert seen["data"]["content"] == "after"
    assert seen["position"]["x"] == 5.0
    assert seen["modifiedBy"] == {"id": "human-1", "type": "user"}
    assert seen["createdBy"] == sticky["createdBy"]
    assert seen["modifiedAt"] == "2026-01-01T00:01:30.000Z" > sticky["modifiedAt"]


def test_human_can_create_move_recolour_tag_and_connect(sandbox: MiroSandbox, client: httpx.Client) -> None:
    human = sandbox.as_user("human-2")
    frame = human.create_item(BOARD_ID, "frame", data={"title": "Stage"}, geometry={"width": 400, "height": 400})
    sticky = human.create_item(BOARD_ID, "sticky_note", data={"content": "idea"})
    card = human.create_item(BOARD_ID, "card", data={"title": "task"})
    human.move_item(BOARD_ID, sticky["id"], 10, 20, parent_id=frame["id"])
    assert human.recolour(BOARD_ID, sticky["id"], "violet")["style"]["fillColor"] == "violet"
    assert human.recolour(BOARD_ID, card["id"], "#000000")["style"]["cardTheme"] == "#000000"
    tag = human.create_tag(BOARD_ID, "Hot", "magenta")
    human.tag_item(BOARD_ID, sticky["id"], tag["id"])
    connector = human.add_connector(BOARD_ID, sticky["id"], card["id"], captions=[{"content": "leads to"}])

    seen = client.get(f"{BOARD}/sticky_notes/{sticky['id']}").json()
    assert (seen["parent"]["id"], seen["position"]["x"], seen["style"]["fillColor"]) == (frame["id"], 10.0, "violet")
    assert client.get(f"{BOARD}/items/{sticky['id']}/tags").json()["tags"][0]["title"] == "Hot"
    assert client.get(f"{BOARD}/connectors/{connector['id']}").json()["createdBy"]["id"] == "human-2"
    assert sandbox.calls[-1].path.endswith("/connectors/" + connector["id"])
    assert len(sandbox.calls) == 3  # only the client's three GETs

    human.untag_item(BOARD_ID, sticky["id"], tag["id"])
    human.remove_from_frame(BOARD_ID, sticky["id"])
    human.delete_connector(BOARD_ID, connector["id"])
    human.delete_item(BOARD_ID, card["id"])
    assert client.get(f"{BOARD}/items").json()["total"] == 2
    assert "parent" not in client.get(f"{BOARD}/items/{sticky['id']}").json()


def test_invalid_human_edit_is_refused_like_the_api(sandbox: MiroSandbox) -> None:
    human = sandbox.as_user("human-3")
    sticky = human.create_item(BOARD_ID, "sticky_note")
    with pytest.raises(ApiError) as refused:
        human.recolour(BOARD_ID, sticky["id"], "#ff0000")
    assert refused.value.status == 400
    assert refused.value.fields[0].field == "style.fillColor"
    with pytest.raises(ApiError, match="404"):
        human.delete_item(BOARD_ID, "3458764999999999999")
