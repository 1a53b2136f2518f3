"""``$batch`` of GETs: several reads in one HTTP request (``multipart/mixed`` of ``application/http``).

Dataverse runs each inner request on its own (each counts against service protection), so a batch
saves round trips, not server work. Source: learn.microsoft.com/power-apps/developer/data-platform/
webapi/execute-batch-operations-using-web-api. GETs sit outside change sets; at most 1,000 per batch.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["BatchAnswer", "encode_batch", "parse_batch"]

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_STATUS = re.compile(r"^HTTP/\d(?:\.\d)? (\d{3})", re.MULTILINE)


@dataclass(frozen=True)
class BatchAnswer:
    """One inner response: status and decoded JSON body (``None`` when it is not JSON)."""

    status: int
    body: Any


def encode_batch(base_url: str, requests: Sequence[tuple[str, Mapping[str, str]]]) -> tuple[str, bytes]:
    """``(content type, body)`` for GETs of ``(path, params)`` relative to ``base_url``."""
    boundary = f"batch_{uuid.uuid4()}"
    parts = []
    for path, params in requests:
        query = urlencode(params, safe="$(),'=/:@", quote_via=quote) if params else ""
        url = f"{base_url.rstrip('/')}/{path}" + (f"?{query}" if query else "")
        parts.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            f"GET {url} HTTP/1.1\r\nAccept: application/json\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return f"multipart/mixed;boundary={boundary}", "".join(parts).encode("utf-8")


def parse_batch(content_type: str, body: bytes) -> list[BatchAnswer]:
    """The inner responses of a ``$batch`` answer, in order; ``ValueError`` when it is not one."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ValueError(f"not a multipart answer ({content_type})")
    text = body.decode("utf-8").replace("\r\n", "\n")
    answers = []
    for chunk in text.split(f"--{match.group(1)}")[1:]:
        if chunk.startswith("--"):
            break
        status = _STATUS.search(chunk)
        if status is None:
            raise ValueError("a batch part has no HTTP status line")
        inner = chunk[status.start() :]
        _, _, payload = inner.partition("\n\n")
        payload = payload.strip()
        try:
            decoded = json.loads(payload) if payload else None
        except ValueError:
            decoded = payload
        answers.append(BatchAnswer(int(status.group(1)), decoded))
    return answers
