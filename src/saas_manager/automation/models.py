from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from saas_manager.automation.validators import (
    RangeValidator,
    parse_day_list,
    parse_email_list,
    validate_day_list,
    validate_email_list,
)

SINGLETON_ID = 1

# The accepted range of each number setting. Ten years (3650 days) and a
# month of hours are far beyond any real plan, and the maxima keep the rules'
# date arithmetic (today plus or minus the setting) well inside the calendar.
MAX_DAYS = 3650
MAX_HOURS = 720
DAYS = gettext_noop("days")
GRACE_PERIOD_RANGE = RangeValidator(gettext_noop("grace period"), 0, MAX_DAYS, DAYS)
TERMINATION_WARNING_RANGE = RangeValidator(
    gettext_noop("termination warning"), 0, MAX_DAYS, DAYS
)
TERMINATION_RANGE = RangeValidator(gettext_noop("termination"), 1, MAX_DAYS, DAYS)
PROVISIONING_TIMEOUT_RANGE = RangeValidator(
    gettext_noop("provisioning timeout"), 1, MAX_HOURS, gettext_noop("hours")
)
PENDING_PAYMENT_RANGE = RangeValidator(
    gettext_noop("pending payment alert"), 1, MAX_DAYS, DAYS
)
STORAGE_ALERT_RANGE = RangeValidator(
    gettext_noop("storage alert"), 1, 100, gettext_noop("percent")
)
NUMBER_RANGES = {
    "grace_period_days": GRACE_PERIOD_RANGE,
    "termination_warning_days": TERMINATION_WARNING_RANGE,
    "termination_days": TERMINATION_RANGE,
    "provisioning_timeout_hours": PROVISIONING_TIMEOUT_RANGE,
    "pending_payment_days": PENDING_PAYMENT_RANGE,
    "storage_alert_percent": STORAGE_ALERT_RANGE,
}


def _in_range(field_name: str) -> models.Q:
    limits = NUMBER_RANGES[field_name]
    return models.Q(
        **{f"{field_name}__gte": limits.minimum, f"{field_name}__lte": limits.maximum}
    )


