"""``POST $batch``: a ``multipart/mixed`` body of ``application/http`` GET parts, answered in order.

At most 1,000 requests per batch. Change sets (writes) are refused: the sandbox serves reads only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from .errors import ODataError, query_error
from .wire import Request, Response

__all__ = ["MAX_BATCH", "answer_batch"]

MAX_BATCH = 1000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


def _parts(body: str, boundary: str) -> list[str]:
    chunks = body.split(f"--{boundary}")
    return [c.strip("\r\n") for c in chunks[1:] if not c.startswith("--")]


def _inner(part: str, outer: Request) -> Request:
    _, _, http = part.replace("\r\n", "\n").partition("\n\n")
    head, _, body = http.partition("\n\n")
    lines = head.split("\n")
    method, _, rest = lines[0].partition(" ")
    target = rest.rsplit(" HTTP/", 1)[0].strip()
    if method.startswith("--") or "multipart/mixed" in part.split("\n\n", 1)[0].lower():
        raise query_error("Change sets are not supported by the sandbox: it serves reads only.")
    url = urlsplit(target)
    path = url.path if url.path.startswith("/") else f"/api/data/v9.2/{url.path}"
    headers = {**{k.lower(): v for k, v in outer.headers.items() if k.lower() in ("authorization",)}}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(
        method=method.upper(),
        path=path,
        query=dict(reversed(parse_qsl(url.query, keep_blank_values=True))),
        headers=headers,
        body=body.encode(),
        base_url=outer.base_url,
        raw_query=url.query,
    )


def answer_batch(request: Request, route: Callable[[Request], tuple[Response, int]]) -> Response:
    """Answer every part of a batch through ``route``; a part's error becomes that part's answer."""
    match = _BOUNDARY.search(request.headers.get("content-type", ""))
    if match is None:
        raise query_error("A $batch request needs Content-Type: multipart/mixed;boundary=...")
    parts = _parts(request.body.decode("utf-8"), match.group(1))
    if len(parts) > MAX_BATCH:
        raise query_error(f"The number of requests in a batch ({len(parts)}) exceeds the limit of {MAX_BATCH}.")
    boundary = f"batchresponse_{uuid.uuid4()}"
    out: list[str] = []
    for part in parts:
        try:
            answer, _ = route(_inner(part, request))
        except ODataError as exc:
            import json  # noqa: PLC0415

            answer = Response(exc.status, {"Content-Type": "application/json"}, json.dumps(exc.body()).encode())
        reason = HTTPStatus(answer.status).phrase
        headers = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
        out.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            f"HTTP/1.1 {answer.status} {reason}\r\n{headers}\r\n{answer.body.decode('utf-8')}\r\n"
        )
    out.append(f"--{boundary}--\r\n")
    body = "".join(out).encode("utf-8")
    return Response(200, {"Content-Type": f"multipart/mixed; boundary={boundary}", "OData-Version": "4.0"}, body)
