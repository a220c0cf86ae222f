"""The worker's schedule: the automation every AUTOMATION_INTERVAL_MINUTES."""

import datetime
import logging
import threading

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, lock_task, on_startup

from saas_manager.automation.runner import run_automation
from saas_manager.notifications.sending import send_due_notifications

logger = logging.getLogger(__name__)

# Each worker thread runs the startup hooks; the first one queues the run.
_first_run_queued = threading.Lock()


def is_automation_minute(moment: datetime.datetime) -> bool:
    """Tell whether the automation runs in this minute of the day.

    Minutes are counted from midnight, so an interval that divides a day
    (15, 30, 60, 120 ...) gives evenly spaced runs.
    """
    interval = max(settings.AUTOMATION_INTERVAL_MINUTES, 1)
    return (moment.hour * 60 + moment.minute) % interval == 0


@db_periodic_task(is_automation_minute)
@lock_task("automation")
def run_automation_task():
    # The lock only keeps one worker's runs from overlapping; the rules stay
    # correct without it, even when run from two machines at once.
    report = run_automation(timezone.now())
    logger.info(
        "Automation run: %d actions, %d failures",
        len(report.actions),
        len(report.failures),
    )
    send_due_notifications()


@on_startup()
def queue_first_automation_run():
    """Queue one automation run as the worker starts.

    Without it, a worker started at 10:01 would wait until 10:15 for its
    first run.
    """
    if not _first_run_queued.acquire(blocking=False):
        return
    logger.info("Worker started: queueing a first automation run")
    run_automation_task()