class OperatorSettings(models.Model):
    """The operator's automation and notification settings: one row only.

    The first read creates the row from the environment (see `.env.example`);
    Managers then change it in the back office, and its history records who
    changed what.
    """

    grace_period_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        validators=[GRACE_PERIOD_RANGE],
        help_text=_(
            "An instance is overdue when its paid-up day plus this many days is "
            "before today."
        ),
    )
    trial_reminder_days = models.CharField(
        _("trial reminders (days before the trial ends)"),
        max_length=100,
        blank=True,
        validators=[validate_day_list],
        help_text=_("Comma-separated, such as 7, 3, 1. Empty sends none."),
    )
    payment_reminder_days = models.CharField(
        _("payment reminders (days before the paid period ends)"),
        max_length=100,
        blank=True,
        validators=[validate_day_list],
        help_text=_("Comma-separated, such as 7. Empty sends none."),
    )
    auto_termination_enabled = models.BooleanField(
        _("terminate after a long suspension"),
        help_text=_(
            "When on, an instance suspended for an overdue payment gets a "
            "warning and is then terminated."
        ),
    )
    termination_warning_days = models.PositiveSmallIntegerField(
        _("termination warning (days after suspension)"),
        validators=[TERMINATION_WARNING_RANGE],
    )
    termination_days = models.PositiveSmallIntegerField(
        _("termination (days after suspension)"),
        validators=[TERMINATION_RANGE],
    )
    provisioning_timeout_hours = models.PositiveSmallIntegerField(
        _("provisioning timeout (hours)"),
        validators=[PROVISIONING_TIMEOUT_RANGE],
        help_text=_("Staff are alerted when provisioning takes longer."),
    )
    pending_payment_days = models.PositiveSmallIntegerField(
        _("pending payment alert (days)"),
        validators=[PENDING_PAYMENT_RANGE],
        help_text=_("Staff are alerted when a payment stays pending longer."),
    )
    storage_alert_percent = models.PositiveSmallIntegerField(
        _("storage alert (percent of the package's storage)"),
        validators=[STORAGE_ALERT_RANGE],
    )
    sender_email = models.EmailField(
        _("sender address"),
        help_text=_("The From address of every notification."),
    )
    staff_emails = models.TextField(
        _("staff recipients"),
        blank=True,
        validators=[validate_email_list],
        help_text=_("The addresses that receive the staff copies, comma-separated."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("operator settings")
        verbose_name_plural = _("operator settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=SINGLETON_ID),
                name="operator_settings_single_row",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    termination_days__gt=models.F("termination_warning_days")
                ),
                name="operator_settings_warning_before_termination",
            ),
            models.CheckConstraint(
                condition=models.Q(storage_alert_percent__gte=1)
                & models.Q(storage_alert_percent__lte=100),
                name="operator_settings_storage_percent_range",
            ),
            models.CheckConstraint(
                condition=_in_range("grace_period_days"),
                name="operator_settings_grace_period_range",
            ),
            models.CheckConstraint(
                condition=_in_range("termination_warning_days"),
                name="operator_settings_termination_warning_range",
            ),
            models.CheckConstraint(
                condition=_in_range("termination_days"),
                name="operator_settings_termination_range",
            ),
            models.CheckConstraint(
                condition=_in_range("provisioning_timeout_hours"),
                name="operator_settings_provisioning_timeout_range",
            ),
            models.CheckConstraint(
                condition=_in_range("pending_payment_days"),
                name="operator_settings_pending_payment_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Operator settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = SINGLETON_ID
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        warning = self.termination_warning_days
        termination = self.termination_days
        if warning is not None and termination is not None and warning >= termination:
            raise ValidationError(
                {
                    "termination_days": _(
                        "The termination comes %(termination)d days after the "
                        "suspension, which is not after the warning at %(warning)d "
                        "days: expected more than %(warning)d."
                    )
                    % {"termination": termination, "warning": warning}
                }
            )

    @property
    def trial_reminders(self) -> list[int]:
        """The days before a trial's end that get a reminder, largest first."""
        return parse_day_list(self.trial_reminder_days)

    @property
    def payment_reminders(self) -> list[int]:
        """The days before a paid period's end that get a reminder, largest first."""
        return parse_day_list(self.payment_reminder_days)

    @property
    def staff_recipients(self) -> list[str]:
        return parse_email_list(self.staff_emails)


class AutomationRule(models.TextChoices):
    TRIAL_REMINDER = "trial_reminder", _("Trial reminder")
    TRIAL_EXPIRY = "trial_expiry", _("Trial expiry")
    PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
    OVERDUE_SUSPENSION = "overdue_suspension", _("Overdue suspension")
    REACTIVATION = "reactivation", _("Reactivation")
    TERMINATION_WARNING = "termination_warning", _("Termination warning")
    TERMINATION = "termination", _("Termination after a long suspension")
    WATCHDOGS = "watchdogs", _("Watchdogs")


class RuleExecution(models.Model):
    """The record that a rule acted on an instance for one event.

    The unique constraint is what makes a rule act once: of two runs that
    reach the same instance and event at the same time, only one can insert
    this row, and the other rolls back its work.
    """

    rule = models.CharField(_("rule"), max_length=32, choices=AutomationRule)
    instance = models.ForeignKey(
        "hosting.Instance",
        on_delete=models.CASCADE,
        related_name="rule_executions",
        verbose_name=_("instance"),
    )
    event_key = models.CharField(
        _("event"),
        max_length=100,
        help_text=_("What the rule acted on, such as the trial end date and day."),
    )
    run_for = models.DateTimeField(_("run for"), help_text=_("The moment of the run."))
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-run_for", "-id"]
        verbose_name = _("rule execution")
        verbose_name_plural = _("rule executions")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "instance", "event_key"],
                name="rule_execution_once_per_event",
            ),
            models.CheckConstraint(
                condition=models.Q(rule__in=AutomationRule.values),
                name="rule_execution_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.instance} ({self.event_key})"


class AutomationRun(models.Model):
    """One real run of the rules: the moment it ran for and what it did.

    A dry run stores none. The automate command reads the latest `run_for`
    to reject a real run for an earlier moment, which would act on today's
    records as they stood back then and be undone by the next run.
    """

    run_for = models.DateTimeField(
        _("run for"), db_index=True, help_text=_("The moment of the run.")
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    actions = models.PositiveIntegerField(_("actions"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)

    class Meta:
        ordering = ["-run_for", "-id"]
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")

    def __str__(self) -> str:
        return f"{self.run_for.isoformat()}: {self.actions} actions"


class AlertKind(models.TextChoices):
    PROVISIONING_TIMEOUT = "provisioning_timeout", _("Provisioning not finished")
    PAYMENT_PENDING = "payment_pending", _("Payment pending too long")
    USERS_OVER_LIMIT = "users_over_limit", _("Users over the package limit")
    STORAGE_OVER_LIMIT = "storage_over_limit", _("Storage over the package limit")
    STORAGE_HIGH = "storage_high", _("Storage nearly full")
    BACKUP_OUTDATED = "backup_outdated", _("Backup outdated")


class AlertQuerySet(models.QuerySet):
    def open(self) -> "AlertQuerySet":
        return self.filter(cleared_at__isnull=True)


class Alert(models.Model):
    """A condition a watchdog found, open until the condition ends.

    At most one alert of a kind is open per subject (an instance or a
    payment), so each crossing of a limit raises one alert and one
    notification. A new crossing after the alert cleared raises a new one.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind)
    subject_key = models.CharField(
        _("subject"),
        max_length=64,
        help_text=_("The instance or payment the alert is about, such as payment:12."),
    )
    instance = models.ForeignKey(
        "hosting.Instance",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("instance"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("payment"),
    )
    detail = models.CharField(_("detail"), max_length=300)
    raised_at = models.DateTimeField(_("raised"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=models.Q(cleared_at__isnull=True),
                name="alert_one_open_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=AlertKind.values),
                name="alert_kind_valid",
            ),
        ]
        indexes = [
            # The dashboard and the watchdogs read the open alerts.
            models.Index(fields=["cleared_at", "kind"], name="alert_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
