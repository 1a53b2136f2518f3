"""`cjm-sync sandbox dynamics` serves the Web API and the https token endpoint and prints how to reach them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cjm_sync.http import ApiClient
from connectors.dynamics.auth import EntraAuth
from connectors.dynamics.client import DataverseClient, open_api


def test_the_printed_environment_reaches_the_sandbox(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cjm_sync", "sandbox", "dynamics", "--port", "0", "--records", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    env: dict[str, str] = {}
    api: ApiClient | None = None
    auth: EntraAuth | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                env[name] = value.strip("'")
            if "SSL_CERT_FILE" in env:
                break
        assert env["DYNAMICS_URL"].startswith("http://127.0.0.1:")
        assert env["AZURE_AUTHORITY_HOST"].startswith("https://127.0.0.1:")
        assert Path(env["REQUESTS_CA_BUNDLE"]).is_file()
        auth = EntraAuth(
            resource=env["DYNAMICS_URL"],
            tenant_id=env["AZURE_TENANT_ID"],
            client_id=env["AZURE_CLIENT_ID"],
            credential=env["AZURE_CLIENT_SECRET"],
            authority_host=env["AZURE_AUTHORITY_HOST"],
            ca_bundle=env["REQUESTS_CA_BUNDLE"],
        )
        api = open_api(env["DYNAMICS_URL"], auth)
        assert DataverseClient(api).get("WhoAmI")["UserId"]
    finally:
        if api is not None:
            api.close()
        if auth is not None:
            auth.close()
        process.terminate()
        process.communicate(timeout=10)
