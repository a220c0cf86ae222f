"""The records an import can produce, and which of their fields it may set."""

from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.db import models
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

CONTACT_ROLES = ("primary", "billing", "technical", "support")
_KINDS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Target:
    """A model that mapping files name, such as "customer" for Customer."""

    name: str
    model_label: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)
    # Fields that are not model fields; the pipeline sets them itself.
    virtual: dict[str, str] = field(default_factory=dict)
    # The unique field values that the model's clean() looks up one record at
    # a time. The pipeline looks them up for the whole file in one query per
    # chunk and sets uniqueness_checked on each record found free.
    unique_fields: tuple[str, ...] = ()

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def model_field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)

    def kind(self, name: str) -> str:
        """Return how a cell is read for the field: text, amount, date, ..."""
        # Cached because every cell of every row looks it up.
        key = (self.name, name)
        if key not in _KINDS:
            _KINDS[key] = self._field_kind(name)
        return _KINDS[key]

    def _field_kind(self, name: str) -> str:
        if name in self.virtual:
            return self.virtual[name]
        model_field = self.model_field(name)
        if isinstance(model_field, models.ForeignKey):
            return "reference"
        if isinstance(model_field, models.DecimalField):
            return "amount"
        if isinstance(model_field, models.DateField):
            return "date"
        if isinstance(model_field, models.BooleanField):
            return "boolean"
        if isinstance(model_field, CountryField):
            return "country"
        if isinstance(model_field, PhoneNumberField):
            return "phone"
        if isinstance(model_field, models.IntegerField):
            return "integer"
        return "text"


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target(
            name="customer",
            model_label="customers.Customer",
            fields=(
                "name",
                "legal_name",
                "vat_number",
                "company_registry",
                "industry",
                "website",
                "email",
                "phone",
                "street",
                "street2",
                "city",
                "region",
                "postal_code",
                "country",
                "language",
                "currency",
                "external_reference",
                "notes",
            ),
            required=("name",),
            unique_fields=("external_reference",),
        ),
        Target(
            name="contact",
            model_label="customers.Contact",
            fields=(
                "customer",
                "name",
                "job_title",
                "email",
                "phone",
                "role",
                "opt_in",
                "external_reference",
            ),
            required=("customer", "name"),
            references={"customer": "customer"},
            virtual={"role": "role"},
            unique_fields=("external_reference",),
        ),
        Target(
            name="service_package",
            model_label="catalog.ServicePackage",
            fields=(
                "name",
                "code",
                "description",
                "sort_order",
                "is_active",
                "currency",
                "monthly_price",
                "yearly_price",
                "trial_days",
                "max_users",
                "storage_gb",
                "backup_frequency",
                "has_custom_domain",
                "has_ssl_certificate",
                "has_api_access",
                "has_priority_support",
            ),
            required=("name", "code"),
        ),
        Target(
            name="server",
            model_label="hosting.Server",
            fields=(
                "name",
                "country",
                "city",
                "data_centre",
                "base_url",
                "odoo_versions",
                "max_instances",
                "is_active",
            ),
            required=("name", "country", "base_url", "odoo_versions"),
        ),
        Target(
            name="instance",
            model_label="hosting.Instance",
            fields=(
                "customer",
                "package",
                "server",
                "database_name",
                "url",
                "custom_domain",
                "odoo_version",
                "edition",
                "billing_cycle",
                "price",
                "currency",
                "payment_method",
                "state",
                "trial_end_date",
                "start_date",
                "billing_start",
            ),
            required=(
                "customer",
                "package",
                "server",
                "database_name",
                "odoo_version",
                "price",
            ),
            references={
                "customer": "customer",
                "package": "service_package",
                "server": "server",
            },
        ),
        Target(
            name="payment",
            model_label="billing.Payment",
            fields=(
                "customer",
                "instance",
                "amount",
                "currency",
                "method",
                "status",
                "transaction_reference",
                "date",
                "period_start",
                "period_end",
                "notes",
            ),
            required=("customer", "amount", "date"),
            references={"customer": "customer", "instance": "instance"},
            unique_fields=("method", "transaction_reference"),
        ),
    )
}
