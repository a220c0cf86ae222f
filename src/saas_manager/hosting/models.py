import contextlib
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from saas_manager.billing.choices import PaymentMethod
from saas_manager.billing.periods import LATEST_BILLING_START
from saas_manager.catalog.models import BillingCycle, ServicePackage
from saas_manager.core.currencies import validate_amount_for_currency
from saas_manager.core.fields import CurrencyField, EncryptedTextField, MoneyField
from saas_manager.customers.models import Customer
from saas_manager.hosting.validators import (
    normalize_hostname,
    parse_odoo_versions,
    validate_database_name,
    validate_hostname,
    validate_odoo_version,
    validate_odoo_version_list,
    validate_server_url,
)

# The longest Odoo master password a server accepts. Generated passwords are
# 64 characters at most in practice, and the bound keeps an encrypted value
# that is sent with every database operation small.
MAX_MASTER_PASSWORD_LENGTH = 128
# How far ahead of the server's clock a measured time may be: the agents that
# report usage run on other hosts, whose clocks may run a little ahead.
CLOCK_SKEW_TOLERANCE = datetime.timedelta(minutes=5)
# The fields whose change re-applies an instance's money to its periods.
BILLING_TERMS = ("price", "billing_cycle")


class Server(models.Model):
    """A hosting node that runs Odoo instances."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    country = CountryField(_("country"))
    city = models.CharField(_("city or region"), max_length=100, blank=True)
    data_centre = models.CharField(_("data centre"), max_length=100, blank=True)
    base_url = models.URLField(
        _("base URL"),
        validators=[validate_server_url],
        help_text=_("An http:// or https:// URL without a user name or password."),
    )
    odoo_versions = models.CharField(
        _("Odoo versions"),
        max_length=200,
        validators=[validate_odoo_version_list],
        help_text=_("Comma-separated, such as 17.0, 18.0, saas~18.3."),
    )
    max_instances = models.PositiveIntegerField(
        _("capacity (maximum instances)"),
        null=True,
        blank=True,
        help_text=_("Empty means unlimited."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    master_password = EncryptedTextField(
        _("Odoo master password"),
        blank=True,
        help_text=_("Stored encrypted."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["master_password"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("server")
        verbose_name_plural = _("servers")
        indexes = [
            models.Index(fields=["is_active"], name="server_active_idx"),
            models.Index(fields=["country"], name="server_country_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def versions(self) -> list[str]:
        return parse_odoo_versions(self.odoo_versions)

    def is_full(self) -> bool:
        """Tell whether the server has reached its capacity of live instances."""
        if self.max_instances is None:
            return False
        live = self.instances.exclude(state=InstanceState.TERMINATED).count()
        return live >= self.max_instances

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.name:
            taken = Server.objects.filter(name=self.name).exclude(pk=self.pk)
            if taken.exists():
                errors["name"] = _("Another server is already named %(value)s.") % {
                    "value": self.name
                }
        length = len(self.master_password or "")
        if length > MAX_MASTER_PASSWORD_LENGTH:
            # The message gives the length only, because the value is a secret.
            errors["master_password"] = _(
                "The Odoo master password has %(length)d characters. Expected "
                "at most %(limit)d."
            ) % {"length": length, "limit": MAX_MASTER_PASSWORD_LENGTH}
        # The field's validator has already reported an invalid version under
        # odoo_versions, so such a list is left as typed.
        with contextlib.suppress(ValidationError):
            if self.odoo_versions:
                self.odoo_versions = ", ".join(parse_odoo_versions(self.odoo_versions))
        if errors:
            raise ValidationError(errors)


class InstanceState(models.TextChoices):
    PROVISIONING = "provisioning", _("Provisioning")
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class SuspensionKind(models.TextChoices):
    """The cause of a suspension, which decides what may lift it."""

    MANUAL = "manual", _("By hand")
    OVERDUE = "overdue", _("Overdue payment")


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    AUTOMATION = "automation", _("Automation")
    PAYMENT = "payment", _("Payment")
    IMPORT = "import", _("Import")


class Edition(models.TextChoices):
    COMMUNITY = "community", _("Community")
    ENTERPRISE = "enterprise", _("Enterprise")


class Instance(models.Model):
    """One hosted Odoo database."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name=_("customer"),
    )
    package = models.ForeignKey(
        ServicePackage,
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name=_("package"),
    )
    server = models.ForeignKey(
        Server,
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name=_("server"),
    )
    database_name = models.CharField(
        _("database name"),
        max_length=63,
        unique=True,
        validators=[validate_database_name],
    )
    url = models.URLField(_("URL"), blank=True)
    custom_domain = models.CharField(
        _("custom domain"),
        max_length=253,
        blank=True,
        validators=[validate_hostname],
    )
    odoo_version = models.CharField(
        _("Odoo version"), max_length=16, validators=[validate_odoo_version]
    )
    edition = models.CharField(
        _("edition"), max_length=16, choices=Edition, default=Edition.COMMUNITY
    )
    billing_cycle = models.CharField(
        _("billing cycle"),
        max_length=8,
        choices=BillingCycle,
        default=BillingCycle.MONTHLY,
    )
    price = MoneyField(
        _("agreed price"),
        help_text=_("The price of one billing period, kept as sold."),
    )
    currency = CurrencyField(_("currency"), default="EUR")
    payment_method = models.CharField(
        _("usual payment method"),
        max_length=20,
        choices=PaymentMethod,
        blank=True,
        help_text=_("How the customer usually pays for this instance."),
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=InstanceState,
        default=InstanceState.PROVISIONING,
        editable=False,
    )
    suspension_kind = models.CharField(
        _("suspension kind"),
        max_length=8,
        choices=SuspensionKind,
        blank=True,
        editable=False,
        help_text=_("Why the current suspension was made; empty when not suspended."),
    )
    suspended_at = models.DateTimeField(
        _("suspended at"), null=True, blank=True, editable=False
    )
    trial_end_date = models.DateField(_("trial end date"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    billing_start = models.DateField(
        _("billing start"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The first day that is billed."),
    )
    paid_up_to = models.DateField(
        _("paid up to"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The last day of the last paid billing period."),
    )
    users_count = models.PositiveIntegerField(
        _("internal users"), null=True, blank=True
    )
    storage_mb = models.PositiveIntegerField(_("storage in MB"), null=True, blank=True)
    last_backup_at = models.DateTimeField(_("last backup"), null=True, blank=True)
    usage_measured_at = models.DateTimeField(_("usage measured"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["database_name"]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="instance_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=InstanceState.values),
                name="instance_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(billing_cycle__in=BillingCycle.values),
                name="instance_billing_cycle_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(suspension_kind__in=["", *SuspensionKind.values]),
                name="instance_suspension_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["custom_domain"],
                condition=~models.Q(custom_domain=""),
                name="instance_custom_domain_unique",
                violation_error_message=_(
                    "Another instance already uses this custom domain."
                ),
            ),
        ]
        indexes = [
            # The instance list and the automation filter on these.
            models.Index(fields=["state"], name="instance_state_idx"),
            models.Index(fields=["trial_end_date"], name="instance_trial_end_idx"),
            models.Index(fields=["paid_up_to"], name="instance_paid_up_to_idx"),
            models.Index(fields=["odoo_version"], name="instance_version_idx"),
            models.Index(fields=["billing_cycle"], name="instance_cycle_idx"),
        ]

    def __str__(self) -> str:
        return self.database_name

    def save(self, *args, **kwargs) -> None:
        """Save the instance, and re-apply its money when its price or cycle changed.

        The paid-up date and the spans of its payments are recomputed in the
        same transaction, whatever code changed the price or the cycle.
        """
        from saas_manager.billing.paid_up import refresh_paid_up_to

        self.custom_domain = normalize_hostname(self.custom_domain)
        update_fields = kwargs.get("update_fields")
        checks_terms = not self._state.adding and (
            update_fields is None or set(BILLING_TERMS) & set(update_fields)
        )
        with transaction.atomic():
            stored = None
            if checks_terms:
                stored = (
                    Instance.objects.filter(pk=self.pk)
                    .values_list(*BILLING_TERMS)
                    .first()
                )
            super().save(*args, **kwargs)
            current = tuple(getattr(self, name) for name in BILLING_TERMS)
            if stored is not None and stored != current:
                refresh_paid_up_to(self)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        package = self.package if self.package_id else None
        server = self.server if self.server_id else None
        # Moving an instance to another package sells that package, and moving
        # it to another server makes it a new instance there.
        stored = None
        if not self._state.adding:
            stored = (
                Instance.objects.filter(pk=self.pk)
                .values("package_id", "server_id", "currency", *BILLING_TERMS)
                .first()
            )
        new_to_package = stored is None or stored["package_id"] != self.package_id
        new_to_server = stored is None or stored["server_id"] != self.server_id
        if package is not None:
            if new_to_package and not package.is_active:
                errors["package"] = _(
                    "Package %(package)s is archived and cannot be sold."
                ) % {"package": package}
            if self.custom_domain and not package.has_custom_domain:
                errors["custom_domain"] = _(
                    "Package %(package)s does not include a custom domain, so "
                    "%(value)s cannot be used. Leave it empty or choose a "
                    "package with that feature."
                ) % {"package": package, "value": self.custom_domain}
            if self.billing_cycle and package.price_for(self.billing_cycle) is None:
                errors["billing_cycle"] = _(
                    "Package %(package)s has no %(cycle)s price, so the %(cycle)s "
                    "billing cycle is not offered. Expected one of: %(offered)s."
                ) % {
                    "package": package,
                    "cycle": self.billing_cycle,
                    "offered": ", ".join(package.cycles) or "-",
                }
        if server is not None and new_to_server:
            if not server.is_active:
                errors["server"] = _(
                    "Server %(server)s is not active and takes no new instances."
                ) % {"server": server}
            elif server.is_full():
                errors["server"] = _(
                    "Server %(server)s is full with its maximum of %(count)d "
                    "instances. Choose another server."
                ) % {"server": server, "count": server.max_instances}
        if (
            server is not None
            and self.odoo_version
            and self.odoo_version not in server.versions
        ):
            errors["odoo_version"] = _(
                "Server %(server)s does not run Odoo %(version)s. It runs %(versions)s."
            ) % {
                "server": server,
                "version": self.odoo_version,
                "versions": server.odoo_versions,
            }
        if self.database_name:
            # Checked here to name the value. The unique index still guards
            # against a concurrent insert.
            taken = Instance.objects.filter(database_name=self.database_name)
            if taken.exclude(pk=self.pk).exists():
                errors["database_name"] = _(
                    "Another instance already uses database name %(value)s."
                ) % {"value": self.database_name}
        if self.custom_domain and "custom_domain" not in errors:
            other = (
                Instance.objects.filter(custom_domain=self.custom_domain)
                .exclude(pk=self.pk)
                .first()
            )
            if other is not None:
                errors["custom_domain"] = _(
                    "Instance %(instance)s already uses custom domain %(value)s."
                ) % {"instance": other, "value": self.custom_domain}
        if self.price is not None and self.currency:
            try:
                validate_amount_for_currency(self.price, self.currency, "price")
            except ValidationError as error:
                errors["price"] = " ".join(error.messages)
        self._check_dates(errors)
        if stored is not None:
            self._check_billing_change(stored, errors)
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude=None) -> None:
        # Lowercased before the field's validator, which accepts only
        # lowercase host names, because DNS names are case-insensitive.
        self.custom_domain = normalize_hostname(self.custom_domain)
        super().clean_fields(exclude=exclude)

    def _check_dates(self, errors: dict[str, str]) -> None:
        for name in ("trial_end_date", "start_date"):
            value = getattr(self, name)
            if isinstance(value, datetime.date) and value > LATEST_BILLING_START:
                errors.setdefault(
                    name,
                    _(
                        "%(value)s is too far in the future. Expected %(limit)s or "
                        "before."
                    )
                    % {"value": value, "limit": LATEST_BILLING_START},
                )
        trial_end, start = self.trial_end_date, self.start_date
        if (
            isinstance(trial_end, datetime.date)
            and isinstance(start, datetime.date)
            and trial_end < start
            and "trial_end_date" not in errors
        ):
            errors["trial_end_date"] = _(
                "The trial end date, %(end)s, is before the start date, "
                "%(start)s. Expected %(start)s or later."
            ) % {"end": trial_end, "start": start}
        now = timezone.now()
        measured = {
            "last_backup_at": _("the last backup"),
            "usage_measured_at": _("the usage measurement"),
        }
        for name, label in measured.items():
            value = getattr(self, name)
            if (
                isinstance(value, datetime.datetime)
                and value > now + CLOCK_SKEW_TOLERANCE
            ):
                errors.setdefault(
                    name,
                    _(
                        "The time of %(event)s, %(value)s, is in the future. "
                        "Expected a time no later than now, %(now)s."
                    )
                    % {
                        "event": label,
                        "value": _format_moment(value),
                        "now": _format_moment(now),
                    },
                )

    def _check_billing_change(self, stored: dict, errors: dict[str, str]) -> None:
        """Check a change of the currency, price or cycle against the payments.

        The payments of an instance are in its currency, so the currency is
        fixed once it has one. A new price or cycle re-applies the money to
        the periods, which must stay within the limit of billing.limits.
        """
        from saas_manager.billing.limits import check_price_change

        currency_changed = self.currency != stored["currency"]
        if currency_changed and "currency" not in errors and self.payments.exists():
            errors["currency"] = _(
                "Instance %(instance)s has payments in %(stored)s, so its "
                "currency cannot become %(value)s. Its payments are in its "
                "currency: set up a new instance for another currency."
            ) % {
                "instance": self,
                "stored": stored["currency"],
                "value": self.currency,
            }
        changed = any(getattr(self, name) != stored[name] for name in BILLING_TERMS)
        if changed and "price" not in errors and "billing_cycle" not in errors:
            for name, message in check_price_change(self).items():
                errors.setdefault(name, message)


def _format_moment(value: datetime.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


class InstanceEvent(models.Model):
    """One change of an instance's state: from, to, when, who and why."""

    instance = models.ForeignKey(
        Instance,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("instance"),
    )
    from_state = models.CharField(
        _("from state"),
        max_length=16,
        choices=InstanceState,
        blank=True,
        help_text=_("Empty when the event created the instance."),
    )
    to_state = models.CharField(_("to state"), max_length=16, choices=InstanceState)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor_kind = models.CharField(_("actor"), max_length=12, choices=ActorKind)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instance_events",
        verbose_name=_("staff member"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instance_events",
        verbose_name=_("payment"),
        help_text=_("The payment that caused the change, if one did."),
    )
    reason = models.TextField(_("reason"), blank=True)
    suspension_kind = models.CharField(
        _("suspension kind"),
        max_length=8,
        choices=SuspensionKind,
        blank=True,
        help_text=_("For a suspension: made by hand or for an overdue payment."),
    )

    class Meta:
        ordering = ["instance", "at", "id"]
        verbose_name = _("instance event")
        verbose_name_plural = _("instance events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_state__in=InstanceState.values),
                name="instance_event_to_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(from_state__in=["", *InstanceState.values]),
                name="instance_event_from_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(actor_kind__in=ActorKind.values),
                name="instance_event_actor_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(suspension_kind="")
                | models.Q(to_state=InstanceState.SUSPENDED),
                name="instance_event_suspension_kind_only_on_suspension",
            ),
        ]
        indexes = [
            # The history on the instance page and the reports read events by
            # target state and time.
            models.Index(fields=["to_state", "at"], name="instance_event_state_idx"),
        ]

    def __str__(self) -> str:
        start = self.get_from_state_display() or _("(new)")
        return f"{self.instance}: {start} → {self.get_to_state_display()}"
