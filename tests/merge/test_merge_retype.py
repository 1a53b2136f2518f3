"""A sticky a person re-typed on the board (recoloured, or dragged into another kind's row) merges with
the file's edits as one entity under its new kind; what the new kind cannot hold is reported."""

from __future__ import annotations

from cjm_sync.merge import merge
from merge.strategies import ALL_CARRIED

BASE = {
    "note:n1": {"lane": "thoughts", "stage": "buy", "text": "Too pricey?", "order": 0},
    "pain_point:p1": {"title": "Slow", "stage": "buy", "severity": 6.0, "order": 0},
}


def test_the_files_text_edit_follows_the_boards_new_kind() -> None:
    ours = {**BASE, "note:n1": {**BASE["note:n1"], "text": "Too pricey? 太贵?"}}
    theirs = {"pain_point:p1": BASE["pain_point:p1"], "pain_point:n1": {"title": "Too pricey?", "stage": "buy"}}
    result = merge(BASE, ours, theirs, carried=ALL_CARRIED)
    assert result.conflicts == []
    assert "note:n1" not in result.file_entities
    assert result.file_entities["pain_point:n1"]["title"] == "Too pricey? 太贵?"
    assert result.board_entities["pain_point:n1"]["title"] == "Too pricey? 太贵?"
    assert result.overwritten == []
    kinds = {(c.key, c.kind.value) for c in result.changes if c.side == "file"}
    assert ("note:n1", "delete") in kinds
    assert ("pain_point:n1", "create") in kinds


def test_what_the_new_kind_cannot_hold_is_reported_with_its_value() -> None:
    ours = {**BASE, "pain_point:p1": {**BASE["pain_point:p1"], "severity": 9.0}}
    theirs = {"note:n1": BASE["note:n1"], "note:p1": {"lane": "thoughts", "stage": "buy", "text": "Slow"}}
    result = merge(BASE, ours, theirs, carried=ALL_CARRIED)
    assert result.file_entities["note:p1"]["text"] == "Slow"
    assert "pain_point:p1" not in result.file_entities
    assert [(o.key, o.field, o.side, o.old) for o in result.overwritten] == [("pain_point:p1", "severity", "file", 9.0)]
    unedited = merge(BASE, BASE, theirs, carried=ALL_CARRIED)  # dropped though nobody edited it: still said
    assert [(o.key, o.field, o.old) for o in unedited.overwritten] == [("pain_point:p1", "severity", 6.0)]


def test_a_pain_point_that_is_no_longer_one_leaves_the_opportunities_that_named_it() -> None:
    """Otherwise the merged file names a pain point that is gone, and every later sync is refused."""
    opportunity = {"title": "Faster", "stage": "buy", "addresses": ["p1", "other"], "order": 0}
    base = {**BASE, "opportunity:o1": opportunity}
    theirs = {
        "note:n1": BASE["note:n1"],
        "note:p1": {"lane": "thoughts", "stage": "buy", "text": "Slow"},
        "opportunity:o1": opportunity,
    }
    result = merge(base, base, theirs, carried=ALL_CARRIED)
    assert result.file_entities["opportunity:o1"]["addresses"] == ["other"]
    assert ("opportunity:o1", "addresses", ["p1", "other"], ["other"]) in [
        (o.key, o.field, o.old, o.new) for o in result.overwritten
    ]


def test_without_a_re_type_nothing_changes() -> None:
    theirs = {**BASE, "pain_point:n2": {"title": "New", "stage": "buy"}}
    result = merge(BASE, BASE, theirs, carried=ALL_CARRIED)
    assert set(result.file_entities) == {"note:n1", "pain_point:p1", "pain_point:n2"}
