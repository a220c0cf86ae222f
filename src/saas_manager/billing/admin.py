"""Back-office pages of payments and refunds."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.models import FIXED_FIELDS, Payment
from saas_manager.core.admin import (
    BaseAdmin,
    change_link,
    money_column,
    values_in_use_filter,
)

# The colour of each status's label in lists.
STATUS_LABELS = {
    PaymentStatus.PENDING: "warning",
    PaymentStatus.COMPLETED: "success",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.CANCELLED: "default",
}

KIND_LABELS = {
    PaymentKind.PAYMENT: "info",
    PaymentKind.REFUND: "warning",
}

# Statuses after which nothing but the notes may change.
FINAL_STATUSES = (PaymentStatus.COMPLETED, PaymentStatus.CANCELLED)


class PaymentColumns:
    """List columns shared by the payment list and the customer's page."""

    @display(
        description=_("kind"),
        ordering="kind",
        label={kind.value: colour for kind, colour in KIND_LABELS.items()},
    )
    def kind_label(self, payment: Payment):
        return payment.kind, payment.get_kind_display()

    @display(
        description=_("status"),
        ordering="status",
        label={status.value: colour for status, colour in STATUS_LABELS.items()},
    )
    def status_label(self, payment: Payment):
        return payment.status, payment.get_status_display()

    @display(description=_("amount"), ordering="amount")
    def amount_column(self, payment: Payment) -> str:
        # A refund is shown negative, as it counts against revenue.
        amount = payment.amount
        if payment.kind == PaymentKind.REFUND and amount is not None:
            amount = -amount
        return money_column(amount, payment.currency)

    @display(description=_("instance"), ordering="instance__database_name")
    def instance_link(self, payment: Payment) -> str:
        return change_link(payment.instance)

    @display(description=_("period"), ordering="period_start")
    def period(self, payment: Payment) -> str:
        if payment.period_start is None:
            return "-"
        return _("%(start)s to %(end)s") % {
            "start": date_format(payment.period_start),
            "end": date_format(payment.period_end),
        }


@admin.register(Payment)
class PaymentAdmin(PaymentColumns, BaseAdmin):
    list_display = (
        "date",
        "customer_link",
        "instance_link",
        "kind_label",
        "amount_column",
        "method",
        "status_label",
        "transaction_reference",
        "period",
    )
    list_select_related = ("customer", "instance")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("method", ChoicesDropdownFilter),
        values_in_use_filter("currency", _("currency")),
        ("date", RangeDateFilter),
    )
    search_fields = (
        "transaction_reference",
        "customer__name",
        "instance__database_name",
        "notes",
    )
    autocomplete_fields = ("customer", "instance", "refund_of")
    readonly_fields = ("period_start", "period_end", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "customer",
                    "instance",
                    "kind",
                    "refund_of",
                    "is_cancellation",
                    "amount",
                    "currency",
                    "method",
                    "status",
                    "transaction_reference",
                    "date",
                )
            },
        ),
        (_("Billing period"), {"fields": ("period_start", "period_end")}),
        (_("Notes"), {"fields": ("notes",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @display(description=_("customer"), ordering="customer__name")
    def customer_link(self, payment: Payment) -> str:
        return change_link(payment.customer)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or obj.status == PaymentStatus.PENDING:
            return fields
        # The payment is fixed once it left Pending: a mistake in it is
        # corrected with a refund or a cancelling entry.
        fields += [name.removesuffix("_id") for name in FIXED_FIELDS]
        if obj.status in FINAL_STATUSES:
            fields.append("status")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status != PaymentStatus.PENDING:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        # The bulk delete skips both the per-payment check above and the
        # recomputation of the paid-up date in Payment.delete().
        actions.pop("delete_selected", None)
        return actions


class CustomerPaymentDatasetAdmin(PaymentColumns, ModelAdmin):
    """The payments of one customer, listed on the customer's page.

    Not registered: the customer page's dataset builds it with the customer's
    id in `extra_context["object"]`.
    """

    actions = None
    show_full_result_count = False
    list_per_page = 10
    list_display = (
        "date",
        "kind_label",
        "amount_column",
        "method",
        "status_label",
        "instance_link",
        "transaction_reference",
        "period",
    )
    list_display_links = ("date",)
    search_fields = ("transaction_reference", "instance__database_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The dataset's change list ignores list_select_related.
        return (
            super()
            .get_queryset(request)
            .filter(customer_id=self.extra_context["object"])
            .select_related("instance")
        )
