"""A tiny in-memory CRM connector implementing the CRM-source contract, for engine and CLI tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from cjm_sync.errors import FatalAPIError
from cjm_sync.plugins import (
    Capability,
    ConnectorKind,
    DiscoveredTouchpoint,
    DiscoverRequest,
    Discovery,
    MetricFact,
    PullRequest,
    PullResult,
    RecordCache,
)
from cjm_sync.schema import MetricUnit


class FakeSettings(BaseModel):
    base_url: str | None = None


class FakeCrm:
    """Records are ``(id, kind, at, modified)``; keys are ``analytics:<kind>``. ``fail_after_put`` makes a pull
    stage records and then fail, like a DAILY limit mid-run."""

    name: ClassVar[str] = "analytics"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CRM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.READ, Capability.METRICS, Capability.DISCOVER, Capability.INCREMENTAL}
    )
    settings_model: ClassVar[type[BaseModel]] = FakeSettings
    records: ClassVar[list[tuple[str, str, datetime, datetime]]] = []
    fail_after_put: ClassVar[bool] = False
    last_request: ClassVar[PullRequest | None] = None
    reads: ClassVar[int] = 0

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> FakeCrm:
        FakeSettings.model_validate({k: v for k, v in options.items() if k == "base_url"})
        return cls()

    @classmethod
    def check_source_key(cls, key: str, kind: str | None = None) -> str | None:
        parts = key.split(":")
        if len(parts) != 2 or not parts[1].isalpha():
            return f"'{key}' is not analytics:<letters>"
        return None

    def discover(self, request: DiscoverRequest) -> Discovery:
        kinds = sorted({r[1] for r in self.records})
        return Discovery(
            touchpoints=[
                DiscoveredTouchpoint(
                    f"analytics:{k}",
                    k.title(),
                    sum(1 for r in self.records if r[1] == k and request.window.contains(r[2])),
                    sum(1 for r in self.records if r[1] == k and request.window.previous.contains(r[2])),
                    channel="phone",
                )
                for k in kinds
            ]
        )

    def pull(self, request: PullRequest, cache: RecordCache) -> PullResult:
        type(self).last_request = request
        mark = None if request.full else cache.watermark("records")
        if request.full:
            cache.clear("records")
        changed = [r for r in self.records if mark is None or r[3] > mark]
        type(self).reads += len(changed)
        cache.put("records", ((r[0], {"kind": r[1], "at": r[2].isoformat()}) for r in changed))
        if self.fail_after_put:
            raise FatalAPIError("daily API limit reached", connector="analytics", status=429)
        rows = list(cache.records("records"))
        facts = []
        for link in request.links:
            kinds = {s.split(":")[1] for s in link.sources}
            hits = [
                d for _, d in rows if d["kind"] in kinds and request.window.contains(datetime.fromisoformat(d["at"]))
            ]
            facts.append(
                MetricFact(link.entity, "volume", len(hits), MetricUnit.COUNT, f"records of {sorted(kinds)}", len(hits))
            )
        newest = max((r[3] for r in self.records), default=datetime(2000, 1, 1, tzinfo=UTC))
        return PullResult(facts=facts, warnings=["a warning"], watermarks={"records": newest})

    def api_calls(self) -> dict[str, Any]:
        return {"calls": 1, "by_kind": {"list": 1}}

    def close(self) -> None:
        pass
