"""Load, validate, render and atomically save journey files (YAML primary, JSON accepted)."""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from cjm_sync.errors import CjmSyncError, FileAccessError, Issue, ValidationFailed
from cjm_sync.files.locations import format_path, locate, path_at_line
from cjm_sync.files.migrations import document_version, migrate
from cjm_sync.files.yaml_doc import dump_yaml, parse_yaml, shares_nodes, unshared, update_node
from cjm_sync.files.yaml_syntax import SyntaxProblem, first_syntax_problem, json_nesting_problem, problem_from_marked
from cjm_sync.plugins.crm_keys import document_key_problems, source_key_problems
from cjm_sync.plugins.limits import vendor_limit_problems
from cjm_sync.schema import CURRENT_SCHEMA_VERSION, Journey, cross_reference_problems


class JourneyChangedError(CjmSyncError):
    """The journey file changed on disk while we worked; it was not overwritten."""


@dataclass
class LoadedJourney:
    """A journey together with the document it came from (for comment-preserving saves)."""

    path: Path
    journey: Journey
    document: Any
    format: str
    sha256: str
    mtime: float
    migrated_from: list[int] = field(default_factory=list)


def file_format(path: Path) -> str:
    """``json`` for .json files, otherwise ``yaml``."""
    return "json" if path.suffix.lower() == ".json" else "yaml"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


RECOVERY_LIMIT = 1_000_000
"""Largest text (characters) for which a syntax error is followed by one recovery parse."""


def _issue(name: str, problem: SyntaxProblem) -> Issue:
    return Issue(name, problem.line, problem.column, "", problem.message)


def _parse_checked(name: str, text: str) -> Any:
    """Round-trip parse of text that passed the fast syntax check; ruamel's own errors (duplicate
    keys, undefined aliases) and an exhausted recursion become :class:`ValidationFailed`."""
    try:
        return parse_yaml(text)
    except MarkedYAMLError as exc:
        raise ValidationFailed([_issue(name, problem_from_marked(exc, text.count("\n") + 1))]) from None
    except RecursionError:
        raise ValidationFailed([Issue(name, None, None, "", "invalid YAML: nested too deeply")]) from None
    except YAMLError as exc:
        raise ValidationFailed([Issue(name, None, None, "", f"invalid YAML: {exc}")]) from None


def _parse(path: Path, text: str, fmt: str) -> tuple[Any, list[Issue]]:
    """Parse ``text``; returns the document and the syntax issues found (line numbers are kept).

    The first syntax problem is reported where the person has to fix it. One recovery is tried, for
    files up to :data:`RECOVERY_LIMIT`: the broken line alone is blanked and the text re-parsed; only
    if that parses cleanly are further problems (a dangling reference elsewhere) reported too. Valid
    lines are never blanked to go on, so a file with one error costs at most two parses.
    """
    name = str(path)
    if fmt == "json":
        deep = json_nesting_problem(text)
        if deep is not None:
            raise ValidationFailed([_issue(name, deep)])
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed([Issue(name, exc.lineno, exc.colno, "", f"invalid JSON: {exc.msg}")]) from None
        if first_syntax_problem(text) is not None:  # valid JSON the YAML parsers refuse (tabs): no lines
            return json.loads(text), []
        try:
            return _parse_checked(name, text), []
        except ValidationFailed:
            return json.loads(text), []
    problem = first_syntax_problem(text)
    if problem is None:
        try:
            return _parse_checked(name, text), []
        except ValidationFailed as failed:
            if len(failed.issues) != 1 or failed.issues[0].line is None:
                raise
            problem = SyntaxProblem(failed.issues[0].line, failed.issues[0].column, failed.issues[0].message)
    issue = _issue(name, problem)
    if problem.line is None or not problem.recoverable or len(text) > RECOVERY_LIMIT:
        raise ValidationFailed([issue])
    lines = text.split("\n")
    lines[problem.line - 1] = ""
    recovered = "\n".join(lines)
    if first_syntax_problem(recovered) is not None:
        raise ValidationFailed([issue])
    try:
        return _parse_checked(name, recovered), [issue]
    except ValidationFailed:
        raise ValidationFailed([issue]) from None


