"""The pure merge core of the sync engine: entities, three-way merge, policies, plans, resolution.

No I/O: the engine reads the file and the board, calls :func:`merge`, and writes what it returns.
"""

from cjm_sync.merge.entities import KINDS, Entity, build_journey, flatten
from cjm_sync.merge.merge import merge
from cjm_sync.merge.policies import FieldGroup, Policies, Policy, field_group
from cjm_sync.merge.render import plan_to_dict, render_plan
from cjm_sync.merge.resolve import Take, apply_value, resolve_conflict
from cjm_sync.merge.result import Change, ChangeKind, Conflict, Dropped, MergeResult, Overwrite, Side

__all__ = [
    "KINDS",
    "Change",
    "ChangeKind",
    "Conflict",
    "Dropped",
    "Entity",
    "FieldGroup",
    "MergeResult",
    "Overwrite",
    "Policies",
    "Policy",
    "Side",
    "Take",
    "apply_value",
    "build_journey",
    "field_group",
    "flatten",
    "merge",
    "plan_to_dict",
    "render_plan",
    "resolve_conflict",
]
