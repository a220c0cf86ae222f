"""The `saas-manager` console command: Django's management commands."""

import os
import sys


def command_line(argv: list[str]) -> list[str]:
    """Return argv with a hyphenated command name spelled as its module name.

    Django names a command after its module, `load_demo_data`, while the
    console spells it `load-demo-data`; both spellings work.
    """
    if len(argv) > 1 and not argv[1].startswith("-"):
        return [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    return argv


def main() -> None:
    """Run a management command, such as `saas-manager load-demo-data`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas_manager.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(command_line(sys.argv))
    except ImproperlyConfigured as error:
        # The message names the variable and the value expected; a traceback
        # through Django's start-up would only hide it.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
