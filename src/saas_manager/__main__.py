"""Entry point for `python -m saas_manager`."""

from saas_manager.cli import main

main()
