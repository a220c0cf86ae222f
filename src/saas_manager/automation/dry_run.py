"""Mark the log records written during a dry run as changing nothing.

A dry run calls the same services as a real run, and they log what they do
("Instance 82 moved from suspended to active") before the dry run rolls the
transaction back. DryRunFilter, on the handlers of LOGGING in settings.py,
starts each record written inside `dry_run_logging()` with DRY_RUN_PREFIX, so
an operator reading the log is not misled. A context variable marks the dry
run, so records written by other threads at the same time are left as they
are. This module is loaded while logging is configured, before the apps, so
it imports no models.
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

DRY_RUN_PREFIX = "Dry run, rolled back, nothing was changed: "

_in_dry_run = contextvars.ContextVar("automation_dry_run", default=False)


@contextmanager
def dry_run_logging() -> Iterator[None]:
    """Mark the records logged inside the block as written by a dry run."""
    token = _in_dry_run.set(True)
    try:
        yield
    finally:
        _in_dry_run.reset(token)


def in_dry_run() -> bool:
    return _in_dry_run.get()


class DryRunFilter(logging.Filter):
    """Start the message of each record written during a dry run with a mark."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record passes every handler of the root logger; mark it once.
        if _in_dry_run.get() and not getattr(record, "dry_run", False):
            record.dry_run = True
            record.msg = f"{DRY_RUN_PREFIX}{record.msg}"
        return True
