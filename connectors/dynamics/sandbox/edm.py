"""The entity model the sandbox serves: tables (entity sets), their columns' EDM types and lookups.

Types follow the Dataverse CSDL names (``Edm.Guid``, ``Edm.String``, ``Edm.Int32``, ``Edm.Boolean``,
``Edm.DateTimeOffset``, ``Edm.Decimal``). A lookup column is exposed as ``_<name>_value`` (``Edm.Guid``) and,
when it can be expanded, as a single-valued navigation property ``<name>`` to its target table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["COLUMN_TYPES", "TABLES", "Lookup", "Table", "table_by_set"]

GUID, STRING, INT, BOOL, DATETIME, DECIMAL = (
    "Edm.Guid",
    "Edm.String",
    "Edm.Int32",
    "Edm.Boolean",
    "Edm.DateTimeOffset",
    "Edm.Decimal",
)
COLUMN_TYPES: Final = frozenset({GUID, STRING, INT, BOOL, DATETIME, DECIMAL})


@dataclass(frozen=True)
class Lookup:
    """A single-valued navigation property: ``_<name>_value`` holds the target row's key."""

    name: str
    target: str  # entity set

    @property
    def column(self) -> str:
        """The ``_<name>_value`` column holding the target's key."""
        return f"_{self.name}_value"


@dataclass(frozen=True)
class Table:
    """One entity set: logical name, key column, columns by EDM type, lookups, option sets."""

    logical_name: str
    entity_set: str
    key: str
    columns: MappingProxyType[str, str]
    lookups: tuple[Lookup, ...] = ()
    picklists: tuple[str, ...] = ()
    change_tracking: bool = True
    activity: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def column_type(self, name: str) -> str | None:
        """The EDM type of column ``name``, or ``None`` when the table has no such column."""
        return self.columns.get(name)

    def lookup(self, name: str) -> Lookup | None:
        """The navigation property ``name``, if any."""
        return next((lk for lk in self.lookups if lk.name == name), None)


_STAMPS = {"createdon": DATETIME, "modifiedon": DATETIME, "statecode": INT, "statuscode": INT}
_ACTIVITY = {"activityid": GUID, "subject": STRING, "actualend": DATETIME, **_STAMPS}


def _table(
    logical: str,
    entity_set: str,
    key: str,
    columns: dict[str, str],
    *,
    lookups: tuple[Lookup, ...] = (),
    picklists: tuple[str, ...] = (),
    change_tracking: bool = True,
    activity: bool = False,
) -> Table:
    cols = dict(columns)
    for lk in lookups:
        cols[lk.column] = GUID
    return Table(
        logical, entity_set, key, MappingProxyType(cols), lookups, picklists, change_tracking, activity=activity
    )


_BPF_COLUMNS = {
    "businessprocessflowinstanceid": GUID,
    "name": STRING,
    "traversedpath": STRING,
    "activestagestartedon": DATETIME,
    "completedon": DATETIME,
    **_STAMPS,
}

