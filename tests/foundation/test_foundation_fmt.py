"""``fmt``: canonical output that keeps comments, is idempotent, and refuses old schema versions."""

from __future__ import annotations

import os
from pathlib import Path

from foundation_helpers import run_main

from cjm_sync.files import load_journey
from cjm_sync.files.migrations import document_version
from cjm_sync.files.yaml_doc import parse_yaml
from cjm_sync.schema import CURRENT_SCHEMA_VERSION, MapType

NON_CANONICAL = """\
# Trial sign-up — written by hand
schema_version: 2
id: trial   # never rename
title: "Free trial · 免费试用"
stages:
- id: awareness
  title: Awareness     # top of the funnel
touchpoints:
    -   id: ad
        title: Sees an ad 📣
        stage: awareness
        # the emotion comes from the interviews
        emotion: {score: 1, label: 🙂}
"""


def _touch_past(path: Path) -> None:
    os.utime(path, (1_000_000_000, 1_000_000_000))


def test_fmt_check_lists_a_non_canonical_file_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(NON_CANONICAL, encoding="utf-8")
    _touch_past(path)
    run = run_main("fmt", "--check", path)
    assert run.code == 1
    assert str(path) in run.stdout
    assert path.read_text(encoding="utf-8") == NON_CANONICAL
    assert path.stat().st_mtime == 1_000_000_000

    machine = run_main("fmt", "--check", "--json", path)
    assert machine.code == 1
    assert machine.json() == {"ok": False, "changed": [str(path)], "check": True}


def test_fmt_keeps_comments_values_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(NON_CANONICAL, encoding="utf-8")
    before = load_journey(path).journey

    assert run_main("fmt", path).code == 0
    first = path.read_text(encoding="utf-8")
    assert first != NON_CANONICAL
    for comment in (
        "# Trial sign-up — written by hand",
        "# never rename",
        "# top of the funnel",
        "# the emotion comes from the interviews",
    ):
        assert comment in first
    assert "\n  - id: awareness\n" in first  # canonical indentation: sequences indented under their key
    assert "\n  - id: ad\n" in first
    assert load_journey(path).journey == before

    _touch_past(path)
    second = run_main("fmt", path)
    assert second.code == 0
    assert path.read_text(encoding="utf-8") == first
    assert path.stat().st_mtime == 1_000_000_000  # nothing to do: not even rewritten
    assert run_main("fmt", "--check", path).code == 0


def test_hand_added_comment_survives_fmt_of_a_starter(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    assert run_main("init", "-o", path).code == 0
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - id: awareness\n", "  - id: awareness # where they first hear of us\n", 1)
    text = text.replace("touchpoints:\n", "# one touchpoint per row\ntouchpoints:\n", 1)
    path.write_text(text, encoding="utf-8")
    assert run_main("fmt", path).code == 0
    after = path.read_text(encoding="utf-8")
    assert "# where they first hear of us" in after
    assert "# one touchpoint per row\ntouchpoints:" in after


def test_fmt_json_file_is_canonical_json(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text('{"schema_version":2,"id":"旅程","title":"旅程 😀","stages":[{"id":"s","title":"S"}]}')
    assert run_main("fmt", "--check", path).code == 1
    assert run_main("fmt", path).code == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "schema_version": 2,\n')
    assert '"title": "旅程 😀"' in text
    assert run_main("fmt", "--check", path).code == 0


V1 = """\
# a draft from before the release
id: old-map
title: Old map
type: b2b_strategic
stages:
  - id: evaluation
    title: Evaluation
touchpoints:
  - id: demo
    title: Demo call
    stage: evaluation
    importance: 4
    performance: 2.5
"""


def test_v1_file_validates_with_warning_fmt_refuses_migrate_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(V1, encoding="utf-8")

    validated = run_main("validate", path)
    assert validated.code == 0
    assert "schema version 1" in validated.stderr
    assert "cjm-sync migrate" in validated.stderr
    report = run_main("--json", "validate", path).json()
    assert report["ok"] is True
    assert any("migrate" in w for w in report["files"][0]["warnings"])

    refused = run_main("fmt", path)
    assert refused.code == 2
    assert f"cjm-sync migrate {path}" in refused.stderr
    assert run_main("fmt", "--check", path).code == 2
    assert path.read_text(encoding="utf-8") == V1  # validate/fmt never upgrade as a side effect

    migrated = run_main("--json", "migrate", path)
    assert migrated.code == 0
    assert migrated.json()["upgraded"] == [{"path": str(path), "from": 1, "to": CURRENT_SCHEMA_VERSION}]

    assert run_main("fmt", "--check", path).code == 0
    text = path.read_text(encoding="utf-8")
    assert "# a draft from before the release" in text
    document = parse_yaml(text)
    assert document_version(document) == CURRENT_SCHEMA_VERSION
    assert "type" not in document
    loaded = load_journey(path)
    assert loaded.migrated_from == []
    assert loaded.journey.map_type is MapType.B2B_STRATEGIC
    demo = loaded.journey.touchpoints[0]
    assert demo.importance is not None
    assert demo.importance.internal is not None
    assert demo.importance.internal.value == 4
    assert demo.importance.external is None
    assert demo.performance is not None
    assert demo.performance.internal is not None
    assert demo.performance.internal.value == 2.5

    # and a second migrate has nothing to do
    again = run_main("--json", "migrate", path)
    assert again.code == 0
    assert again.json()["upgraded"] == []
    assert run_main("validate", path).stderr == ""


def test_v1_file_with_explicit_schema_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text('{"schema_version": 1, "id": "x", "title": "X", "type": "future_state"}', encoding="utf-8")
    assert run_main("validate", path).code == 0
    assert run_main("fmt", path).code == 2
    assert run_main("migrate", path).code == 0
    assert load_journey(path).journey.map_type is MapType.FUTURE_STATE
    assert run_main("fmt", "--check", path).code == 0


def test_migrated_file_starts_with_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(V1, encoding="utf-8")
    assert run_main("migrate", path).code == 0
    assert next(iter(parse_yaml(path.read_text(encoding="utf-8")))) == "schema_version"
