import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from saas_manager.core.currencies import validate_amount_for_currency
from saas_manager.core.fields import CurrencyField, MoneyField


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class BackupFrequency(models.TextChoices):
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NONE = "none", _("No backups")


_PACKAGE_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")


def validate_package_code(value: str) -> None:
    """Accept 1 to 32 capital letters, digits, hyphens or underscores."""
    if not _PACKAGE_CODE.fullmatch(value):
        raise ValidationError(
            _(
                "%(value)r is not a valid package code. Expected 1 to 32 capital "
                "letters, digits, hyphens or underscores, starting with a letter "
                "or digit, such as BUSINESS-10."
            ),
            code="invalid_code",
            params={"value": value},
        )


class ServicePackage(models.Model):
    """A product tier with its prices, limits and features."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[validate_package_code]
    )
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An archived package keeps its instances but cannot be sold."),
    )
    currency = CurrencyField(_("currency"), default="EUR")
    monthly_price = MoneyField(
        _("monthly price"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the package is not sold by the month."),
    )
    yearly_price = MoneyField(
        _("yearly price"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the package is not sold by the year."),
    )
    trial_days = models.PositiveSmallIntegerField(_("trial length in days"), default=0)
    max_users = models.PositiveIntegerField(
        _("maximum internal users"),
        null=True,
        blank=True,
        help_text=_("Empty means unlimited."),
    )
    storage_gb = models.PositiveIntegerField(
        _("storage in GB"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    backup_frequency = models.CharField(
        _("backup frequency"),
        max_length=8,
        choices=BackupFrequency,
        default=BackupFrequency.DAILY,
    )
    has_custom_domain = models.BooleanField(_("custom domain"), default=False)
    has_ssl_certificate = models.BooleanField(_("SSL certificate"), default=False)
    has_api_access = models.BooleanField(_("API access"), default=False)
    has_priority_support = models.BooleanField(_("priority support"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("service package")
        verbose_name_plural = _("service packages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_price__isnull=True)
                | models.Q(monthly_price__gte=0),
                name="package_monthly_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(yearly_price__isnull=True)
                | models.Q(yearly_price__gte=0),
                name="package_yearly_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_price__isnull=False)
                | models.Q(yearly_price__isnull=False),
                name="package_has_a_price",
                violation_error_message=_(
                    "A package needs a monthly price, a yearly price or both."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(backup_frequency__in=BackupFrequency.values),
                name="package_backup_frequency_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active"], name="package_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def price_for(self, cycle: str) -> Decimal | None:
        """Return the price of one period of the cycle, or None if not offered."""
        if cycle == BillingCycle.MONTHLY:
            return self.monthly_price
        return self.yearly_price

    @property
    def cycles(self) -> list[str]:
        """List the billing cycles this package is sold in."""
        return [cycle for cycle in BillingCycle if self.price_for(cycle) is not None]

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if self.code and _PACKAGE_CODE.fullmatch(self.code):
            # Checked here to name the value. The unique index still guards
            # against a concurrent insert.
            taken = ServicePackage.objects.filter(code=self.code).exclude(pk=self.pk)
            if taken.exists():
                errors["code"] = _("Another package already has code %(value)s.") % {
                    "value": self.code
                }
        if self.monthly_price is None and self.yearly_price is None:
            message = _(
                "Package %(package)s has no price. Expected a monthly price, a "
                "yearly price or both."
            ) % {"package": self.name or self.code}
            # Reported once, on the first price field, so that the form and an
            # import show it once.
            errors["monthly_price"] = message
        if isinstance(self.trial_days, int) and self.trial_days < 0:
            errors["trial_days"] = _(
                "%(value)d is negative. Expected a trial length of 0 days or more."
            ) % {"value": self.trial_days}
        for field in ("monthly_price", "yearly_price"):
            try:
                validate_amount_for_currency(getattr(self, field), self.currency, field)
            except ValidationError as error:
                errors.setdefault(field, []).extend(error.messages)
        if errors:
            raise ValidationError(errors)
