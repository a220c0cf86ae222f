from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.billing.limits import check_payment_amount
from saas_manager.core.currencies import format_money, validate_amount_for_currency
from saas_manager.core.fields import CurrencyField, MoneyField
from saas_manager.customers.models import Customer
from saas_manager.hosting.models import Instance

# The status changes a payment may make. A completed or cancelled payment is
# final: a mistake in it is corrected with a refund or a cancelling entry.
PAYMENT_STATUS_CHANGES: dict[str, frozenset[str]] = {
    PaymentStatus.PENDING: frozenset(
        {PaymentStatus.COMPLETED, PaymentStatus.FAILED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.FAILED: frozenset({PaymentStatus.CANCELLED}),
    PaymentStatus.COMPLETED: frozenset(),
    PaymentStatus.CANCELLED: frozenset(),
}

# The fields that cannot change once a payment has left Pending. The notes
# stay editable, and the billing engine rewrites period_start and period_end
# with a queryset update, which skips save().
FIXED_FIELDS = (
    "customer_id",
    "instance_id",
    "kind",
    "refund_of_id",
    "amount",
    "currency",
    "method",
    "transaction_reference",
    "date",
    "is_cancellation",
)


# The statuses of a refund that takes money from its payment: a pending one
# may still complete, and a failed or cancelled one returned nothing.
TAKING_STATUSES = (PaymentStatus.PENDING, PaymentStatus.COMPLETED)


def validate_positive_amount(value) -> None:
    """Reject an amount of zero or less.

    A refund is a positive amount too, because its kind gives the direction.
    """
    if isinstance(value, Decimal) and value.is_finite() and value <= 0:
        raise ValidationError(
            _(
                "%(value)s is not a positive amount. Expected more than zero, "
                "because a refund is also recorded as a positive amount."
            ),
            code="not_positive",
            params={"value": value},
        )


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
    # The positive check replaces MoneyField's minimum of zero, so that a
    # negative amount gets one message.
    amount = MoneyField(_("amount"), validators=[validate_positive_amount])
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
    is_cancellation = models.BooleanField(
        _("cancelling entry"),
        default=False,
        help_text=_(
            "A refund that cancels a payment recorded by mistake: no money "
            "went back to the customer."
        ),
    )
    period_start = models.DateField(
        _("period start"),
        null=True,
        blank=True,
        help_text=_("The first day of the billing periods this payment's money paid."),
    )
    period_end = models.DateField(
        _("period end"),
        null=True,
        blank=True,
        help_text=_("The last day of the billing periods this payment's money paid."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # simple_history names the record's original object `instance`, which
    # hides a field of that name, so the instance is left out of the history.
    # It can only change while the payment is pending.
    history = HistoricalRecords(excluded_fields=["instance"])
    # Set by a caller that already checked the method and transaction
    # reference against the stored payments, such as the import pipeline for
    # a whole file in one query, so that clean() skips its own query. The
    # unique constraint still guards.
    uniqueness_checked = False

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
                condition=models.Q(is_cancellation=False)
                | models.Q(kind=PaymentKind.REFUND),
                name="payment_cancellation_is_refund",
                violation_error_message=_("Only a refund can be a cancelling entry."),
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
            # The paid-up date reads an instance's completed payments.
            models.Index(
                fields=["instance", "status", "kind"], name="payment_instance_idx"
            ),
        ]

    def __str__(self) -> str:
        label = self.transaction_reference or f"#{self.pk}"
        return f"{self.get_kind_display()} {label}"

    def save(self, *args, **kwargs) -> None:
        """Save the payment and recompute what depends on it.

        The paid-up date of its instance (and of its former instance when a
        pending payment moved) and the customer's status are refreshed in the
        same transaction, whatever code saved the payment.
        """
        from saas_manager.billing.paid_up import refresh_after_payment_change

        with transaction.atomic():
            self.check_change()
            self.check_refund(lock=True)
            previous_instance_id = None
            if not self._state.adding and self.pk is not None:
                previous_instance_id = (
                    type(self)
                    .objects.filter(pk=self.pk)
                    .values_list("instance_id", flat=True)
                    .first()
                )
            super().save(*args, **kwargs)
            refresh_after_payment_change(self, previous_instance_id)

    def delete(self, *args, **kwargs):
        from saas_manager.billing.paid_up import refresh_after_payment_change

        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            refresh_after_payment_change(self, None)
        return result

    def clean(self) -> None:
        super().clean()
        stored_status = self.check_change()
        errors = {}
        if self.instance_id and self.customer_id:
            if self.instance.customer_id != self.customer_id:
                errors["instance"] = _(
                    "Instance %(instance)s belongs to customer %(owner)s, not to "
                    "%(customer)s."
                ) % {
                    "instance": self.instance,
                    "owner": self.instance.customer,
                    "customer": self.customer,
                }
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
                errors["refund_of"] = _(
                    "%(payment)s is itself a refund. A refund can only return a "
                    "payment."
                ) % {"payment": original}
            elif original.instance_id != self.instance_id:
                errors["instance"] = _(
                    "A refund is for the instance of its payment, %(expected)s."
                ) % {"expected": original.instance or _("no instance")}
            elif self.currency and original.currency != self.currency:
                errors["currency"] = _(
                    "A refund is in the currency of its payment, %(expected)s, "
                    "not %(currency)s."
                ) % {"expected": original.currency, "currency": self.currency}
        self._check_kind_and_refund(errors)
        self._check_amount(errors)
        if not errors:
            self._collect(errors, self.check_refund)
        if (
            not errors
            and self.instance_id
            and stored_status
            in (
                None,
                PaymentStatus.PENDING,
            )
        ):
            # A payment that left Pending cannot change its amount or its
            # instance, so it is checked only while it still can.
            self._collect(errors, lambda: check_payment_amount(self))
        self._check_period(errors)
        self._check_reference(errors)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _collect(errors: dict, check) -> None:
        try:
            check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)

    def check_refund(self, *, lock: bool = False) -> None:
        """Raise ValidationError if this refund breaks the rules of refunds.

        Only a completed payment can be refunded, and its pending and
        completed refunds together never exceed it. With `lock`, the refunded
        payment's row is locked first, so that two refunds saved at once
        cannot both pass: save() locks, clean() reports early.
        """
        if self.kind != PaymentKind.REFUND or not self.refund_of_id:
            return
        originals = Payment.objects.filter(pk=self.refund_of_id)
        if lock:
            originals = originals.select_for_update()
        original = originals.values("kind", "status", "amount", "currency").first()
        if original is None or original["kind"] != PaymentKind.PAYMENT:
            return
        if original["status"] != PaymentStatus.COMPLETED:
            raise ValidationError(
                {
                    "refund_of": _(
                        "Payment %(payment)s is %(status)s. Only a completed "
                        "payment can be refunded."
                    )
                    % {
                        "payment": self.refund_of_id,
                        "status": PaymentStatus(original["status"]).label,
                    }
                }
            )
        if self.status not in TAKING_STATUSES or not isinstance(self.amount, Decimal):
            return
        taken = (
            Payment.objects.filter(
                refund_of_id=self.refund_of_id,
                kind=PaymentKind.REFUND,
                status__in=TAKING_STATUSES,
            )
            .exclude(pk=self.pk)
            .aggregate(total=Sum("amount"))["total"]
        ) or Decimal(0)
        left = original["amount"] - taken
        if self.amount > left:
            raise ValidationError(
                {
                    "amount": _(
                        "%(amount)s is more than the %(left)s left to refund of "
                        "payment %(payment)s. Expected %(left)s or less."
                    )
                    % {
                        "amount": format_money(self.amount, original["currency"]),
                        "left": format_money(left, original["currency"]),
                        "payment": self.refund_of_id,
                    }
                }
            )

    def _check_kind_and_refund(self, errors: dict) -> None:
        if self.kind == PaymentKind.REFUND and not self.refund_of_id:
            errors.setdefault(
                "refund_of",
                _("A refund must name the payment it returns."),
            )
        elif self.kind == PaymentKind.PAYMENT and self.refund_of_id:
            errors.setdefault(
                "refund_of",
                _(
                    "Only a refund may name a payment it returns, but this is a "
                    "payment naming %(payment)s. Set the kind to refund or clear "
                    "the field."
                )
                % {"payment": self.refund_of},
            )

    def _check_amount(self, errors: dict) -> None:
        # The field's validator rejects an amount of zero or less.
        if self.amount is not None and self.currency:
            try:
                validate_amount_for_currency(self.amount, self.currency, "amount")
            except ValidationError as error:
                errors.setdefault("amount", []).extend(error.messages)

    def _check_period(self, errors: dict) -> None:
        start, end = self.period_start, self.period_end
        if start is not None and end is None:
            errors["period_end"] = _(
                "The billing period starts on %(start)s but has no last day. "
                "Enter both days or neither."
            ) % {"start": start}
        elif start is None and end is not None:
            errors["period_start"] = _(
                "The billing period ends on %(end)s but has no first day. "
                "Enter both days or neither."
            ) % {"end": end}
        elif start is not None and end is not None and end < start:
            errors["period_end"] = _(
                "The last day of the billing period, %(end)s, is before its first "
                "day, %(start)s."
            ) % {"end": end, "start": start}

    def _check_reference(self, errors: dict) -> None:
        # Checked here to name the value. The unique constraint still guards
        # against a concurrent insert. Blank references are not unique.
        if not self.transaction_reference or not self.method:
            return
        if self.uniqueness_checked:
            return
        taken = (
            Payment.objects.filter(
                method=self.method, transaction_reference=self.transaction_reference
            )
            .exclude(pk=self.pk)
            .first()
        )
        if taken is not None:
            errors["transaction_reference"] = _(
                "%(method)s transaction %(value)s is already recorded as %(payment)s "
                "of %(date)s."
            ) % {
                "method": self.get_method_display(),
                "value": self.transaction_reference,
                "payment": taken,
                "date": taken.date,
            }

    def check_change(self) -> str | None:
        """Raise ValidationError if this change breaks the rules of a stored payment.

        A status may only change as PAYMENT_STATUS_CHANGES allows, and once a
        payment has left Pending only its notes can change. Saving it again
        with the same values is allowed and changes nothing. Returns the
        stored status, or None for a payment that is not stored yet.
        """
        if self._state.adding or self.pk is None:
            return None
        stored = (
            type(self)
            .objects.filter(pk=self.pk)
            .values("status", *FIXED_FIELDS)
            .first()
        )
        if stored is None:
            return None
        old_status = stored["status"]
        if self.status != old_status and self.status not in PAYMENT_STATUS_CHANGES.get(
            old_status, frozenset()
        ):
            raise ValidationError(
                {
                    "status": _(
                        "A %(old)s payment cannot become %(new)s. Correct a "
                        "completed payment with a refund or a cancelling entry."
                    )
                    % {
                        "old": PaymentStatus(old_status).label,
                        "new": PaymentStatus(self.status).label,
                    }
                }
            )
        if old_status == PaymentStatus.PENDING:
            return old_status
        changed = [name for name in FIXED_FIELDS if getattr(self, name) != stored[name]]
        if changed:
            labels = ", ".join(
                str(self._meta.get_field(name.removesuffix("_id")).verbose_name)
                for name in changed
            )
            raise ValidationError(
                _(
                    "A %(status)s payment cannot be edited, but %(fields)s changed. "
                    "Correct it with a refund or a cancelling entry."
                )
                % {"status": PaymentStatus(old_status).label, "fields": labels}
            )
        return old_status
