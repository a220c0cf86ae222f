from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from saas_manager.billing.choices import PaymentMethod
from saas_manager.catalog.models import BillingCycle, ServicePackage
from saas_manager.core.currencies import validate_amount_for_currency
from saas_manager.core.fields import CurrencyField, EncryptedTextField, MoneyField
from saas_manager.customers.models import Customer
from saas_manager.hosting.validators import (
    parse_odoo_versions,
    validate_database_name,
    validate_hostname,
    validate_odoo_version,
    validate_odoo_version_list,
)


class Server(models.Model):
    """A hosting node that runs Odoo instances."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    country = CountryField(_("country"))
    city = models.CharField(_("city or region"), max_length=100, blank=True)
    data_centre = models.CharField(_("data centre"), max_length=100, blank=True)
    base_url = models.URLField(_("base URL"))
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
        if self.name:
            taken = Server.objects.filter(name=self.name).exclude(pk=self.pk)
            if taken.exists():
                raise ValidationError(
                    {
                        "name": _("Another server is already named %(value)s.")
                        % {"value": self.name}
                    }
                )
        if not self.odoo_versions:
            return
        try:
            self.odoo_versions = ", ".join(parse_odoo_versions(self.odoo_versions))
        except ValidationError:
            # The field's validator has already reported the invalid version
            # under odoo_versions, so the list is left as typed.
            return


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
                .values("package_id", "server_id")
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
        if errors:
            raise ValidationError(errors)


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
