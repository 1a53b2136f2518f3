"""Logging set-up: human text or structured JSON lines (for scheduled jobs); always redacted."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from cjm_sync.errors import redact

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class RedactingJsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a redacted JSON line."""
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = json.loads(redact(json.dumps(value, default=str, ensure_ascii=False)))
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def json_log_line(level: str, message: str, /, *, logger: str = "cjm_sync.cli", **fields: object) -> str:
    """One redacted JSON log line shaped like :class:`RedactingJsonFormatter`'s, for output written
    outside logging (progress notes, the error boundary) under ``--log-format json``."""
    payload: dict[str, object] = {
        "ts": datetime.now(UTC).isoformat(),
        "level": level,
        "logger": logger,
        "message": redact(message),
    }
    for key, value in fields.items():
        if key != "message":
            payload[key] = json.loads(redact(json.dumps(value, default=str, ensure_ascii=False)))
    return json.dumps(payload, ensure_ascii=False)


class RedactingTextFormatter(logging.Formatter):
    """Plain text lines with secrets scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a redacted text line."""
        return redact(super().format(record))


_OURS = "_cjm_sync_handler"


def configure_logging(verbosity: int, log_format: str) -> None:
    """Route cjm-sync's logs to stderr at the level the flags ask for."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    if verbosity < 0:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter()
        if log_format == "json"
        else RedactingTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    # With JSON, everything on stderr is JSON: Python warnings and other libraries' log records (which
    # would otherwise reach logging's plain-text last-resort handler) go through the same handler.
    logging.captureWarnings(log_format == "json")
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, _OURS, False)]
    if log_format == "json":
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    for name in ("cjm_sync", "connectors"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
