"""``discover --journey`` suggestions: title words first (a key's value counts as a word), the channel
breaks ties, and channel alone only when one touchpoint has it."""

from __future__ import annotations

from cjm_sync.engine.suggest import suggest_mapping
from cjm_sync.plugins import DiscoveredTouchpoint, Discovery
from cjm_sync.schema import Journey

JOURNEY = Journey.model_validate(
    {
        "schema_version": 2,
        "id": "j",
        "title": "J",
        "stages": [{"id": "use", "title": "Use"}],
        "touchpoints": [
            {"id": "nps-survey", "title": "NPS survey", "stage": "use", "channel": "email"},
            {"id": "email-faq", "title": "Email FAQ page", "stage": "use", "channel": "web"},
            {"id": "welcome", "title": "Welcome email", "stage": "use", "channel": "email"},
            {"id": "hotline", "title": "Hotline", "stage": "use", "channel": "phone"},
        ],
    }
)


def found(*touchpoints: DiscoveredTouchpoint) -> Discovery:
    return Discovery(stages=[], touchpoints=list(touchpoints))


def suggestion(key: str, label: str, channel: str | None) -> dict[str, str] | None:
    result = suggest_mapping(found(DiscoveredTouchpoint(key, label, 5, 4, channel=channel)), JOURNEY)
    assert result["unassigned"] == [key]
    return next(iter(result["suggestions"]), None)


def test_a_survey_key_goes_to_the_touchpoint_named_after_it_whatever_its_channel() -> None:
    hint = suggestion("hubspot:feedback_submissions:NPS", "Feedback submissions · NPS", "web")
    assert hint == {
        "key": "hubspot:feedback_submissions:NPS",
        "entity": "touchpoint:nps-survey",
        "reason": "title words",
    }


def test_the_channel_breaks_a_tie_and_alone_suffices_for_the_only_touchpoint_with_it() -> None:
    hint = suggestion("hubspot:emails:EMAIL", "Emails · sent", "email")
    assert hint == {
        "key": "hubspot:emails:EMAIL",
        "entity": "touchpoint:welcome",
        "reason": "channel email, title words",
    }
    hint = suggestion("hubspot:calls:INBOUND", "Calls · inbound", "phone")
    assert hint == {"key": "hubspot:calls:INBOUND", "entity": "touchpoint:hotline", "reason": "channel phone"}
    assert suggestion("hubspot:meetings:COMPLETED", "Meetings · completed", "meeting") is None