def _pydantic_issues(name: str, document: Any, errors: list[Any]) -> list[Issue]:
    issues = []
    for err in errors:
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        line, column = locate(document, loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; `cjm-sync schema` lists the fields)"
        issues.append(Issue(name, line, column, format_path(loc), message))
    return issues


def _caused_by_blanked_line(err: Any, broken: list[tuple[str | int, ...]]) -> bool:
    """Whether a schema error can come from a line blanked after a syntax error: an error at the
    broken field itself, or a required value missing from the mapping that held the broken line."""
    loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
    for path in broken:
        if loc[: len(path)] == path:
            return True
        if err["type"] == "missing" and loc[:-1] == path[:-1]:
            return True
    return False


_PLACEHOLDER = "missing-after-syntax-error"


def _with_placeholders(document: Any, error: ValidationError) -> Journey | None:
    """The journey with a placeholder for each required value a broken (blanked) line removed, so the
    cross-reference checks still run; None when that is not enough to make it valid."""
    data = copy.deepcopy(document)
    for err in error.errors():
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        if err["type"] != "missing" or not loc:
            return None
        node = data
        for step in loc[:-1]:
            node = node[step]
        node[loc[-1]] = _PLACEHOLDER
    try:
        return Journey.model_validate(data)
    except ValidationError:
        return None


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: (i.line or 0, i.column or 0))


def parse_journey(path: Path, text: str) -> tuple[Journey, Any, list[int]]:
    """Parse and validate journey text; every problem becomes an :class:`Issue` with file:line:column."""
    name = str(path)
    fmt = file_format(path)
    document, syntax = _parse(path, text, fmt)
    broken: list[tuple[str | int, ...]] = []
    if syntax:
        lines = text.split("\n")
        broken = [path_at_line(document, i.line, lines) for i in syntax if i.line]
        syntax = [
            Issue(i.file, i.line, i.column, format_path(path_at_line(document, i.line, lines)), i.message)
            if i.line
            else i
            for i in syntax
        ]
    if not isinstance(document, dict):
        if syntax:
            raise ValidationFailed(syntax)
        raise ValidationFailed([Issue(name, 1, 1, "", "a journey file must be a mapping (key: value) at the top")])
    version = document_version(document)
    if version > CURRENT_SCHEMA_VERSION or version < 1:
        line, column = locate(document, ("schema_version",))
        raise ValidationFailed(
            [
                Issue(
                    name,
                    line,
                    column,
                    "schema_version",
                    f"schema version {document.get('schema_version')!r} is not supported "
                    f"(this cjm-sync reads 1..{CURRENT_SCHEMA_VERSION}; upgrade cjm-sync for newer files)",
                )
            ]
        )
    migrated = migrate(document)
    try:
        journey = Journey.model_validate(document)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not (syntax and _caused_by_blanked_line(e, broken))]
        found = _pydantic_issues(name, document, errors)
        patched = None if found or not syntax else _with_placeholders(document, exc)
        if patched is None:
            reported = {issue.path for issue in found}
            for loc, message in document_key_problems(document):  # every bad key, not only the schema's
                if format_path(loc) not in reported:
                    line, column = locate(document, loc)
                    found.append(Issue(name, line, column, format_path(loc), message))
            raise ValidationFailed(_sorted(syntax + found)) from None
        journey = patched
    issues = list(syntax)
    for loc, message in [
        *cross_reference_problems(journey),
        *source_key_problems(journey),
        *vendor_limit_problems(journey),
    ]:
        if _PLACEHOLDER in message:
            continue
        line, column = locate(document, loc)
        issues.append(Issue(name, line, column, format_path(loc), message))
    if issues:
        raise ValidationFailed(_sorted(issues))
    return journey, document, migrated


