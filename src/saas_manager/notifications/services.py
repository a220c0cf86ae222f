"""Creating notifications: one stored row per event and recipient group.

A notification is created inside the transaction of the change it reports,
so it exists exactly when the change was committed. The worker sends it
later (see sending.py), which keeps the mail server out of the transaction.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saas_manager.automation.operator import get_operator_settings
from saas_manager.notifications.models import (
    Audience,
    Notification,
    NotificationEvent,
    NotificationStatus,
)
from saas_manager.notifications.recipients import AUDIENCES, addresses_for
from saas_manager.notifications.rendering import base_context, render_event

logger = logging.getLogger(__name__)


def _no_recipient_error(audience: str, customer) -> str:
    if audience == Audience.STAFF:
        return _(
            "No staff recipient: add addresses to the staff recipients of the "
            "operator settings, then resend."
        )
    return _(
        "No recipient: customer %(customer)s has no contact who receives "
        "notifications and no e-mail address. Add one, then resend."
    ) % {"customer": customer}


def notify(
    event: str,
    *,
    key: str,
    now: datetime.datetime,
    customer=None,
    instance=None,
    context: dict | None = None,
) -> list[Notification]:
    """Store the notifications of one event, once per recipient group.

    `key` names the event, such as "instance_event:12". A group that already
    has a notification for that key is skipped, so calling this twice for the
    same event, even at the same time from two processes, stores one row per
    group. Returns the rows created by this call.
    """
    if customer is None and instance is not None:
        customer = instance.customer
    operator = get_operator_settings()
    full_context = {
        **base_context(event, customer=customer, instance=instance, now=now),
        **(context or {}),
    }
    created = []
    for audience in AUDIENCES[event].groups:
        row = _store(
            event, audience, key, now, customer, instance, full_context, operator
        )
        if row is not None:
            created.append(row)
    return created


def _store(event, audience, key, now, customer, instance, context, operator):
    full_key = f"{key}:{audience}"
    if Notification.objects.filter(key=full_key).exists():
        return None
    recipients = addresses_for(event, audience, customer, operator)
    if audience == Audience.CUSTOMER and customer is not None:
        language = customer.language
    else:
        language = settings.LANGUAGE_CODE
    message = render_event(event, {**context, "audience": audience}, language)
    subject = message.subject
    if audience == Audience.STAFF and AUDIENCES[event].contact_roles:
        # Staff copies of customer notices name the customer first.
        subject = f"[{customer}] {subject}"
    row = Notification(
        key=full_key,
        event=event,
        audience=audience,
        customer=customer,
        instance=instance,
        recipients=recipients,
        subject=subject[:300],
        text_body=message.text_body,
        html_body=message.html_body,
        created_at=now,
        next_attempt_at=now,
    )
    if not recipients:
        row.status = NotificationStatus.FAILED
        row.next_attempt_at = None
        row.last_error = _no_recipient_error(audience, customer)
        logger.warning("Notification %s has no recipient", full_key)
    try:
        # The savepoint keeps the caller's transaction usable when another
        # process stored the same key first.
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return None
    return row


def resend(notification: Notification, now: datetime.datetime) -> Notification:
    """Queue a notification again, with the contacts' current addresses."""
    notification.recipients = addresses_for(
        notification.event,
        notification.audience,
        notification.customer,
        get_operator_settings(),
    )
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = now
    notification.last_error = ""
    notification.save(
        update_fields=[
            "recipients",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
        ]
    )
    return notification


def instance_event_notice(instance_event) -> str | None:
    """Return the notification event of a change of state, or None.

    An expiry, a suspension for an overdue payment, the return to Active
    from a suspension or an expiry, and a termination are notified. The state
    an import created and the other changes staff make are not.
    """
    from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind

    if instance_event.actor_kind == ActorKind.IMPORT or not instance_event.from_state:
        return None
    target = instance_event.to_state
    if target == InstanceState.EXPIRED:
        return NotificationEvent.TRIAL_EXPIRED
    if (
        target == InstanceState.SUSPENDED
        and instance_event.suspension_kind == SuspensionKind.OVERDUE
    ):
        return NotificationEvent.SUSPENDED_OVERDUE
    if target == InstanceState.ACTIVE and instance_event.from_state in (
        InstanceState.SUSPENDED,
        InstanceState.EXPIRED,
    ):
        return NotificationEvent.REACTIVATED
    if target == InstanceState.TERMINATED:
        return NotificationEvent.TERMINATED
    return None


def notify_instance_event(
    instance_event, now: datetime.datetime | None = None, **context
) -> list[Notification]:
    """Store the notifications of a change of state, if it has any."""
    event = instance_event_notice(instance_event)
    if event is None:
        return []
    instance = instance_event.instance
    return notify(
        event,
        key=f"instance_event:{instance_event.pk}",
        now=now or timezone.now(),
        instance=instance,
        context={
            "instance_event": instance_event,
            "reason": instance_event.reason,
            "payment": instance_event.payment,
            "trial_end_date": instance.trial_end_date,
            "paid_up_to": instance.paid_up_to,
            "grace_period_days": get_operator_settings().grace_period_days,
            **context,
        },
    )


# A missed notification of a change older than this is not stored any more,
# such as after the worker was stopped for longer.
CATCH_UP_DAYS = 30


def pending_instance_events(now: datetime.datetime) -> list:
    """Return the recent changes of state whose notifications are missing.

    The notifications of a change that a payment or a staff member made are
    stored after its commit; the next automation run stores any that a crash
    lost.
    """
    from saas_manager.hosting.models import InstanceEvent

    since = now - datetime.timedelta(days=CATCH_UP_DAYS)
    candidates = (
        InstanceEvent.objects.filter(at__gte=since, at__lte=now)
        .exclude(from_state="")
        .select_related("instance__customer", "instance__package", "payment")
        .order_by("at", "id")
    )
    events = [event for event in candidates if instance_event_notice(event)]
    told = set(
        Notification.objects.filter(
            key__in=[f"instance_event:{event.pk}:staff" for event in events]
        ).values_list("key", flat=True)
    )
    return [event for event in events if f"instance_event:{event.pk}:staff" not in told]
