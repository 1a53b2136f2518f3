#!/usr/bin/env bash
# Replay every request the Miro and HubSpot connectors send against Stoplight Prism (installed from npm on first use).
# Usage: bash scripts/prism-check.sh [--install-only] [--port N] [-- PYTEST-ARGS...]   (see scripts/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" scripts/prism_check.py "$@"
