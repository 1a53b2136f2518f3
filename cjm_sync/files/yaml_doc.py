"""Round-trip YAML documents: comments and key order survive, output is deterministic."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from cjm_sync.files.locations import merged_maps


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # never fold long lines: folding would make diffs noisy
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def parse_yaml(text: str) -> Any:
    """Parse YAML (or JSON, a subset) keeping comments, order and line numbers."""
    return _yaml().load(text)


def dump_yaml(document: Any) -> str:
    """Serialise a document in the canonical style."""
    buffer = io.StringIO()
    _yaml().dump(document, buffer)
    return buffer.getvalue()


def _item_id(value: Any) -> Any:
    """A list item's identity: its ``id`` (``key`` for inbox items), else None."""
    return (value.get("id") or value.get("key")) if isinstance(value, Mapping) else None


def _merge_list(old: CommentedSeq, new: Sequence[Any], full: Sequence[Any] | None) -> CommentedSeq:
    """New list content, reusing the old nodes (and their comments) where items match by id or value."""
    by_id = {_item_id(v): v for v in old if _item_id(v) is not None}
    result = CommentedSeq()
    if old.fa.flow_style():
        result.fa.set_flow_style()  # `addresses: [slow]` stays on one line
    for index, value in enumerate(new):
        previous = by_id.get(_item_id(value)) if _item_id(value) is not None else None
        if previous is None and index < len(old) and _item_id(old[index]) is None:
            previous = old[index]
        result.append(update_node(previous, value, full[index] if full is not None and index < len(full) else None))
    # carry comments attached to items that are still at the same position
    for index in range(min(len(old), len(result))):
        if index in old.ca.items and (_item_id(old[index]) == _item_id(result[index])):
            result.ca.items[index] = old.ca.items[index]
    if old.ca.comment:
        result.ca.comment = old.ca.comment
    if old.fa.flow_style():
        result.fa.set_flow_style()  # `sources: [a, b]` stays on one line
    return result


def _as_written(old: Any, full: Any) -> Any:
    """``full`` (a value with its defaults) reduced to the keys the author wrote in ``old``: keeping
    ``emotion_scale: {min: -2, max: 2}`` must not add ``labels: {}``."""
    if isinstance(old, Mapping) and isinstance(full, Mapping):
        return {k: _as_written(old[k], v) for k, v in full.items() if k in old}
    return full


def _plain(node: Any) -> Any:
    """A node as plain Python data, for comparing with new values."""
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


def _merged_only(node: CommentedMap, key: Any) -> bool:
    """Whether ``key`` of ``node`` comes only from a YAML merge key (``<<: *anchor``)."""
    if not merged_maps(node):
        return False
    own = getattr(node, "_ok", None)  # ruamel's set of the mapping's own keys
    return key not in (own if own is not None else node.lc.data)


def shares_nodes(document: Any) -> bool:
    """Whether ``document`` uses YAML merge keys or aliases (one node reachable from two places)."""
    seen: set[int] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if not isinstance(node, CommentedMap | CommentedSeq):
            continue
        if id(node) in seen or (isinstance(node, CommentedMap) and merged_maps(node)):
            return True
        seen.add(id(node))
        stack.extend(node.values() if isinstance(node, CommentedMap) else node)
    return False


def unshared(node: Any, seen: set[int] | None = None) -> Any:
    """``node`` with every merge key expanded and every alias replaced by its own copy, so that
    editing one place of the document can no longer change another. Comments of the expanded
    mappings are kept where they are attached to their own keys."""
    seen = set() if seen is None else seen
    if isinstance(node, CommentedMap):
        if merged_maps(node) or id(node) in seen:
            fresh = CommentedMap()
            for key in node:
                fresh[key] = unshared(node[key], seen)
            fresh.ca.items.update({k: v for k, v in node.ca.items.items() if k in fresh})
            return fresh
        seen.add(id(node))
        for key in list(node):
            node[key] = unshared(node[key], seen)
        return node
    if isinstance(node, CommentedSeq):
        if id(node) in seen:
            return CommentedSeq(unshared(item, seen) for item in node)
        seen.add(id(node))
        for index, item in enumerate(node):
            node[index] = unshared(item, seen)
        return node
    return node


def update_node(old: Any, new: Any, full: Any = None) -> Any:
    """Return ``new`` as a YAML node, reusing ``old`` where the value is unchanged.

    Mappings are updated in place so comments and the order of existing keys survive; new keys are
    placed after the existing key that precedes them in ``new``'s (canonical) order. ``full`` is the
    same data with default values included: a key the author wrote out is kept even when its value is
    the default (``new`` leaves defaults out).
    """
    if isinstance(new, Mapping):
        if not isinstance(old, CommentedMap):
            old = CommentedMap()
        full_map = full if isinstance(full, Mapping) else {}
        for key in [k for k in old if k not in new]:
            if _merged_only(old, key):
                if key in full_map and old[key] != full_map[key]:
                    old[key] = update_node(None, full_map[key])  # override what the anchor gives
            elif key in full_map:
                old[key] = update_node(old[key], _as_written(old[key], full_map[key]), full_map[key])
            else:
                del old[key]
        keys = list(new)
        for position, key in enumerate(keys):
            if key in old and _merged_only(old, key):
                if old[key] != new[key]:
                    old[key] = update_node(None, new[key])  # an own value overrides the merged one
                continue
            if key in old:
                old[key] = update_node(old[key], new[key], full_map.get(key))
                continue
            anchor = next((k for k in reversed(keys[:position]) if k in old), None)
            index = list(old).index(anchor) + 1 if anchor is not None else 0
            old.insert(index, key, update_node(None, new[key]))
        return old
    if isinstance(new, list):
        if isinstance(old, CommentedSeq) and all(isinstance(v, str) for v in new) and _plain(old) == new:
            return old  # an unchanged list of strings (sources, tags) stays as written, comments and all
        full_list = full if isinstance(full, list) and len(full) == len(new) else None
        return _merge_list(old if isinstance(old, CommentedSeq) else CommentedSeq(), new, full_list)
    if isinstance(new, float) and isinstance(old, float):
        return float(new)  # ruamel re-formats some preserved floats (subnormals) on dump: use the shortest repr
    if old is not None and not isinstance(old, Mapping | list) and type(old) is not bool and old == new:
        return old  # keep the scalar's original style (quotes, integers written for float fields)
    return new
