"""The log lines of `automate --dry-run` state that nothing was changed."""

import io
import logging
import threading

import pytest
import time_machine
from django.core.management import call_command

from saas_manager.automation.dry_run import (
    DRY_RUN_PREFIX,
    DryRunFilter,
    dry_run_logging,
)
from saas_manager.hosting.models import InstanceState
from tests.automation.helpers import at, provisioned


@pytest.fixture
def console():
    """The stream of the console handler that settings.LOGGING configures."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, DryRunFilter) for item in handler.filters)
    ]
    assert len(handlers) == 1
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.setLevel(level)
    handlers[0].setStream(previous)


def _automate(*args, moment):
    with time_machine.travel(moment, tick=False):
        call_command("automate", *args, stdout=io.StringIO(), stderr=io.StringIO())


def _moved_lines(stream, instance) -> list[str]:
    line = f"Instance {instance.pk} moved from trial to expired"
    return [text for text in stream.getvalue().splitlines() if line in text]


@pytest.mark.django_db
def test_dry_run_log_says_nothing_changed(operator, console):
    trial = provisioned(at(2026, 2, 1))

    _automate("--dry-run", moment=at(2026, 3, 7))

    lines = _moved_lines(console, trial)
    assert len(lines) == 1
    assert (
        f"{DRY_RUN_PREFIX}Instance {trial.pk} moved from trial to expired" in (lines[0])
    )
    trial.refresh_from_db()
    assert trial.state == InstanceState.TRIAL


@pytest.mark.django_db
def test_real_run_log_unmarked(operator, console):
    trial = provisioned(at(2026, 2, 1))

    _automate(moment=at(2026, 3, 7))

    lines = _moved_lines(console, trial)
    assert len(lines) == 1
    assert DRY_RUN_PREFIX not in console.getvalue()


def _record(message="Instance %s moved", *args) -> logging.LogRecord:
    return logging.LogRecord("test", logging.INFO, __file__, 1, message, args, None)


def test_filter_marks_record_once():
    record = _record("Instance %s moved", 82)
    dry_run_filter = DryRunFilter()

    with dry_run_logging():
        first = dry_run_filter.filter(record)
        second = dry_run_filter.filter(record)

    assert first is True
    assert second is True
    assert record.getMessage() == f"{DRY_RUN_PREFIX}Instance 82 moved"


def test_filter_leaves_other_records():
    record = _record()

    DryRunFilter().filter(record)

    assert record.getMessage() == "Instance %s moved"


def test_filter_leaves_other_threads():
    record = _record()
    ready, done = threading.Event(), threading.Event()

    def log_elsewhere():
        ready.wait(5)
        DryRunFilter().filter(record)
        done.set()

    thread = threading.Thread(target=log_elsewhere)
    thread.start()
    with dry_run_logging():
        ready.set()
        done.wait(5)
    thread.join(5)

    assert record.getMessage() == "Instance %s moved"
