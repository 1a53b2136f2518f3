"""Validation errors point at the right file:line:column and field, exit 2, and never touch the file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from foundation_helpers import run_console_script, run_main

HEAD = "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s1\n    title: S1\n"
#       line 1            line 2 line 3   line 4   line 5        line 6


@dataclass(frozen=True)
class Broken:
    name: str
    filename: str
    content: bytes
    # (line, column or None, path, message fragment) that must all be reported
    expected: list[tuple[int | None, int | None, str, str]]


def _y(text: str) -> bytes:
    return text.encode("utf-8")


CASES = [
    Broken(
        "unknown stage",
        "j.yaml",
        _y(
            HEAD
            + "touchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n  - id: t2\n    title: T2\n    stage: nope\n"
        ),
        [(13, 5, "touchpoints[1].stage", "unknown stage 'nope'")],
    ),
    Broken(
        "dangling connection",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n    connections:\n      - to: ghost\n"),
        [(12, 9, "touchpoints[0].connections[0].to", "unknown touchpoint 'ghost'")],
    ),
    Broken(
        "duplicate id across collections",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: s1\n    title: T1\n    stage: s1\n"),
        [(8, 5, "touchpoints[0].id", "duplicate id 's1'")],
    ),
    Broken(
        "emotion out of scale",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n    emotion:\n      score: 3\n"),
        [(12, 7, "touchpoints[0].emotion.score", "outside the emotion scale -2..2")],
    ),
    Broken(
        "rating out of custom scale",
        "j.yaml",
        _y(
            "schema_version: 2\nid: j\ntitle: J\nrating_scale:\n  min: 0\n  max: 10\nstages:\n  - id: s1\n"
            "    title: S1\ntouchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n    performance:\n"
            "      external:\n        value: 11\n        provenance:\n          source: survey\n"
        ),
        [(16, 9, "touchpoints[0].performance.external.value", "outside the rating scale 0..10")],
    ),
    Broken(
        "unknown field (typo)",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n    chanel: web\n"),
        [(11, 5, "touchpoints[0].chanel", "unknown field")],
    ),
    Broken(
        "wrong enum value",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: t1\n    title: T1\n    stage: s1\n    channel: telepathy\n"),
        [(11, 5, "touchpoints[0].channel", "'web'")],
    ),
    Broken(
        "malformed YAML line and a dangling stage",
        "j.yaml",
        _y(HEAD + '    description: "never closed\n' + "touchpoints:\n  - id: t1\n    title: T1\n    stage: nope\n"),
        [(7, None, "stages[0].description", "invalid YAML"), (11, 5, "touchpoints[0].stage", "unknown stage 'nope'")],
    ),
    Broken(
        "invalid JSON",
        "j.json",
        _y('{\n  "schema_version": 2,\n  "id": "j",\n  "title": "J"\n  "stages": []\n}\n'),
        [(5, 3, "", "invalid JSON")],
    ),
    Broken(
        "dangling stage in JSON",
        "j.json",
        _y(
            '{\n  "schema_version": 2,\n  "id": "j",\n  "title": "J",\n  "stages": [{"id": "s1", "title": "S"}],\n'
            '  "touchpoints": [\n    {"id": "t", "title": "T", "stage": "nope"}\n  ]\n}\n'
        ),
        [(7, None, "touchpoints[0].stage", "unknown stage 'nope'")],
    ),
    Broken(
        "not UTF-8",
        "j.yaml",
        b"schema_version: 2\nid: j\ntitle: caf\xe9\n",
        [(3, None, "", "UTF-8")],
    ),
    Broken(
        "newer schema version",
        "j.yaml",
        _y("schema_version: 99\nid: j\ntitle: J\n"),
        [(1, 1, "schema_version", "upgrade cjm-sync")],
    ),
    Broken(
        "top-level list",
        "j.yaml",
        _y("- id: j\n- title: J\n"),
        [(1, 1, "", "mapping")],
    ),
    Broken(
        "missing required field",
        "j.yaml",
        _y(HEAD + "touchpoints:\n  - id: t1\n    stage: s1\n"),
        [(8, 5, "touchpoints[0].title", "Field required")],
    ),
    Broken(
        "scale min above max",
        "j.yaml",
        _y("schema_version: 2\nid: j\ntitle: J\nemotion_scale:\n  min: 3\n  max: 1\n"),
        [(4, 1, "emotion_scale", "must be below max")],
    ),
    Broken(
        "id that is not a slug",
        "j.yaml",
        _y("schema_version: 2\nid: my journey\ntitle: J\n"),
        [(2, 1, "id", "invalid id")],
    ),
]


def _reported(stderr: str, filename: str) -> list[tuple[int | None, int | None, str, str]]:
    """Parse ``file:line:col: path: message`` lines of the human output."""
    out = []
    pattern = re.compile(rf"^{re.escape(filename)}(?::(\d+))?(?::(\d+))?: (?:([\w\[\].]+): )?(.*)$")
    for line in stderr.splitlines():
        m = pattern.match(line.strip())
        if m:
            out.append((int(m[1]) if m[1] else None, int(m[2]) if m[2] else None, m[3] or "", m[4]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_file_is_reported_at_the_right_place(tmp_path: Path, case: Broken) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    os.utime(path, (1_000_000_000, 1_000_000_000))

    human = run_main("validate", path)
    assert human.code == 2
    assert "Traceback" not in human.stderr
    reported = _reported(human.stderr, str(path))
    assert reported, human.stderr
    for line, column, field, fragment in case.expected:
        assert any(
            r[0] == line and (column is None or r[1] == column) and r[2] == field and fragment in r[3] for r in reported
        ), f"{line}:{column} {field} {fragment!r} not in {reported}"
    assert len(reported) == len(case.expected), reported

    machine = run_main("validate", path, "--json")
    assert machine.code == 2
    data = machine.json()
    assert data["ok"] is False
    issues = data["files"][0]["issues"]
    assert len(issues) == len(case.expected)
    for (line, column, field, fragment), issue in zip(case.expected, issues, strict=True):
        assert issue["file"] == str(path)
        assert issue["line"] == line
        if column is not None:
            assert issue["column"] == column
        assert issue["path"] == field
        assert fragment in issue["message"]

    # fmt and migrate refuse too, with the same exit code, and nothing touches the file
    assert run_main("fmt", path).code == 2
    assert run_main("migrate", path).code == 2
    assert path.read_bytes() == case.content
    assert path.stat().st_mtime == 1_000_000_000


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    good, bad1, bad2 = tmp_path / "good.yaml", tmp_path / "bad1.yaml", tmp_path / "bad2.json"
    good.write_text(HEAD, encoding="utf-8")
    bad1.write_text(HEAD + "touchpoints:\n  - id: t\n    title: T\n    stage: x\n", encoding="utf-8")
    bad2.write_text("[]", encoding="utf-8")
    run = run_main("--json", "validate", good, bad1, bad2)
    assert run.code == 2
    files = {f["path"]: f for f in run.json()["files"]}
    assert files[str(good)]["ok"] is True
    assert files[str(bad1)]["ok"] is False
    assert files[str(bad2)]["ok"] is False


# --- malformed YAML recovery: known bugs ----------------------------------------------------------

_MALFORMED_BUG = (
    "BUG: _parse/_yaml_issue blank the line of exc.problem_mark; for an unclosed flow collection or a key "
    "without ':' that mark is on a later, valid line, so recovery blanks one good line after another "
    "(up to _MAX_RECOVERIES), reports one bogus issue per line and loses the real dangling-stage issue"
)


@pytest.mark.parametrize("broken_line", ["    description: [never closed", "    description never a key"])
def test_one_malformed_line_gives_one_issue_and_keeps_other_problems(tmp_path: Path, broken_line: str) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(HEAD + broken_line + "\ntouchpoints:\n  - id: t1\n    title: T1\n    stage: nope\n")
    data = run_main("--json", "validate", path).json()
    issues = data["files"][0]["issues"]
    assert [(i["line"], i["path"]) for i in issues] == [(7, "stages[0].description"), (11, "touchpoints[0].stage")]


def test_malformed_required_field_does_not_hide_a_dangling_stage(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(
        "schema_version: 2\nid: j\ntitle: J\nstages:\n  - id: s1\n"
        '    title: "never closed\n'
        "touchpoints:\n  - id: t1\n    title: T1\n    stage: nope\n",
        encoding="utf-8",
    )
    data = run_main("--json", "validate", path).json()
    lines = [(i["line"], i["path"]) for i in data["files"][0]["issues"]]
    assert (6, "stages[0].title") in lines
    assert (10, "touchpoints[0].stage") in lines


# --- user errors never show a traceback -----------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "fmt", "migrate"])
def test_missing_file_is_a_user_error(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope.yaml"
    run = run_main(command, missing)
    assert run.code == 2
    assert str(missing) in run.stderr
    assert "not found" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "internal error" not in run.stderr


def test_directory_instead_of_file_is_a_user_error(tmp_path: Path) -> None:
    run = run_main("validate", tmp_path)
    assert run.code == 2
    assert "Traceback" not in run.stderr


def test_unknown_command_and_option_are_usage_errors() -> None:
    assert run_main("frobnicate").code == 2
    assert run_main("validate", "--frobnicate", "x.yaml").code == 2


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed entry point maps errors to exit codes with a message and no traceback."""
    missing = run_console_script("validate", "missing.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert "missing.yaml" in missing.stderr
    assert "Traceback" not in missing.stderr

    (tmp_path / "bad.yaml").write_text(HEAD + "touchpoints:\n  - id: t\n    title: T\n    stage: zz\n")
    bad = run_console_script("validate", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert "bad.yaml:10:5: touchpoints[0].stage: unknown stage 'zz'" in bad.stderr

    made = run_console_script("init", "--title", "旅程 🚀", "-o", "ok.yaml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ok = run_console_script("validate", "ok.yaml", cwd=tmp_path)
    assert ok.returncode == 0
    assert "ok.yaml: ok" in ok.stdout
