from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class NotificationEvent(models.TextChoices):
    """Every event that people are told about."""

    TRIAL_REMINDER = "trial_reminder", _("Trial reminder")
    TRIAL_EXPIRED = "trial_expired", _("Trial expired")
    PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
    SUSPENDED_OVERDUE = "suspended_overdue", _("Suspended for an overdue payment")
    REACTIVATED = "reactivated", _("Reactivated")
    TERMINATION_WARNING = "termination_warning", _("Termination warning")
    TERMINATED = "terminated", _("Terminated")
    PAYMENT_ON_TERMINATED = (
        "payment_on_terminated",
        _("Payment for a terminated instance"),
    )
    ALERT_PROVISIONING_TIMEOUT = (
        "alert_provisioning_timeout",
        _("Alert: provisioning not finished"),
    )
    ALERT_PAYMENT_PENDING = (
        "alert_payment_pending",
        _("Alert: payment pending too long"),
    )
    ALERT_USERS_OVER_LIMIT = (
        "alert_users_over_limit",
        _("Alert: users over the package limit"),
    )
    ALERT_STORAGE_OVER_LIMIT = (
        "alert_storage_over_limit",
        _("Alert: storage over the package limit"),
    )
    ALERT_STORAGE_HIGH = "alert_storage_high", _("Alert: storage nearly full")
    ALERT_BACKUP_OUTDATED = "alert_backup_outdated", _("Alert: backup outdated")


class Audience(models.TextChoices):
    CUSTOMER = "customer", _("Customer contacts")
    STAFF = "staff", _("Staff")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One e-mail about one event to one group of recipients.

    The unique key names the event and the group, so an event that is handled
    twice, or by two processes at once, is stored and sent once.
    """

    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_("The event and recipient group, such as instance_event:12:staff."),
    )
    event = models.CharField(_("event"), max_length=40, choices=NotificationEvent)
    audience = models.CharField(_("recipients group"), max_length=8, choices=Audience)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("customer"),
    )
    instance = models.ForeignKey(
        "hosting.Instance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("instance"),
    )
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=NotificationStatus,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("When the worker sends it next; empty once sent or failed."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event__in=NotificationEvent.values),
                name="notification_event_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(audience__in=Audience.values),
                name="notification_audience_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
        ]
        indexes = [
            # The worker reads the pending rows that are due.
            models.Index(
                fields=["status", "next_attempt_at"], name="notification_due_idx"
            ),
            # The notification list filters on these.
            models.Index(fields=["event"], name="notification_event_idx"),
            models.Index(fields=["created_at"], name="notification_created_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationTemplate(models.Model):
    """The operator's own wording for one event, replacing the built-in one.

    The fields are Django templates rendered with the event's context. An
    empty HTML body makes the HTML part from the text body.
    """

    event = models.CharField(
        _("event"), max_length=40, choices=NotificationEvent, unique=True
    )
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(
        _("HTML body"),
        blank=True,
        help_text=_("Leave empty to send the text body as the HTML part too."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["event"]
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event__in=NotificationEvent.values),
                name="notification_template_event_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_event_display()
