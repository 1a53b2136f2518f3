"""The neutral journey schema: inert pydantic models, no I/O.

Order is meaningful: stages, lanes and touchpoints are kept in list order (touchpoints are ordered
within their stage by their position in the list).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cjm_sync.schema.ids import Slug
from cjm_sync.schema.inbox import InboxItem
from cjm_sync.schema.measures import Annotations, Metric, RatingPair
from cjm_sync.schema.provenance import Provenance
from cjm_sync.schema.sources import SourceKey

CURRENT_SCHEMA_VERSION = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class MapType(StrEnum):
    """What kind of map this is."""

    CURRENT_STATE = "current_state"
    FUTURE_STATE = "future_state"
    DAY_IN_THE_LIFE = "day_in_the_life"
    SERVICE_BLUEPRINT = "service_blueprint"
    B2B_STRATEGIC = "b2b_strategic"
    B2B_TACTICAL = "b2b_tactical"
    B2B_PERFORMANCE = "b2b_performance"


class Scenario(StrEnum):
    """What the map is made for."""

    UX = "ux"
    MARKETING_SALES = "marketing_sales"
    CUSTOMER_EXPERIENCE = "customer_experience"


class Channel(StrEnum):
    """Where a touchpoint happens."""

    IN_PERSON = "in_person"
    WEB = "web"
    APP = "app"
    PHONE = "phone"
    EMAIL = "email"
    SOCIAL = "social"
    CHAT = "chat"
    ADS = "ads"
    SMS = "sms"
    EVENT = "event"
    PARTNER = "partner"
    WORD_OF_MOUTH = "word_of_mouth"
    MAIL = "mail"
    OTHER = "other"


class Direction(StrEnum):
    """One-way (an ad, a newsletter) or two-way (a call, a chat)."""

    ONE_WAY = "one_way"
    TWO_WAY = "two_way"


class StageKind(StrEnum):
    """Happy path, non-ideal path, end of relationship or win-back."""

    STANDARD = "standard"
    NON_IDEAL = "non_ideal"
    EXIT = "exit"
    WIN_BACK = "win_back"


class LaneKind(StrEnum):
    """Rows of the map. Service blueprints add the last four."""

    ACTIONS = "actions"
    TOUCHPOINTS = "touchpoints"
    THOUGHTS = "thoughts"
    EMOTIONS = "emotions"
    PAIN_POINTS = "pain_points"
    OPPORTUNITIES = "opportunities"
    FRONT_STAGE = "front_stage"
    BACK_STAGE = "back_stage"
    SUPPORT_PROCESSES = "support_processes"
    EVIDENCE = "evidence"


class SegmentKind(StrEnum):
    """How a segment is defined (B2B: firmographic, behavioural, needs-based)."""

    FIRMOGRAPHIC = "firmographic"
    BEHAVIOURAL = "behavioural"
    NEEDS_BASED = "needs_based"
    DEMOGRAPHIC = "demographic"
    OTHER = "other"


class OpportunityStatus(StrEnum):
    """Where an action stands."""

    IDEA = "idea"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class Scale(_Model):
    """A numeric scale with optional labels per value (e.g. a smiley scale)."""

    min: float = -2
    max: float = 2
    labels: dict[str, str] = Field(default_factory=dict, description="Label per value, e.g. {'-2': '😡'}.")

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise ValueError(f"scale min ({self.min}) must be below max ({self.max})")
        return self


class Scope(_Model):
    """What the map is for: goals, channels in scope, data needed."""

    goals: list[str] = Field(default_factory=list, description="What we want to learn, e.g. top three pain points.")
    channels: list[Channel] = Field(default_factory=list, description="Channels included in the map.")
    data_needed: list[str] = Field(default_factory=list, description="Data to collect per channel.")
    questions: list[str] = Field(default_factory=list)


class DayStep(_Model):
    """One step of a persona's day."""

    time: str = Field(description="Time of day, e.g. '07:30' or 'morning'.")
    activity: str


class Persona(_Model):
    """A fictional customer representing a segment."""

    id: Slug
    name: str
    segment: Slug | None = Field(default=None, description="Segment id this persona represents.")
    details: str | None = Field(default=None, description="Who they are: role, age, company, context.")
    quote: str | None = None
    motivations: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    pain_points: list[str] = Field(default_factory=list)
    day: list[DayStep] = Field(default_factory=list, description="The flow of their day.")


class Segment(_Model):
    """A group of customers."""

    id: Slug
    name: str
    kind: SegmentKind = SegmentKind.OTHER
    criteria: list[str] = Field(default_factory=list)


class Stage(_Model):
    """An ordered phase of the journey."""

    id: Slug
    title: str
    kind: StageKind = StageKind.STANDARD
    description: str | None = None
    goal: str | None = Field(default=None, description="What the customer wants to achieve here.")
    owner: Owner | None = Field(default=None, description="Who owns the stage; the action plan's fallback owner.")
    sources: list[SourceKey] = Field(
        default_factory=list,
        description="CRM data that feeds this stage, e.g. 'hubspot:deal-stage:default:qualifiedtobuy' (docs/crm.md).",
    )
    metrics: list[Metric] = Field(default_factory=list)


