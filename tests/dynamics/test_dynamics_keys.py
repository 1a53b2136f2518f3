"""Dynamics source keys: shapes validate accepts or refuses, and the kebab-case rule for option labels."""

from __future__ import annotations

import re

import pytest

from connectors.dynamics.keys import check_key, kebab, option_key, parse_key

GOOD = [
    "dynamics:phonecall:incoming",
    "dynamics:email:outgoing",
    "dynamics:appointment",
    "dynamics:campaignresponse",
    "dynamics:socialactivity",
    "dynamics:incident:phone",
    "dynamics:incident:100000001",
    "dynamics:incident:unknown",
    "dynamics:lead:trade-show",
    "dynamics:lead:salon-café-pro",
    "dynamics:msfp_surveyresponse:客户关系调查-2026",
    "dynamics:msdynmkt_journey:6f1c3a2e-8b7d-4c2a-9e1f-0a1b2c3d4e5f",
    "dynamics:bpf:opportunitysalesprocesses:6f1c3a2e-8b7d-4c2a-9e1f-0a1b2c3d4e5f",
]
BAD = [
    ("dynamics:phonecall", "incoming"),
    ("dynamics:phonecall:inbound", "incoming"),
    ("dynamics:appointment:online", "nothing after"),
    ("dynamics:incident:Phone", "lower-case"),
    ("dynamics:incident:phone:extra", "one lower-case"),
    ("dynamics:bpf:opportunitysalesprocesses", "stage key"),
    ("dynamics:bpf:opportunitysalesprocesses:not-a-guid", "stage key"),
    ("dynamics:msdynmkt_journey:welcome", "GUID"),
    ("dynamics:account:x", "unknown Dynamics kind"),
    ("hubspot:calls:INBOUND", "not a Dynamics key"),
]


@pytest.mark.parametrize("key", GOOD)
def test_good_keys(key: str) -> None:
    assert check_key(key) is None
    assert parse_key(key).text.lower() == key.lower()


@pytest.mark.parametrize(("key", "message"), BAD)
def test_bad_keys(key: str, message: str) -> None:
    problem = check_key(key)
    assert problem is not None
    assert message in problem
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_key(key)


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Trade Show", "trade-show"),
        ("Word of Mouth", "word-of-mouth"),
        ("Salon Café Pro", "salon-café-pro"),
        ("客户关系调查 2026", "客户关系调查-2026"),
        ("Post-case satisfaction (NPS)", "post-case-satisfaction-nps"),
        ("  E-mail / Web  ", "e-mail-web"),
        ("Ünïcode_Test", "ünïcode-test"),
        ("!!!", ""),
    ],
)
def test_kebab(label: str, slug: str) -> None:
    assert kebab(label) == slug


def test_option_key_label_number_unknown() -> None:
    labels = {1: "Phone", 100000001: None, 7: "!!!"}
    assert option_key(1, labels) == "phone"
    assert option_key(100000001, labels) == "100000001"
    assert option_key(7, labels) == "7"
    assert option_key(42, labels) == "42"
    assert option_key(None, labels) == "unknown"
