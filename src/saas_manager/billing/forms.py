"""The back-office forms that record payments, refunds and cancellations.

They collect values and hand them to saas_manager.billing.services, which
validates and stores them, so a rule of payments is written once for the
admin, the imports and the API.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.services import PaymentResult, record_payment
from saas_manager.core.currencies import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from saas_manager.core.dialogs import add_service_errors
from saas_manager.core.fields import MoneyFormField

# The statuses that staff may give a payment they record or edit by hand. A
# payment is cancelled with the Cancel button, which requests a reason.
RECORDABLE_STATUSES = (
    PaymentStatus.PENDING,
    PaymentStatus.COMPLETED,
    PaymentStatus.FAILED,
)


class RecordPaymentForm(forms.ModelForm):
    """The add form of a payment, which records it through record_payment.

    The Django admin saves only what a form's validation accepted, so the
    service runs as the last step of validation: its ValidationError becomes
    a form error and nothing is stored. On success `result` contains the
    PaymentResult and `instance` the stored payment, which the admin then
    leaves as it is. The admin sets `user` on the class for each request.
    """

    user = None

    class Meta:
        model = Payment
        fields = (
            "customer",
            "instance",
            "amount",
            "currency",
            "method",
            "status",
            "transaction_reference",
            "date",
            "notes",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.result: PaymentResult | None = None
        # record_payment takes the customer and the currency from the
        # instance when they are left empty, and the date from today.
        for name in ("customer", "currency", "date"):
            if name in self.fields:
                self.fields[name].required = False
        if "status" in self.fields:
            self.fields["status"].choices = [
                (status.value, status.label) for status in RECORDABLE_STATUSES
            ]
        if "customer" in self.fields:
            self.fields["customer"].help_text = _(
                "Empty means the customer of the instance."
            )
        if "currency" in self.fields:
            self.fields["currency"].help_text = _(
                "Empty means the currency of the instance."
            )

    def _post_clean(self) -> None:
        # No model validation here: record_payment runs the model's checks
        # together with its own rules, inside its transaction.
        if self._errors:
            return
        data = self.cleaned_data
        try:
            self.result = record_payment(
                amount=data["amount"],
                method=data["method"],
                instance=data.get("instance"),
                customer=data.get("customer"),
                currency=data.get("currency") or "",
                status=data["status"],
                date=data.get("date"),
                transaction_reference=data.get("transaction_reference") or "",
                notes=data.get("notes") or "",
                user=self.user,
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return
        self.instance = self.result.payment
        # The admin's response reads the outcome from the saved object.
        self.instance.record_result = self.result


def refundable_amount(payment: Payment) -> Decimal:
    """Return what is left to refund of a payment, for the form's first value.

    Pending refunds count as taken, as in refund_payment, which checks the
    amount again when it stores the refund.
    """
    taken = payment.refunds.filter(
        status__in=[PaymentStatus.PENDING, PaymentStatus.COMPLETED]
    ).aggregate(total=Sum("amount"))["total"]
    return payment.amount - (taken or Decimal(0))


class RefundForm(BaseDialogForm):
    """The amount and details of a refund of a completed payment."""

    amount = MoneyFormField(
        label=_("Amount"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text=_(
            "Part or all of what is left of the payment. Several partial "
            "refunds are allowed, never more in total than the payment."
        ),
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=UnfoldAdminSingleDateWidget,
        help_text=_("The day the money went back. Empty means today."),
    )
    transaction_reference = forms.CharField(
        label=_("Transaction reference"),
        required=False,
        max_length=100,
        widget=UnfoldAdminTextInputWidget,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
    )

    def __init__(self, request, object_id=None, *args, **kwargs) -> None:
        super().__init__(request, object_id, *args, **kwargs)
        payment = Payment.objects.filter(pk=object_id).first()
        if payment is not None:
            self.fields["amount"].initial = refundable_amount(payment)
            self.fields["date"].initial = timezone.localdate()


class CancelPaymentForm(BaseDialogForm):
    """The reason for cancelling a payment recorded by mistake.

    Whether a reason is required is cancel_payment's rule, so its message
    shows when the reason is missing.
    """

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Stored in the notes of the payment or of its cancelling entry."),
    )
