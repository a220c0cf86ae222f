from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from saas_manager.core.fields import CurrencyField
from saas_manager.customers.validators import (
    normalize_vat_number,
    validate_iban,
    validate_phone_number,
)


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A company that buys hosted Odoo instances."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    company_registry = models.CharField(
        _("company registry number"), max_length=64, blank=True
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    street2 = models.CharField(_("street 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
    )
    currency = CurrencyField(_("currency"), default="EUR")
    external_reference = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The customer's id in the operator's other systems."),
    )
    tags = models.ManyToManyField(Tag, blank=True, verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )
    support_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supported_customers",
        verbose_name=_("support owner"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CustomerStatus,
        default=CustomerStatus.PROSPECT,
        editable=False,
        help_text=_("Derived from the states of the customer's instances."),
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[tags])
    # Set by a caller that already checked external_reference against the
    # stored customers, such as the import pipeline for a whole file in one
    # query, so that clean() skips its own query. The constraint still guards.
    uniqueness_checked = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["external_reference"],
                condition=~models.Q(external_reference=""),
                name="customer_external_reference_unique",
                violation_error_message=_(
                    "Another customer already has this external reference."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[choice.value for choice in CustomerStatus]
                ),
                name="customer_status_valid",
            ),
        ]
        indexes = [
            # The customer list filters on these.
            models.Index(fields=["status"], name="customer_status_idx"),
            models.Index(fields=["country"], name="customer_country_idx"),
            models.Index(fields=["is_archived"], name="customer_archived_idx"),
            models.Index(fields=["currency"], name="customer_currency_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if self.vat_number:
            try:
                self.vat_number = normalize_vat_number(
                    self.vat_number, self.country.code
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        try:
            validate_phone_number(self.phone)
        except ValidationError as error:
            errors["phone"] = error
        # Checked here to name the value, so full_clean() skips the unique
        # constraint's own message. The constraint still guards the database.
        duplicate = None
        if self.external_reference and not self.uniqueness_checked:
            duplicate = (
                Customer.objects.filter(external_reference=self.external_reference)
                .exclude(pk=self.pk)
                .first()
            )
        if duplicate is not None:
            errors["external_reference"] = _(
                "Customer %(customer)s already has external reference %(value)s."
            ) % {"customer": duplicate, "value": self.external_reference}
        if errors:
            raise ValidationError(errors)


class BankAccount(models.Model):
    """An IBAN a customer pays from, used to match bank statement lines."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="bank_accounts",
        verbose_name=_("customer"),
    )
    iban = models.CharField(
        _("IBAN"), max_length=34, unique=True, validators=[validate_iban]
    )
    holder = models.CharField(_("account holder"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return self.iban

    def save(self, *args, **kwargs) -> None:
        self.iban = "".join(self.iban.split()).upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.iban = "".join(self.iban.split()).upper()
        duplicate = (
            BankAccount.objects.filter(iban=self.iban)
            .exclude(pk=self.pk)
            .select_related("customer")
            .first()
        )
        if duplicate is not None:
            raise ValidationError(
                {
                    "iban": _(
                        "IBAN %(value)s is already recorded for customer %(customer)s."
                    )
                    % {"value": self.iban, "customer": duplicate.customer}
                }
            )


class ContactQuerySet(models.QuerySet):
    def with_role(self, role: str) -> "ContactQuerySet":
        return self.filter(**{f"is_{role}": True})


class Contact(models.Model):
    """A person at a customer, with the roles that decide which notices they get."""

    ROLES = ("primary", "billing", "technical", "support")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    is_billing = models.BooleanField(_("billing"), default=False)
    is_technical = models.BooleanField(_("technical"), default=False)
    is_support = models.BooleanField(_("support"), default=False)
    opt_in = models.BooleanField(
        _("receives notifications"),
        default=True,
        help_text=_("Whether this contact receives notices by e-mail."),
    )
    external_reference = models.CharField(
        _("external reference"), max_length=100, blank=True
    )

    history = HistoricalRecords()
    objects = ContactQuerySet.as_manager()
    # Set by a caller that already checked external_reference, as on Customer.
    uniqueness_checked = False

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["external_reference"],
                condition=~models.Q(external_reference=""),
                name="contact_external_reference_unique",
                violation_error_message=_(
                    "Another contact already has this external reference."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        return [role for role in self.ROLES if getattr(self, f"is_{role}")]

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if self.opt_in and not self.email:
            errors["email"] = _(
                "An e-mail address is required because %(name)s receives "
                "notifications. Add one or turn notifications off."
            ) % {"name": self.name or _("this contact")}
        try:
            validate_phone_number(self.phone)
        except ValidationError as error:
            errors["phone"] = error
        duplicate = None
        if self.external_reference and not self.uniqueness_checked:
            duplicate = (
                Contact.objects.filter(external_reference=self.external_reference)
                .exclude(pk=self.pk)
                .first()
            )
        if duplicate is not None:
            errors["external_reference"] = _(
                "Contact %(contact)s already has external reference %(value)s."
            ) % {"contact": duplicate, "value": self.external_reference}
        if errors:
            raise ValidationError(errors)
