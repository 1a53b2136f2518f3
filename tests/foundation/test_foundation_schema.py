"""``cjm-sync schema`` prints a valid JSON Schema that describes (and accepts) journey files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from foundation_helpers import invoke, run_main
from jsonschema import Draft202012Validator

from cjm_sync.files.yaml_doc import parse_yaml
from cjm_sync.schema import MapType


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = invoke("schema")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def _plain(node: Any) -> Any:
    """ruamel nodes → plain JSON data (as an editor would see the YAML)."""
    return json.loads(json.dumps(node))


def _props(schema: dict[str, Any], definition: str) -> dict[str, Any]:
    return schema["$defs"][definition]["properties"]


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert {"id", "title"} <= set(schema["required"])


@pytest.mark.parametrize("map_type", [t.value for t in MapType])
def test_starter_journeys_validate_against_the_schema(schema: dict[str, Any], tmp_path: Path, map_type: str) -> None:
    validator = Draft202012Validator(schema)
    for name in ("s.yaml", "s.json"):
        path = tmp_path / name
        assert run_main("init", "--type", map_type, "--title", "旅程 Journey", "-o", path, "--force").code == 0
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if name.endswith(".json") else _plain(parse_yaml(text))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], errors


def test_bundled_example_validates_against_the_schema(schema: dict[str, Any]) -> None:
    example = Path(__file__).resolve().parents[2] / "cjm_sync" / "examples" / "trial-signup.yaml"
    data = _plain(parse_yaml(example.read_text(encoding="utf-8")))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_schema_rejects_what_validate_rejects(schema: dict[str, Any]) -> None:
    validator = Draft202012Validator(schema)
    base = {"schema_version": 2, "id": "j", "title": "J", "stages": [{"id": "s", "title": "S"}]}
    assert validator.is_valid(base)
    assert not validator.is_valid({**base, "titel": "typo"})
    assert not validator.is_valid({**base, "map_type": "mind_map"})
    assert not validator.is_valid({**base, "id": "has space"})
    tp = {"id": "t", "title": "T", "stage": "s", "importance": {"internal": {"value": 3}}}
    assert not validator.is_valid({**base, "touchpoints": [tp]}), "a rating needs provenance"


def test_schema_describes_importance_and_performance_internal_and_external(schema: dict[str, Any]) -> None:
    touchpoint = _props(schema, "Touchpoint")
    for dimension in ("importance", "performance"):
        refs = json.dumps(touchpoint[dimension])
        assert "#/$defs/RatingPair" in refs
        assert touchpoint[dimension].get("description")
    pair = _props(schema, "RatingPair")
    assert set(pair) == {"internal", "external"}
    assert all(pair[side].get("description") for side in pair)
    rating = schema["$defs"]["Rating"]
    assert set(rating["required"]) == {"value", "provenance"}
    assert "#/$defs/Provenance" in json.dumps(rating["properties"]["provenance"])


def test_schema_describes_provenance(schema: dict[str, Any]) -> None:
    provenance = schema["$defs"]["Provenance"]
    assert {"source", "method", "as_of", "window", "sample_size"} <= set(provenance["properties"])
    assert provenance["required"] == ["source"]
    assert "date-time" in json.dumps(provenance["properties"]["as_of"])
    assert "survey" in schema["$defs"]["Source"]["enum"]
    metric = schema["$defs"]["Metric"]
    assert "provenance" in metric["required"]


def test_schema_describes_moment_of_truth_connections_personas_opportunities(schema: dict[str, Any]) -> None:
    touchpoint = _props(schema, "Touchpoint")
    assert touchpoint["moment_of_truth"]["type"] == "boolean"
    assert touchpoint["moment_of_truth"].get("description")
    assert "#/$defs/Connection" in json.dumps(touchpoint["connections"])
    assert "to" in schema["$defs"]["Connection"]["required"]

    journey = schema["properties"]
    assert "#/$defs/Persona" in json.dumps(journey["personas"])
    assert {"name", "goals", "needs", "pain_points", "day"} <= set(_props(schema, "Persona"))
    assert "#/$defs/Opportunity" in json.dumps(journey["opportunities"])
    assert {"action", "owner_team", "status", "target", "addresses"} <= set(_props(schema, "Opportunity"))
    assert set(schema["$defs"]["MapType"]["enum"]) == {t.value for t in MapType}


def test_schema_id_pattern_accepts_chinese_ids_in_ecma_regex(schema: dict[str, Any]) -> None:
    pattern = schema["properties"]["id"]["pattern"]
    # Python's re.ASCII gives \w the ECMA-262 meaning: [A-Za-z0-9_]
    assert re.search(pattern, "注册旅程", flags=re.ASCII)
