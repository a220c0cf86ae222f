"""Watchdogs for staff: one alert per crossing of a limit, cleared when it ends.

Usage is the latest measurement stored on the instance. Usage exactly at a
limit is within it. The watchdogs look at instances in Trial, Active or
Suspended (the ones whose databases run or are kept), and at Provisioning
instances for the provisioning timeout.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from saas_manager.automation.models import Alert, AlertKind, AutomationRule
from saas_manager.automation.rules.base import Action, Rule
from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.catalog.models import BackupFrequency
from saas_manager.hosting.models import Instance, InstanceState
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.services import notify

MONITORED_STATES = (InstanceState.TRIAL, InstanceState.ACTIVE, InstanceState.SUSPENDED)

BACKUP_INTERVALS = {
    BackupFrequency.HOURLY: datetime.timedelta(hours=1),
    BackupFrequency.DAILY: datetime.timedelta(days=1),
    BackupFrequency.WEEKLY: datetime.timedelta(days=7),
}
# A backup may run late by half its interval before it counts as missing,
# because backup jobs start at a fixed hour but take a varying time.
BACKUP_MARGIN = 0.5

EVENTS = {
    AlertKind.PROVISIONING_TIMEOUT: NotificationEvent.ALERT_PROVISIONING_TIMEOUT,
    AlertKind.PAYMENT_PENDING: NotificationEvent.ALERT_PAYMENT_PENDING,
    AlertKind.USERS_OVER_LIMIT: NotificationEvent.ALERT_USERS_OVER_LIMIT,
    AlertKind.STORAGE_OVER_LIMIT: NotificationEvent.ALERT_STORAGE_OVER_LIMIT,
    AlertKind.STORAGE_HIGH: NotificationEvent.ALERT_STORAGE_HIGH,
    AlertKind.BACKUP_OUTDATED: NotificationEvent.ALERT_BACKUP_OUTDATED,
}

INSTANCE_KINDS = (
    AlertKind.PROVISIONING_TIMEOUT,
    AlertKind.USERS_OVER_LIMIT,
    AlertKind.STORAGE_OVER_LIMIT,
    AlertKind.STORAGE_HIGH,
    AlertKind.BACKUP_OUTDATED,
)


def provisioning_problem(instance, now, config) -> str | None:
    if instance.state != InstanceState.PROVISIONING:
        return None
    limit = datetime.timedelta(hours=config.provisioning_timeout_hours)
    if now - instance.created_at <= limit:
        return None
    return _(
        "%(instance)s has been provisioning since %(since)s, longer than "
        "%(hours)d hours."
    ) % {
        "instance": instance,
        "since": instance.created_at.isoformat(timespec="minutes"),
        "hours": config.provisioning_timeout_hours,
    }


def users_problem(instance, now, config) -> str | None:
    limit = instance.package.max_users
    used = instance.users_count
    if instance.state not in MONITORED_STATES or limit is None or used is None:
        return None
    if used <= limit:
        return None
    return _("%(instance)s has %(used)d active internal users, limit %(limit)d.") % {
        "instance": instance,
        "used": used,
        "limit": limit,
    }


def _storage_limit_mb(instance) -> int | None:
    if instance.package.storage_gb is None:
        return None
    return instance.package.storage_gb * 1024


def storage_over_problem(instance, now, config) -> str | None:
    limit = _storage_limit_mb(instance)
    used = instance.storage_mb
    if instance.state not in MONITORED_STATES or limit is None or used is None:
        return None
    if used <= limit:
        return None
    return _("%(instance)s uses %(used)d MB of storage, limit %(limit)d MB.") % {
        "instance": instance,
        "used": used,
        "limit": limit,
    }


def storage_high_problem(instance, now, config) -> str | None:
    """Report storage above the alert percent but still within the limit."""
    limit = _storage_limit_mb(instance)
    used = instance.storage_mb
    if instance.state not in MONITORED_STATES or limit is None or used is None:
        return None
    # Whole numbers on both sides, so 90 percent of the limit is not above it.
    if used > limit or used * 100 <= limit * config.storage_alert_percent:
        return None
    return _(
        "%(instance)s uses %(used)d MB of %(limit)d MB of storage, above "
        "%(percent)d percent."
    ) % {
        "instance": instance,
        "used": used,
        "limit": limit,
        "percent": config.storage_alert_percent,
    }


def backup_problem(instance, now, config) -> str | None:
    """Report a backup older than the package's frequency allows.

    Only an instance whose usage was measured is judged, because without a
    measurement nothing is known about its backups.
    """
    interval = BACKUP_INTERVALS.get(instance.package.backup_frequency)
    if instance.state not in MONITORED_STATES or interval is None:
        return None
    if instance.usage_measured_at is None:
        return None
    allowed = interval * (1 + BACKUP_MARGIN)
    last = instance.last_backup_at
    if last is not None and now - last <= allowed:
        return None
    return _(
        "The last backup of %(instance)s is %(last)s, but package %(package)s "
        "is backed up %(frequency)s."
    ) % {
        "instance": instance,
        "last": last.isoformat(timespec="minutes") if last else _("not recorded"),
        "package": instance.package,
        "frequency": instance.package.get_backup_frequency_display().lower(),
    }


def payment_problem(payment, now, config) -> str | None:
    if payment.status != PaymentStatus.PENDING:
        return None
    today = timezone.localdate(now)
    if (today - payment.date).days <= config.pending_payment_days:
        return None
    return _(
        "Payment %(payment)s of %(amount)s %(currency)s from %(customer)s has "
        "been pending since %(date)s, longer than %(days)d days."
    ) % {
        "payment": payment.pk,
        "amount": payment.amount,
        "currency": payment.currency,
        "customer": payment.customer,
        "date": payment.date.isoformat(),
        "days": config.pending_payment_days,
    }


INSTANCE_CHECKS = {
    AlertKind.PROVISIONING_TIMEOUT: provisioning_problem,
    AlertKind.USERS_OVER_LIMIT: users_problem,
    AlertKind.STORAGE_OVER_LIMIT: storage_over_problem,
    AlertKind.STORAGE_HIGH: storage_high_problem,
    AlertKind.BACKUP_OUTDATED: backup_problem,
}


def _raise_alert(kind, subject_key, detail, now, *, instance=None, payment=None):
    """Open an alert and store its notification; None if one is already open."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                subject_key=subject_key,
                instance=instance,
                payment=payment,
                detail=detail[:300],
                raised_at=now,
            )
            notify(
                EVENTS[kind],
                key=f"alert:{alert.pk}",
                now=now,
                customer=payment.customer if payment is not None else None,
                instance=instance,
                context={"alert": alert, "payment": payment},
            )
    except IntegrityError:
        return None
    return alert


