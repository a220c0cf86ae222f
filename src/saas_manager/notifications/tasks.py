"""The worker's task that sends the notifications that are due, every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from saas_manager.notifications.sending import send_due_notifications


@db_periodic_task(crontab(minute="*"))
@lock_task("send-notifications")
def send_notifications_task():
    send_due_notifications()
