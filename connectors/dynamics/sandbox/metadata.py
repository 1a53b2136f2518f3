"""``EntityDefinitions``: table metadata (entity set name, ``ChangeTrackingEnabled``) and option sets
(``PicklistAttributeMetadata`` / ``StatusAttributeMetadata`` with ``OptionSet.Options`` and their labels).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .edm import BOOL, INT, STRING, TABLES, Table
from .errors import NOT_FOUND, ODataError, query_error
from .odata_filter import compile_filter

__all__ = ["MetadataService"]

_ENTITY = re.compile(r"^EntityDefinitions(?:\(LogicalName='(?P<entity>\w+)'\))?$")
_ATTRS = re.compile(
    r"^EntityDefinitions\(LogicalName='(?P<entity>\w+)'\)/Attributes(?:\(LogicalName='(?P<attr>\w+)'\))?"
    r"/Microsoft\.Dynamics\.CRM\.(?P<cast>PicklistAttributeMetadata|StatusAttributeMetadata)$"
)
_ENTITY_COLUMNS = {
    "LogicalName": STRING,
    "EntitySetName": STRING,
    "ChangeTrackingEnabled": BOOL,
    "PrimaryIdAttribute": STRING,
    "IsActivity": BOOL,
    "ObjectTypeCode": INT,
    "MetadataId": "Edm.Guid",
}
_ATTR_COLUMNS = {"LogicalName": STRING, "AttributeType": STRING, "MetadataId": "Edm.Guid"}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "dataverse-sandbox:" + ":".join(parts)))


def _label(text: str | None) -> dict[str, Any]:
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    label = {"Label": text, "LanguageCode": 1033, "IsManaged": True, "MetadataId": _id("label", text)}
    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


class MetadataService:
    """Answers ``EntityDefinitions`` paths from the table model and the option sets."""

    def __init__(
        self,
        option_sets: Mapping[tuple[str, str], list[tuple[int, str | None]]],
        untracked: Callable[[], frozenset[str]] = frozenset,
    ) -> None:
        self.option_sets = option_sets
        self.untracked = untracked
        self._by_logical = {t.logical_name: t for t in TABLES}

    def matches(self, path: str) -> bool:
        """Whether ``path`` (below ``/api/data/v9.2/``) is a metadata path."""
        return path.startswith("EntityDefinitions")

    def answer(self, path: str, params: Mapping[str, str], context: str) -> dict[str, Any]:
        """The JSON body for a metadata GET; raise :class:`ODataError` for what Dataverse refuses."""
        match = _ATTRS.match(path)
        if match is not None:
            return self._attributes(match, params, context)
        match = _ENTITY.match(path)
        if match is None:
            raise ODataError(404, NOT_FOUND, f"Resource not found for the segment '{path}'.")
        if match.group("entity"):
            table = self._table(match.group("entity"))
            return {
                "@odata.context": f"{context}#EntityDefinitions/$entity",
                **self._select(self._entity(table), params),
            }
        rows = [self._entity(t) for t in TABLES]
        if "$filter" in params:
            keep = compile_filter(params["$filter"], _ENTITY_COLUMNS, "Microsoft.Dynamics.CRM.EntityMetadata")
            rows = [r for r in rows if keep(r)]
        return {"@odata.context": f"{context}#EntityDefinitions", "value": [self._select(r, params) for r in rows]}

    def _table(self, logical: str) -> Table:
        table = self._by_logical.get(logical)
        if table is None:
            raise ODataError(404, NOT_FOUND, f"Could not find an entity with LogicalName = '{logical}'.")
        return table

    def _entity(self, table: Table) -> dict[str, Any]:
        return {
            "MetadataId": _id(table.logical_name),
            "LogicalName": table.logical_name,
            "EntitySetName": table.entity_set,
            "ChangeTrackingEnabled": table.change_tracking and table.entity_set not in self.untracked(),
            "PrimaryIdAttribute": table.key,
            "IsActivity": table.activity,
            "ObjectTypeCode": 10000 + TABLES.index(table),
        }

    def _select(self, row: dict[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
        if "$select" not in params:
            return row
        names = [n.strip() for n in params["$select"].split(",")]
        for name in names:
            if name not in row and name != "OptionSet":
                raise query_error(
                    f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
                )
        return {"MetadataId": row["MetadataId"], **{n: row[n] for n in names if n in row}}

    def _attributes(self, match: re.Match[str], params: Mapping[str, str], context: str) -> dict[str, Any]:
        table = self._table(match.group("entity"))
        status = match.group("cast") == "StatusAttributeMetadata"
        names = [c for c in table.picklists if (c == "statuscode") == status]
        rows = [self._attribute(table, name, params) for name in names]
        if match.group("attr"):
            found = [r for r in rows if r["LogicalName"] == match.group("attr")]
            if not found:
                raise ODataError(404, NOT_FOUND, f"Could not find an attribute '{match.group('attr')}' of that type.")
            return {"@odata.context": f"{context}#EntityDefinitions/Attributes/$entity", **found[0]}
        if "$filter" in params:
            keep = compile_filter(params["$filter"], _ATTR_COLUMNS, "Microsoft.Dynamics.CRM.AttributeMetadata")
            rows = [r for r in rows if keep(r)]
        return {"@odata.context": f"{context}#EntityDefinitions/Attributes", "value": rows}

    def _attribute(self, table: Table, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "MetadataId": _id(table.logical_name, name),
            "LogicalName": name,
            "AttributeType": "Status" if name == "statuscode" else "Picklist",
        }
        if "OptionSet" in params.get("$expand", ""):
            options = self.option_sets.get((table.logical_name, name), [])
            row["OptionSet"] = {
                "MetadataId": _id(table.logical_name, name, "options"),
                "Name": f"{table.logical_name}_{name}",
                "Options": [{"Value": value, "Label": _label(label)} for value, label in options],
            }
        return row
