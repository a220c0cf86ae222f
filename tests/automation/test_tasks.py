import datetime
import os
import subprocess
import sys
import threading

import pytest
from huey.contrib.djhuey import HUEY

from saas_manager.automation import tasks
from saas_manager.automation.models import AutomationRun
from saas_manager.automation.tasks import is_automation_minute

SHOW_QUEUE = (
    "import django; django.setup(); "
    "from huey.contrib.djhuey import HUEY; "
    "print(type(HUEY).__name__, getattr(HUEY.storage, 'filename', ''))"
)


def _queue_with(tmp_path, **environment):
    result = subprocess.run(
        [sys.executable, "-c", SHOW_QUEUE],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "saas_manager.settings",
            "DATA_DIR": str(tmp_path),
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


@pytest.mark.parametrize(
    ("minute", "expected"), [(0, True), (15, True), (45, True), (7, False), (59, False)]
)
def test_automation_every_fifteen_minutes(settings, minute, expected):
    settings.AUTOMATION_INTERVAL_MINUTES = 15

    due = is_automation_minute(datetime.datetime(2026, 3, 1, 10, minute))

    assert due is expected


def test_interval_counts_from_midnight(settings):
    settings.AUTOMATION_INTERVAL_MINUTES = 120

    assert is_automation_minute(datetime.datetime(2026, 3, 1, 0, 0))
    assert is_automation_minute(datetime.datetime(2026, 3, 1, 14, 0))
    assert not is_automation_minute(datetime.datetime(2026, 3, 1, 13, 0))


def test_queue_is_sqlite_in_data_dir(tmp_path):
    queue = _queue_with(tmp_path, TASK_QUEUE_URL="")

    assert queue == ["SqliteHuey", str(tmp_path / "huey.sqlite3")]


def test_queue_is_redis_when_named(tmp_path):
    queue = _queue_with(tmp_path, TASK_QUEUE_URL="redis://127.0.0.1:6379/0")

    assert queue == ["RedisHuey"]


@pytest.mark.django_db
def test_worker_start_runs_automation_once(monkeypatch):
    monkeypatch.setattr(tasks, "_first_run_queued", threading.Lock())
    monkeypatch.setattr(HUEY, "immediate", True)

    tasks.queue_first_automation_run()
    tasks.queue_first_automation_run()

    assert AutomationRun.objects.count() == 1
