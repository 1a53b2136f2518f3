"""``python -m cjm_sync`` runs the CLI."""

from cjm_sync.cli.main import main

main()
