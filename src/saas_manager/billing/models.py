from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.core.currencies import validate_amount_for_currency
from saas_manager.core.fields import CurrencyField, MoneyField
from saas_manager.customers.models import Customer
from saas_manager.hosting.models import Instance


class Payment(models.Model):
    """Money received from a customer, or a refund of such money."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("customer"),
    )
    instance = models.ForeignKey(
        Instance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("instance"),
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=PaymentKind, default=PaymentKind.PAYMENT
    )
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
        help_text=_("The payment that this refund returns."),
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"), default="EUR")
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=PaymentMethod,
        default=PaymentMethod.BANK_TRANSFER,
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PaymentStatus,
        default=PaymentStatus.PENDING,
    )
    transaction_reference = models.CharField(
        _("transaction reference"),
        max_length=100,
        blank=True,
        help_text=_("The bank's, PayPal's or Stripe's id, unique per method."),
    )
    date = models.DateField(_("date"))
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.UniqueConstraint(
                fields=["method", "transaction_reference"],
                condition=~models.Q(transaction_reference=""),
                name="payment_reference_unique_per_method",
                violation_error_message=_(
                    "A payment with this method and transaction reference is "
                    "already recorded."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True, period_end__isnull=True)
                | models.Q(
                    period_start__isnull=False,
                    period_end__isnull=False,
                    period_end__gte=models.F("period_start"),
                ),
                name="payment_period_ordered",
                violation_error_message=_(
                    "The billing period needs a first and a last day, and the "
                    "last day cannot be before the first."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(kind=PaymentKind.PAYMENT, refund_of__isnull=True)
                | models.Q(kind=PaymentKind.REFUND, refund_of__isnull=False),
                name="payment_refund_points_to_payment",
                violation_error_message=_(
                    "A refund must name the payment it returns, and only a refund may."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values),
                name="payment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=PaymentMethod.values),
                name="payment_method_valid",
            ),
        ]
        indexes = [
            # The payment list, the reports and the billing engine filter on
            # these.
            models.Index(fields=["status"], name="payment_status_idx"),
            models.Index(fields=["method"], name="payment_method_idx"),
            models.Index(fields=["date"], name="payment_date_idx"),
            models.Index(fields=["kind"], name="payment_kind_idx"),
            models.Index(fields=["currency"], name="payment_currency_idx"),
        ]

    def __str__(self) -> str:
        label = self.transaction_reference or f"#{self.pk}"
        return f"{self.get_kind_display()} {label}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.instance_id and self.customer_id:
            if self.instance.customer_id != self.customer_id:
                errors["instance"] = _(
                    "Instance %(instance)s belongs to another customer."
                ) % {"instance": self.instance}
            elif self.currency and self.instance.currency != self.currency:
                errors["currency"] = _(
                    "%(currency)s is not the currency of instance %(instance)s, "
                    "which is billed in %(expected)s."
                ) % {
                    "currency": self.currency,
                    "instance": self.instance,
                    "expected": self.instance.currency,
                }
        if self.refund_of_id:
            original = self.refund_of
            if original.kind != PaymentKind.PAYMENT:
                errors["refund_of"] = _("A refund can only return a payment.")
            elif self.currency and original.currency != self.currency:
                errors["currency"] = _(
                    "A refund is in the currency of its payment, %(expected)s, "
                    "not %(currency)s."
                ) % {"expected": original.currency, "currency": self.currency}
        if errors:
            raise ValidationError(errors)
        if self.amount is not None and self.currency:
            validate_amount_for_currency(self.amount, self.currency, "amount")
