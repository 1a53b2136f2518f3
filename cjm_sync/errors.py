"""Errors by remedy: what the user (or the engine) has to do about them.

    CjmSyncError                      root; ``exit_code`` and a user-readable ``message``
    ├── UsageError          (2)       wrong flags or arguments
    ├── ValidationFailed    (2)       journey/config file invalid; carries ``issues``
    ├── ConfigError         (2)       missing/invalid configuration or credentials: the user fixes it
    ├── FileAccessError     (2|1)     a file or folder cannot be read or written (2: path or permission)
    ├── LockedError         (1)       another run holds the journey lock
    └── IntegrationError    (1)       talking to a vendor API went wrong; carries ``connector``/``status``
        ├── TransientError            retryable (429, 5xx, transport); raised once retries are exhausted
        │   └── OutcomeUnknown        a write may or may not have happened (its answer was lost)
        ├── FatalAPIError             the request is wrong or refused; retrying will not help
        ├── SkippableError            one record failed; the run can go on without it
        └── ConflictError             the remote changed under us (e.g. 412); the engine decides

Every message passes through :func:`redact` so tokens never reach logs, errors, state or reports.
"""

from __future__ import annotations

import errno
import os
import re
import threading
from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFLICTS = 3
EXIT_HELD = 4
"""A run applied nothing because it would delete too much at once: a human must confirm."""

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    # token-shaped values only (8+ characters), so prose such as "refresh_token: secrets must…" survives
    re.compile(r"(?i)((?:access|refresh)_token[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{8,}"),
    re.compile(r"(?i)((?:client_secret|password|api[_-]?key|token)=)[^\s&\"']+"),
    re.compile(r"\bpat-[a-z0-9-]{8,}\b"),
]
_registered_secrets: tuple[str, ...] = ()
"""Longest first; replaced whole (never mutated) so threads redacting meanwhile see one consistent set."""
_secrets_guard = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that :func:`redact` removes it wherever it appears (thread-safe)."""
    global _registered_secrets  # noqa: PLW0603 - secrets are process-wide: every thread's logs redact them
    if value and len(value) >= 4:
        with _secrets_guard:
            if value not in _registered_secrets:
                _registered_secrets = tuple(sorted({*_registered_secrets, value}, key=len, reverse=True))


def redact(text: str) -> str:
    """Remove known secrets and anything shaped like a token from ``text``."""
    for secret in _registered_secrets:
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text


class CjmSyncError(Exception):
    """Root of every error cjm-sync reports to a user."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = redact(message)
        self.hint = redact(hint) if hint else None
        super().__init__(self.message)

    def to_dict(self) -> dict[str, object]:
        """Machine-readable form used by ``--json`` output."""
        data: dict[str, object] = {"error": type(self).__name__, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        return data


class UsageError(CjmSyncError):
    """Wrong command-line usage."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Issue:
    """One problem found in a file: where it is and what is wrong."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field_path = f" {self.path}:" if self.path else ""
        return f"{where}:{field_path} {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Machine-readable form."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class ValidationFailed(CjmSyncError):
    """A journey or config file is invalid; ``issues`` lists every problem found."""

    exit_code = EXIT_USAGE

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        summary = "\n".join(str(i) for i in issues)
        super().__init__(f"{len(issues)} problem(s) found:\n{summary}")

    def to_dict(self) -> dict[str, object]:
        """Machine-readable form with every issue."""
        return {"error": "ValidationFailed", "issues": [i.to_dict() for i in self.issues]}


class ConfigError(CjmSyncError):
    """Configuration or credentials are missing or wrong: the user has to fix them."""

    exit_code = EXIT_USAGE


class FileAccessError(CjmSyncError):
    """A file cannot be read or written. Exit 2 when the path or its permissions are the user's to fix
    (no such folder, a folder where a file belongs, no permission, read-only), else 1 (disk full, I/O)."""

    _USER_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EROFS})

    def __init__(self, path: object, error: OSError) -> None:
        self.path = str(path)
        reason = error.strerror or type(error).__name__
        if error.errno == errno.ENOENT and reason == os.strerror(errno.ENOENT):
            reason = "no such file or folder"
        super().__init__(f"cannot access {self.path}: {reason}")
        self.exit_code = EXIT_USAGE if error.errno in self._USER_ERRNOS else EXIT_FAILURE


class StateUnavailable(CjmSyncError):
    """The state database is unreachable or went away mid-run (refused connection, restart, pool
    exhausted): a runtime failure (exit 1) that the next attempt may not meet, unlike a configuration
    a person must fix (wrong password, no such database: :class:`ConfigError`, exit 2)."""


class LockedError(CjmSyncError):
    """Another run holds the lock for this journey."""


@dataclass
class _ApiContext:
    connector: str | None = None
    status: int | None = None
    method: str | None = None
    url: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


class IntegrationError(CjmSyncError):
    """Talking to a vendor API failed."""

    def __init__(
        self,
        message: str,
        *,
        connector: str | None = None,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.context = _ApiContext(connector, status, method, redact(url) if url else None)
        prefix = f"[{connector}] " if connector else ""
        where = f" ({method} {self.context.url} → {status})" if method and status else ""
        super().__init__(f"{prefix}{message}{where}", hint=hint)

    @property
    def status(self) -> int | None:
        """HTTP status of the failed response, if there was one."""
        return self.context.status


class TransientError(IntegrationError):
    """Retryable failure (429, 5xx, network) that persisted after the retry budget was spent."""


class OutcomeUnknown(TransientError):
    """A non-idempotent write (a POST) may have reached the server, but its answer was lost (timeout,
    dropped connection, 500/502/504). It is never repeated blindly: the caller reads back whether it
    happened, and either records what it made or sends it again."""


class FatalAPIError(IntegrationError):
    """The API refused the request; retrying will not help."""


class SkippableError(IntegrationError):
    """One record failed; the run may continue without it."""


class ConflictError(IntegrationError):
    """The remote resource changed underneath us (e.g. HTTP 409/412)."""
