"""The worker's schedule: the automation every AUTOMATION_INTERVAL_MINUTES."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, lock_task

from saas_manager.automation.runner import run_automation
from saas_manager.notifications.sending import send_due_notifications

logger = logging.getLogger(__name__)


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
