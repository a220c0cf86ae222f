"""Sending the stored notifications by e-mail, with retries.

Each attempt first claims its row with a conditional update that counts the
attempt and moves the next attempt to the retry delay. Only one worker can
win that update, so two workers never send the same attempt, and a worker
that dies while sending leaves a row that is tried again after the delay.
The mail goes out after the claim is committed, outside any transaction.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from saas_manager.automation.operator import get_operator_settings
from saas_manager.notifications.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

RETRY_GROWTH = 5
# Without a cap the fivefold growth passes years after about ten attempts and
# then leaves the calendar (NOTIFICATION_MAX_ATTEMPTS may be up to 20).
MAX_RETRY_DELAY = datetime.timedelta(days=1)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Return the wait after failed attempt number `attempt` (1, 5, 25 minutes...).

    The wait grows fivefold from NOTIFICATION_FIRST_RETRY_MINUTES up to
    MAX_RETRY_DELAY.
    """
    first = settings.NOTIFICATION_FIRST_RETRY_MINUTES
    max_minutes = MAX_RETRY_DELAY.total_seconds() // 60
    minutes = first
    for _ in range(attempt - 1):
        if minutes >= max_minutes:
            break
        minutes *= RETRY_GROWTH
    return min(datetime.timedelta(minutes=minutes), MAX_RETRY_DELAY)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


def _claim(notification: Notification, now: datetime.datetime) -> bool:
    attempt = notification.attempts + 1
    claimed = Notification.objects.filter(
        pk=notification.pk,
        status=NotificationStatus.PENDING,
        attempts=notification.attempts,
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + retry_delay(attempt))
    notification.attempts = attempt
    return claimed == 1


def _message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.text_body,
        from_email=get_operator_settings().sender_email,
        to=notification.recipients,
        headers={"X-SaaS-Manager-Notification": notification.key},
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
    return message


def _record_failure(notification: Notification, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.FAILED, last_error=text, next_attempt_at=None
        )
        logger.error(
            "Notification %s failed after %d attempts: %s",
            notification.pk,
            notification.attempts,
            text,
        )
        return NotificationStatus.FAILED
    Notification.objects.filter(pk=notification.pk).update(last_error=text)
    logger.warning(
        "Notification %s attempt %d failed, retrying later: %s",
        notification.pk,
        notification.attempts,
        text,
    )
    return NotificationStatus.PENDING


def send_notification(notification: Notification, now: datetime.datetime) -> str | None:
    """Make one attempt to send a due notification.

    Returns the status after the attempt, or None when another worker
    claimed the attempt first.
    """
    if not _claim(notification, now):
        return None
    if not notification.recipients:
        return _record_failure(notification, ValueError("no recipient"))
    try:
        _message(notification).send()
    except (smtplib.SMTPException, OSError) as error:
        return _record_failure(notification, error)
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENT,
        sent_at=now,
        next_attempt_at=None,
        last_error="",
    )
    logger.info(
        "Sent notification %s (%s) to %d recipients",
        notification.pk,
        notification.event,
        len(notification.recipients),
    )
    return NotificationStatus.SENT


def due_notifications(now: datetime.datetime):
    return Notification.objects.filter(
        status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")


def send_due_notifications(
    now: datetime.datetime | None = None, limit: int = 500
) -> SendReport:
    """Make one attempt for each notification that is due, oldest first.

    Each message opens its own SMTP connection, so a server that drops the
    connection fails one attempt and not the rest of the batch.
    """
    now = now or timezone.now()
    report = SendReport()
    for notification in due_notifications(now)[:limit]:
        status = send_notification(notification, now)
        if status == NotificationStatus.SENT:
            report.sent += 1
        elif status == NotificationStatus.PENDING:
            report.retried += 1
        elif status == NotificationStatus.FAILED:
            report.failed += 1
    return report