TABLES: Final[tuple[Table, ...]] = (
    _table(
        "phonecall",
        "phonecalls",
        "activityid",
        {**_ACTIVITY, "directioncode": BOOL, "phonenumber": STRING},
        activity=True,
    ),
    _table("email", "emails", "activityid", {**_ACTIVITY, "directioncode": BOOL}, activity=True),
    _table("appointment", "appointments", "activityid", {**_ACTIVITY, "location": STRING}, activity=True),
    _table("campaignresponse", "campaignresponses", "activityid", dict(_ACTIVITY), activity=True),
    _table("socialactivity", "socialactivities", "activityid", dict(_ACTIVITY), activity=True),
    _table(
        "incident",
        "incidents",
        "incidentid",
        {
            "incidentid": GUID,
            "title": STRING,
            "ticketnumber": STRING,
            "caseorigincode": INT,
            "prioritycode": INT,
            **_STAMPS,
        },
        lookups=(Lookup("firstresponsebykpiid", "slakpiinstances"), Lookup("resolvebykpiid", "slakpiinstances")),
        picklists=("caseorigincode", "prioritycode"),
    ),
    _table(
        "slakpiinstance",
        "slakpiinstances",
        "slakpiinstanceid",
        {
            "slakpiinstanceid": GUID,
            "name": STRING,
            "status": INT,
            "succeededon": DATETIME,
            "failuretime": DATETIME,
            "createdon": DATETIME,
            "modifiedon": DATETIME,
        },
        lookups=(Lookup("regarding", "incidents"),),
        picklists=("status",),
    ),
    _table(
        "incidentresolution",
        "incidentresolutions",
        "activityid",
        {**_ACTIVITY, "timespent": INT},
        lookups=(Lookup("incidentid", "incidents"),),
        activity=True,
    ),
    _table(
        "lead",
        "leads",
        "leadid",
        {"leadid": GUID, "subject": STRING, "fullname": STRING, "leadsourcecode": INT, **_STAMPS},
        lookups=(Lookup("qualifyingopportunityid", "opportunities"),),
        picklists=("leadsourcecode",),
    ),
    _table(
        "opportunity",
        "opportunities",
        "opportunityid",
        {
            "opportunityid": GUID,
            "name": STRING,
            "salesstage": INT,
            "estimatedvalue": DECIMAL,
            "stepname": STRING,
            **_STAMPS,
        },
        lookups=(Lookup("originatingleadid", "leads"),),
        picklists=("salesstage",),
    ),
    _table(
        "opportunitysalesprocess",
        "opportunitysalesprocesses",
        "businessprocessflowinstanceid",
        dict(_BPF_COLUMNS),
        lookups=(
            Lookup("bpf_opportunityid", "opportunities"),
            Lookup("activestageid", "processstages"),
            Lookup("processid", "workflows"),
        ),
    ),
    _table(
        "leadtoopportunitysalesprocess",
        "leadtoopportunitysalesprocesses",
        "businessprocessflowinstanceid",
        dict(_BPF_COLUMNS),
        lookups=(
            Lookup("leadid", "leads"),
            Lookup("opportunityid", "opportunities"),
            Lookup("activestageid", "processstages"),
            Lookup("processid", "workflows"),
        ),
    ),
    _table(
        "msfp_survey",
        "msfp_surveys",
        "msfp_surveyid",
        {"msfp_surveyid": GUID, "msfp_name": STRING, **_STAMPS},
    ),
    _table(
        "msfp_surveyresponse",
        "msfp_surveyresponses",
        "activityid",
        {**_ACTIVITY, "msfp_npsscore": INT, "msfp_submitdate": DATETIME, "msfp_sentiment": INT},
        lookups=(Lookup("msfp_surveyid", "msfp_surveys"),),
        picklists=("msfp_sentiment",),
        activity=True,
    ),
    _table(
        "msdynmkt_journey",
        "msdynmkt_journeys",
        "msdynmkt_journeyid",
        {
            "msdynmkt_journeyid": GUID,
            "msdynmkt_name": STRING,
            "msdynmkt_triggertype": INT,
            "msdynmkt_journeystarttime": DATETIME,
            "msdynmkt_journeyendtime": DATETIME,
            **_STAMPS,
        },
        picklists=("msdynmkt_triggertype", "statuscode"),
        change_tracking=False,
    ),
    _table(
        "workflow",
        "workflows",
        "workflowid",
        {
            "workflowid": GUID,
            "name": STRING,
            "uniquename": STRING,
            "category": INT,
            "type": INT,
            "primaryentity": STRING,
            "clientdata": STRING,
            **_STAMPS,
        },
        change_tracking=False,
    ),
    _table(
        "processstage",
        "processstages",
        "processstageid",
        {"processstageid": GUID, "stagename": STRING, "stagecategory": INT, "primaryentitytypecode": STRING},
        lookups=(Lookup("processid", "workflows"),),
        change_tracking=False,
    ),
)

_BY_SET = {t.entity_set: t for t in TABLES}


def table_by_set(entity_set: str) -> Table | None:
    """The table served under ``entity_set``, if any."""
    return _BY_SET.get(entity_set)
