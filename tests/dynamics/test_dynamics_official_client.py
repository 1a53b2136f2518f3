"""Microsoft's own Dataverse client (``powerplatform-dataverse-client`` with azure-identity) works against
the sandbox for the reads cjm-sync makes: metadata lookup, filtered and paged row reads, option labels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from azure import identity
from dynamics_support import ANCHOR
from PowerPlatform.Dataverse import client as dataverse

from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.serve import SandboxServers, serve


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServers]:
    sandbox = DataverseSandbox(records=2500, seed=9, anchor=ANCHOR, now=lambda: ANCHOR)
    with serve(sandbox, tmp_path / "ca.pem", data_tls=True) as running:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.ca_path))
        monkeypatch.setenv("SSL_CERT_FILE", str(running.ca_path))
        yield running


def test_the_official_client_reads_through_the_sandbox(servers: SandboxServers) -> None:
    credential = identity.ClientSecretCredential(
        servers.sandbox.login.tenant,
        servers.client_id,
        servers.client_secret,
        authority=servers.authority_host,
        disable_instance_discovery=True,
    )
    client = dataverse.DataverseClient(servers.data_url, credential)
    start = ANCHOR - timedelta(days=30)
    window = f"createdon ge {start:%Y-%m-%dT%H:%M:%SZ} and createdon lt {ANCHOR:%Y-%m-%dT%H:%M:%SZ}"
    pages = list(
        client.records.list_pages(
            "incident", select=["incidentid", "caseorigincode", "createdon"], filter=window, page_size=20
        )
    )
    got = sorted(r["incidentid"] for page in pages for r in page)
    expected = sorted(r["incidentid"] for r in servers.sandbox.rows("incidents") if start <= r["createdon"] < ANCHOR)
    assert got == expected
    assert len(pages) == -(-len(expected) // 20)
    result = client.records.list(
        "lead",
        select=["leadid", "leadsourcecode"],
        filter="leadsourcecode eq 7",
        include_annotations="OData.Community.Display.V1.FormattedValue",
    )
    assert {r["leadsourcecode@OData.Community.Display.V1.FormattedValue"] for r in result} <= {"Trade Show"}
    assert len(list(result)) == sum(1 for r in servers.sandbox.rows("leads") if r["leadsourcecode"] == 7)
    assert servers.sandbox.login.token_requests == 1
    credential.close()
