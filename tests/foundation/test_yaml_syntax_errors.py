"""YAML syntax errors name the line to fix: the first error's mark, at most what one reliable recovery
finds, never a chain of bogus errors on valid lines; huge, deeply nested and binary files get a line too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from foundation_helpers import run_main

from cjm_sync.files.journey_file import load_journey, save_journey

HEAD = "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s1\n    title: S1\n"


def _issues(path: Path) -> list[dict[str, Any]]:
    run = run_main("--json", "validate", path)
    assert run.code == 2, run.stdout + run.stderr
    issues: list[dict[str, Any]] = run.json()["files"][0]["issues"]
    return issues


def _touchpoints(count: int) -> str:
    return "touchpoints:\n" + "".join(
        f"  - id: t{i}\n    title: T{i}\n    stage: s1\n    description: step {i}\n" for i in range(count)
    )


@pytest.mark.parametrize(
    ("broken", "replaces"),
    [
        ("    title: T3: colon: again", "    title:"),  # a value with ': ' in the middle of the file
        ("      stage: s1", "    stage:"),  # over-indented line in the middle
        ("    - stray item", "    description:"),
        ("   description: under-indented", "    description:"),
    ],
)
def test_one_broken_line_in_the_middle_is_the_one_reported(tmp_path: Path, broken: str, replaces: str) -> None:
    lines = (HEAD + _touchpoints(8)).split("\n")
    target = next(i for i, text in enumerate(lines) if text.startswith(replaces) and i > 20)
    lines[target] = broken
    path = tmp_path / "j.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    issues = _issues(path)
    syntax = [i for i in issues if "invalid YAML" in i["message"]]
    assert [i["line"] for i in syntax] == [target + 1], issues
    assert all(i["line"] >= target + 1 for i in issues), issues  # nothing bogus on the valid lines above
    assert not any("Field required" in i["message"] for i in issues), issues


def test_under_indented_last_line_is_named(tmp_path: Path) -> None:
    text = HEAD + _touchpoints(3) + "   channel: web\n"
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    issues = _issues(path)
    assert [i["line"] for i in issues] == [text.count("\n")], issues
    assert "invalid YAML" in issues[0]["message"]


def test_a_tab_names_the_full_field_path_and_nothing_spurious(tmp_path: Path) -> None:
    # 30 lines of head and stages, then the first touchpoint's title, indented with a tab, at line 33
    stages = "".join(f"  - id: s{i}\n    title: Stage {i}\n" for i in range(2, 14))
    text = HEAD + stages + "touchpoints:\n  - id: t1\n\ttitle: Reads the pricing page\n    stage: s1\n"
    assert text.split("\n")[32] == "\ttitle: Reads the pricing page"
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    issues = _issues(path)
    assert [(i["line"], i["path"]) for i in issues] == [(33, "touchpoints[0].title")], issues
    assert "tab" in issues[0]["message"]


def test_unclosed_quote_names_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(HEAD + '    description: "never closed\n' + _touchpoints(2), encoding="utf-8")
    issues = _issues(path)
    assert [(i["line"], i["path"]) for i in issues] == [(7, "stages[0].description")]


def test_a_second_broken_line_stops_recovery_instead_of_guessing(tmp_path: Path) -> None:
    lines = (HEAD + _touchpoints(6)).split("\n")
    lines[9] = "    title: a: b"
    lines[17] = "    title: c: d"
    path = tmp_path / "j.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    issues = _issues(path)
    assert [i["line"] for i in issues] == [10], issues


def test_five_megabyte_file_with_one_error_reports_that_line(tmp_path: Path) -> None:
    count = 5_000_000 // 80
    body = "".join(
        f"  - id: t{i}\n    title: Touchpoint number {i}\n    stage: s1\n    description: what happens {i}\n"
        for i in range(count)
    )
    lines = (HEAD + "touchpoints:\n" + body).split("\n")
    middle = len(lines) // 2
    while not lines[middle].startswith("    title:"):
        middle += 1
    lines[middle] += ": x"
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert path.stat().st_size > 5_000_000
    issues = _issues(path)
    assert [i["line"] for i in issues] == [middle + 1], issues


@pytest.mark.parametrize("style", ["block", "flow", "sequence"])
def test_ten_thousand_levels_of_nesting_get_an_error_with_a_line(tmp_path: Path, style: str) -> None:
    depth = 10_000
    if style == "block":
        deep = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "v\n"
    elif style == "flow":
        deep = "  - text: " + "[" * depth + "]" * depth + "\n"
    else:
        deep = "".join(" " * (2 * i) + "-\n" for i in range(depth))[:-1] + " x\n"
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + "notes:\n" + deep, encoding="utf-8")
    run = run_main("--json", "validate", path)
    assert run.code == 2
    assert "recursion" not in run.stdout + run.stderr
    issues = run.json()["files"][0]["issues"]
    assert len(issues) == 1
    assert (issues[0]["line"] or 0) >= 7
    assert "nest" in issues[0]["message"]


def test_deeply_nested_json_gets_an_error_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{\n  "schema_version": 2,\n  "notes": ' + "[" * 10_000 + "]" * 10_000 + "\n}\n", encoding="utf-8")
    issues = _issues(path)
    assert [(i["line"], "nested" in i["message"]) for i in issues] == [(3, True)]


def test_a_nul_byte_gets_line_and_column_not_a_position(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_bytes((HEAD + "touchpoints:\n  - id: t1\n    title: T\x001\n").encode("utf-8"))
    run = run_main("validate", path)
    assert run.code == 2
    assert "position" not in run.stderr
    assert f"{path}:9:13:" in run.stderr
    assert "U+0000" in run.stderr


MERGED = (
    HEAD
    + "  - id: s2\n    title: S2\n"
    + "touchpoints:\n  - &base\n    id: t1\n    title: T1  # the first touchpoint sets the defaults\n"
    + "    stage: s1\n    channel: web\n  - <<: *base\n    id: t2\n    title: T2\n"
)


def test_merge_keys_are_standard_yaml_for_validate_and_fmt(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(MERGED, encoding="utf-8")
    assert run_main("validate", path).code == 0
    assert run_main("fmt", path).code == 0
    assert path.read_text(encoding="utf-8") == MERGED
    touchpoints = load_journey(path).journey.touchpoints
    assert [(t.id, t.stage, t.channel) for t in touchpoints] == [("t1", "s1", "web"), ("t2", "s1", "web")]


def test_an_error_in_a_merged_mapping_names_the_line_it_is_written_on(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(MERGED.replace("channel: web", "chanel: web"), encoding="utf-8")
    run = run_main("--json", "validate", path)
    assert run.code == 2
    assert "internal error" not in run.stderr
    issues = run.json()["files"][0]["issues"]
    assert {(i["line"], i["path"]) for i in issues} == {(14, "touchpoints[0].chanel"), (14, "touchpoints[1].chanel")}


def test_editing_an_anchored_entity_does_not_change_the_ones_merging_it(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(MERGED, encoding="utf-8")
    loaded = load_journey(path)
    first, second = loaded.journey.touchpoints
    edited = loaded.journey.model_copy(update={"touchpoints": [first.model_copy(update={"stage": "s2"}), second]})
    assert save_journey(loaded, edited)
    again = load_journey(path).journey
    assert again == edited
    assert [t.stage for t in again.touchpoints] == ["s2", "s1"]


def test_overriding_a_merged_value_keeps_the_merge(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(MERGED, encoding="utf-8")
    loaded = load_journey(path)
    first, second = loaded.journey.touchpoints
    moved = second.model_copy(update={"channel": type(second.channel)("email")})
    edited = loaded.journey.model_copy(update={"touchpoints": [first, moved]})
    assert save_journey(loaded, edited)
    text = path.read_text(encoding="utf-8")
    assert "<<: *base" in text
    assert load_journey(path).journey == edited