def load_journey(path: Path) -> LoadedJourney:
    """Read and validate a journey file. Raises :class:`ValidationFailed` naming file:line:column."""
    try:
        raw = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise ValidationFailed([Issue(str(path), None, None, "", "file not found")]) from None
    except OSError as exc:
        raise ValidationFailed([Issue(str(path), None, None, "", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationFailed([Issue(str(path), line, None, "", "not valid UTF-8 text")]) from None
    journey, document, migrated = parse_journey(path, text)
    return LoadedJourney(path, journey, document, file_format(path), _digest(raw), mtime, migrated)


def journey_data(journey: Journey) -> dict[str, Any]:
    """The canonical plain-data form of a journey: defaults left out, schema version always present."""
    data = journey.model_dump(mode="json", exclude_defaults=True)
    return {
        "schema_version": journey.schema_version,
        **{k: v for k, v in data.items() if k != "schema_version"},
    }


def render_journey(journey: Journey, *, fmt: str = "yaml", document: Any = None) -> str:
    """Serialise ``journey`` deterministically; with ``document``, keep its comments and key order."""
    data = journey_data(journey)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    full = journey.model_dump(mode="json")
    if document is None or not shares_nodes(document):
        return dump_yaml(update_node(document, data, full))
    # Merge keys and aliases: one edited node may show in several places. Keep them when the
    # result still reads back as this journey; otherwise expand the shared nodes and write again.
    source = dump_yaml(document)  # a copy through text: deepcopy would cut merge keys from their anchors
    text = dump_yaml(update_node(parse_yaml(source), data, full))
    if Journey.model_validate(parse_yaml(text)) == journey:
        return text
    return dump_yaml(update_node(unshared(parse_yaml(source)), data, full))


def check_file_writable(path: Path) -> None:
    """Raise :class:`FileAccessError` (exit 2, naming the path and why) unless ``path`` can be replaced:
    its folder exists and is writable (the write goes through a temporary file beside it) and the file,
    if it exists, is writable — a file with no write permission bits at all counts as read-only even for
    root, who could write it: someone marked it so. Engines call this before writing anything elsewhere
    (the board), so a run that could not save the file changes nothing."""
    parent = path.parent or Path(".")
    if not parent.is_dir():
        raise FileAccessError(path, FileNotFoundError(errno.ENOENT, f"folder {parent} does not exist"))
    if path.exists() and (path.stat().st_mode & 0o222 == 0 or not os.access(path, os.W_OK)):
        raise FileAccessError(path, PermissionError(errno.EACCES, "the file is read-only"))
    if not os.access(parent, os.W_OK | os.X_OK):
        reason = f"its folder {parent} is not writable (the file is replaced through a temporary file beside it)"
        raise FileAccessError(path, PermissionError(errno.EACCES, reason))


def atomic_write(path: Path, text: str, *, expected_sha256: str | None = None) -> None:
    """Write ``text`` to ``path`` via a temp file and rename.

    With ``expected_sha256``, refuse (``JourneyChangedError``) if the file on disk no longer has that
    digest: someone edited it meanwhile and their change must not be overwritten.
    """
    if expected_sha256 is not None and path.exists() and _digest(path.read_bytes()) != expected_sha256:
        raise JourneyChangedError(
            f"{path} changed on disk during the run; it was not overwritten (the change is merged on the next run)"
        )
    check_file_writable(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    parent = path.parent or Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise FileAccessError(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FileAccessError(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_journey(loaded: LoadedJourney, journey: Journey) -> bool:
    """Save ``journey`` over ``loaded``'s file, preserving comments; False when nothing changed.

    An unchanged journey is not even re-rendered: a sync that changed nothing leaves the file as the
    author wrote it (``fmt`` is what canonicalises).
    """
    if journey == loaded.journey:
        return False
    text = render_journey(journey, fmt=loaded.format, document=loaded.document)
    encoded = text.encode("utf-8")
    if _digest(encoded) == loaded.sha256:
        return False
    atomic_write(loaded.path, text, expected_sha256=loaded.sha256)
    loaded.sha256 = _digest(encoded)
    loaded.journey = journey
    return True