def _clear_alert(kind, subject_key, now) -> int:
    return Alert.objects.filter(
        kind=kind, subject_key=subject_key, cleared_at__isnull=True
    ).update(cleared_at=now)


class Watchdogs(Rule):
    """Raise and clear the alerts for staff."""

    name = AutomationRule.WATCHDOGS

    def candidates(self, now, config):
        open_alerts = Alert.objects.open()
        instance_ids = (
            Instance.objects.filter(
                Q(state=InstanceState.PROVISIONING)
                | Q(state__in=MONITORED_STATES)
                | Q(pk__in=open_alerts.exclude(instance=None).values("instance"))
            )
            .order_by("id")
            .values_list("pk", flat=True)
        )
        payment_ids = (
            Payment.objects.filter(
                Q(status=PaymentStatus.PENDING)
                | Q(pk__in=open_alerts.exclude(payment=None).values("payment"))
            )
            .order_by("id")
            .values_list("pk", flat=True)
        )
        return [
            *(("instance", pk) for pk in instance_ids),
            *(("payment", pk) for pk in payment_ids),
        ]

    def subject_of(self, candidate) -> str:
        kind, pk = candidate
        return f"{kind} {pk}"

    def act(self, candidate, now, config):
        kind, pk = candidate
        if kind == "payment":
            return self._check_payment(pk, now, config)
        return self._check_instance(pk, now, config)

    def _check_instance(self, pk, now, config):
        instance = (
            Instance.objects.select_for_update(of=("self",))
            .select_related("customer", "package")
            .get(pk=pk)
        )
        subject_key = f"instance:{instance.pk}"
        actions = []
        for kind, check in INSTANCE_CHECKS.items():
            detail = check(instance, now, config)
            actions += self._apply(kind, subject_key, detail, now, instance=instance)
        return actions

    def _check_payment(self, pk, now, config):
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("customer", "instance")
            .get(pk=pk)
        )
        detail = payment_problem(payment, now, config)
        return self._apply(
            AlertKind.PAYMENT_PENDING,
            f"payment:{payment.pk}",
            detail,
            now,
            instance=payment.instance,
            payment=payment,
        )

    def _apply(self, kind, subject_key, detail, now, *, instance=None, payment=None):
        label = AlertKind(kind).label
        subject = str(instance) if instance is not None else subject_key
        if detail is None:
            if _clear_alert(kind, subject_key, now):
                return [Action(self.name, subject, _("clear alert: %s") % label)]
            return []
        if Alert.objects.open().filter(kind=kind, subject_key=subject_key).exists():
            return []
        alert = _raise_alert(
            kind, subject_key, detail, now, instance=instance, payment=payment
        )
        if alert is None:
            return []
        return [Action(self.name, subject, _("raise alert: %s") % label)]
