"""The `saas-manager` console command: Django's management commands."""

import os
import sys


def main() -> None:
    """Run a management command, such as `saas-manager import FILE`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas_manager.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
