"""Policy configuration and field groups."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from cjm_sync.errors import ConfigError
from cjm_sync.merge import FieldGroup, Policies, Policy, field_group

GROUPS = {
    "metrics": FieldGroup.METRICS,
    "annotations.ipa_quadrant": FieldGroup.ANNOTATIONS,
    "importance.internal": FieldGroup.RATINGS,
    "performance": FieldGroup.RATINGS,
    "stage": FieldGroup.STRUCTURE,
    "order": FieldGroup.STRUCTURE,
    "title": FieldGroup.CONTENT,
    "emotion.score": FieldGroup.CONTENT,
    "owner.department": FieldGroup.CONTENT,
}


@pytest.mark.parametrize(("name", "group"), GROUPS.items(), ids=GROUPS.keys())
def test_field_group(name: str, group: FieldGroup) -> None:
    assert field_group(name) is group


def test_defaults() -> None:
    assert Policies().model_dump() == {
        "metrics": Policy.CRM_OWNED,
        "annotations": Policy.CRM_OWNED,
        "ratings": Policy.MANUAL,
        "content": Policy.MANUAL,
        "structure": Policy.MANUAL,
    }


CONFIGS: dict[str, tuple[dict[str, object], AbstractContextManager[object], Policy]] = {
    "empty-is-defaults": ({}, nullcontext(), Policy.MANUAL),
    "content-newest": ({"content": "newest-wins"}, nullcontext(), Policy.NEWEST_WINS),
    "unknown-group": ({"contents": "manual"}, pytest.raises(ConfigError, match="group 'contents'"), Policy.MANUAL),
    "unknown-policy": (
        {"content": "board_wins"},
        pytest.raises(ConfigError, match="policy 'board_wins'"),
        Policy.MANUAL,
    ),
    "not-a-string": ({"content": 3}, pytest.raises(ConfigError, match="policy '3'"), Policy.MANUAL),
}


@pytest.mark.parametrize(("table", "outcome", "content"), CONFIGS.values(), ids=CONFIGS.keys())
def test_from_config(table: dict[str, object], outcome: AbstractContextManager[object], content: Policy) -> None:
    with outcome:
        assert Policies.from_config(table).for_field("title") is content


def test_errors_name_the_valid_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        Policies.from_config({"content": "mine"})
    assert caught.value.hint == "valid policies: board-wins, crm-owned, file-wins, manual, newest-wins"