class Lane(_Model):
    """A row of the map."""

    id: Slug
    kind: LaneKind
    title: str | None = Field(default=None, description="Label; defaults to the kind's name.")


class Owner(_Model):
    """Who is responsible for the experience at a touchpoint."""

    department: str | None = None
    region: str | None = None
    person: str | None = None


class Emotion(_Model):
    """How the customer feels, on the journey's emotion scale."""

    score: float
    label: str | None = None


class Connection(_Model):
    """A link from one touchpoint to another."""

    to: Slug = Field(description="Id of the touchpoint this one leads to.")
    label: str | None = None


class Touchpoint(_Model):
    """Any interaction between customer and brand, one-way or two-way."""

    id: Slug
    title: str
    stage: Slug = Field(description="Id of the stage it belongs to.")
    channel: Channel | None = None
    direction: Direction | None = None
    owner: Owner | None = None
    description: str | None = None
    actions: list[str] = Field(default_factory=list, description="What the customer does here.")
    thoughts: list[str] = Field(default_factory=list, description="What the customer thinks here.")
    emotion: Emotion | None = None
    persona_emotions: dict[Slug, Emotion] = Field(
        default_factory=dict, description="How each persona feels here, when personas differ (persona id → emotion)."
    )
    research: list[str] = Field(default_factory=list, description="What they search and where they look.")
    content: list[str] = Field(default_factory=list, description="Content offered at this touchpoint.")
    moment_of_truth: bool = Field(default=False, description="A make-or-break moment.")
    connections: list[Connection] = Field(default_factory=list)
    importance: RatingPair | None = Field(default=None, description="Importance: internal vs customer view.")
    performance: RatingPair | None = Field(default=None, description="Performance: internal vs customer view.")
    sources: list[SourceKey] = Field(
        default_factory=list,
        description="CRM data that feeds this touchpoint, e.g. 'hubspot:calls:INBOUND' (docs/crm.md).",
    )
    metrics: list[Metric] = Field(default_factory=list)
    annotations: Annotations | None = Field(default=None, description="Written by the sync engine.")
    replaces: list[str] = Field(
        default_factory=list,
        description="Future-state maps: ids of current-state touchpoints this one replaces ('journey-id/tp-id').",
    )


class Evidence(_Model):
    """Something that backs a pain point: a quote, a ticket, a survey answer."""

    text: str
    provenance: Provenance | None = None
    link: str | None = None


class PainPoint(_Model):
    """A difficulty or negative emotion, prioritised by frequency and negativity."""

    id: Slug
    title: str
    stage: Slug
    touchpoint: Slug | None = None
    description: str | None = None
    frequency: int | None = Field(default=None, ge=0, description="How often it is mentioned.")
    severity: float | None = Field(default=None, ge=0, le=10, description="How negative, 0 (mild) to 10.")
    evidence: list[Evidence] = Field(default_factory=list)
    solution: str | None = Field(default=None, description="The fix, when one is known.")


class TargetMetric(_Model):
    """The metric an action should move."""

    metric: str
    baseline: float | None = None
    target: float | None = None
    unit: str | None = None
    by: str | None = Field(default=None, description="Deadline, e.g. '2027-Q2'.")


class Opportunity(_Model):
    """An improvement: a concrete action with an owner team and a target."""

    id: Slug
    title: str
    stage: Slug
    touchpoint: Slug | None = None
    action: str | None = Field(default=None, description="The concrete action (specific, not generic).")
    owner_team: str | None = None
    status: OpportunityStatus = OpportunityStatus.IDEA
    target: TargetMetric | None = None
    addresses: list[Slug] = Field(default_factory=list, description="Ids of the pain points it addresses.")


class Note(_Model):
    """A free item in a lane cell: an action, thought, back-stage process, piece of evidence…"""

    id: Slug
    lane: Slug
    stage: Slug
    text: str
    touchpoint: Slug | None = None


class Journey(_Model):
    """A customer journey map."""

    schema_version: int = Field(default=CURRENT_SCHEMA_VERSION, description="Version of this file format.")
    id: Slug
    title: str
    map_type: MapType = MapType.CURRENT_STATE
    scenario: Scenario = Scenario.CUSTOMER_EXPERIENCE
    description: str | None = None
    future_state_of: Slug | None = Field(default=None, description="Future-state maps: the current-state journey id.")
    scope: Scope = Field(default_factory=Scope)
    emotion_scale: Scale = Field(default_factory=Scale)
    rating_scale: Scale = Field(default_factory=lambda: Scale(min=1, max=5))
    segments: list[Segment] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    lanes: list[Lane] = Field(default_factory=list)
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    pain_points: list[PainPoint] = Field(default_factory=list)
    opportunities: list[Opportunity] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    inbox: list[InboxItem] = Field(
        default_factory=list,
        description="CRM touchpoint keys no stage or touchpoint uses yet; written by the CRM pull (docs/crm.md).",
    )
