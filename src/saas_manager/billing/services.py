"""Recording payments, refunds and cancellations, and what they change.

Every function here runs in one transaction: the payment row, the paid-up
date of its instance, the customer's status and any state change that the
money causes are stored together or not at all.

Rules of a payment's life (PAYMENT_STATUS_CHANGES in billing.models):

- A pending payment may become completed, failed or cancelled, and its fields
  may still be edited.
- A failed payment may only be cancelled.
- A completed payment is final. Its notes may change, nothing else: a mistake
  is corrected with a refund (money returned) or a cancelling entry (a refund
  flagged `is_cancellation`, for a payment recorded by mistake).
- A cancelled payment is final.
- A transaction reference is stored once per method. Recording it again
  returns the stored payment and changes nothing.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import (
    BillingPosition,
    business_date,
    compute_position,
    is_overdue,
)
from saas_manager.billing.periods import BillingPeriod
from saas_manager.core.currencies import format_money
from saas_manager.customers.models import Customer
from saas_manager.hosting.lifecycle import Actor, convert, reactivate
from saas_manager.hosting.models import (
    Instance,
    InstanceEvent,
    InstanceState,
    SuspensionKind,
)

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
ONE_DAY = datetime.timedelta(days=1)


class PaymentEffect(models.TextChoices):
    """The outcome of a payment for its instance, shown on the payment page."""

    NONE = "none", gettext_lazy("No change")
    DUPLICATE = "duplicate", gettext_lazy("Already recorded")
    CONVERTED = "converted", gettext_lazy("Trial converted")
    REACTIVATED = "reactivated", gettext_lazy("Reactivated")
    STILL_DUE = "still_due", gettext_lazy("Still due")
    MANUAL_SUSPENSION_KEPT = "manual_suspension_kept", gettext_lazy("Suspended by hand")
    TERMINATED_KEPT = "terminated_kept", gettext_lazy("Terminated")


@dataclass(frozen=True)
class PaymentResult:
    """A stored payment, whether it is new, and what it did to its instance."""

    payment: Payment
    created: bool
    effect: str = PaymentEffect.NONE
    event: InstanceEvent | None = None
    position: BillingPosition | None = None

    @property
    def message(self) -> str:
        """Return the sentence for staff that describes the outcome, or ""."""
        payment = self.payment
        instance = payment.instance
        if self.effect == PaymentEffect.DUPLICATE:
            return _(
                "Transaction %(reference)s (%(method)s) is already recorded as "
                "payment %(payment)s, so nothing changed."
            ) % {
                "reference": payment.transaction_reference,
                "method": payment.get_method_display(),
                "payment": payment.pk,
            }
        if instance is None:
            return ""
        values = {"instance": instance, "state": instance.get_state_display()}
        if self.effect == PaymentEffect.CONVERTED:
            return _("Instance %(instance)s has converted from its trial.") % values
        if self.effect == PaymentEffect.REACTIVATED:
            return _("Instance %(instance)s is Active again.") % values
        if self.effect == PaymentEffect.MANUAL_SUSPENSION_KEPT:
            return (
                _(
                    "Instance %(instance)s stays Suspended because it was suspended "
                    "by hand. Reactivate it by hand if the suspension should end."
                )
                % values
            )
        if self.effect == PaymentEffect.TERMINATED_KEPT:
            return (
                _(
                    "Instance %(instance)s is Terminated, and a payment does not "
                    "revive it. Refund the payment or set up a new instance."
                )
                % values
            )
        if self.effect == PaymentEffect.STILL_DUE and self.position is not None:
            period = self.position.next_period
            assert period is not None
            return _(
                "Instance %(instance)s stays %(state)s: %(amount)s is still due "
                "for the period from %(start)s to %(end)s."
            ) % {
                **values,
                "amount": format_money(self.position.amount_due, instance.currency),
                "start": period.start,
                "end": period.end,
            }
        return ""


@dataclass(frozen=True)
class PaymentProposal:
    """The values the payment form proposes for an instance."""

    period: BillingPeriod
    amount: Decimal
    price: Decimal
    currency: str


def _to_decimal(value, field: str) -> Decimal:
    """Return the amount as a Decimal, rejecting floats, which are not exact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    raise ValidationError(
        {
            field: _("%(value)r is not a valid amount. Expected a decimal number.")
            % {"value": value}
        }
    )


def _require_positive(amount: Decimal, field: str = "amount") -> None:
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(
            {
                field: _("%(value)s is not a valid amount. Expected more than zero.")
                % {"value": amount}
            }
        )


def _find_duplicate(method: str, reference: str) -> Payment | None:
    if not reference:
        return None
    return Payment.objects.filter(
        method=method, transaction_reference=reference
    ).first()


def _save_new(payment: Payment, user) -> Payment | None:
    """Validate and insert a payment; return the stored one if a race won.

    The unique constraint on (method, transaction reference) is left to the
    database, so that two processes importing the same transaction at once
    store it once: the loser gets the winner's row back.
    """
    payment.full_clean(validate_constraints=False)
    payment.validate_constraints(exclude={"transaction_reference"})
    payment._history_user = user
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        duplicate = _find_duplicate(payment.method, payment.transaction_reference)
        if duplicate is None:
            raise
        return duplicate
    return None


def propose_next_payment(
    instance: Instance, today: datetime.date | None = None
) -> PaymentProposal:
    """Return the next unpaid period of the instance and the amount it needs.

    For an instance that is not billed yet, the period is the first one it
    would have if it became Active today (after its trial, for a trial that
    has not ended). The amount is the price less what was already applied to
    that period.
    """
    today = today or business_date()
    start = instance.billing_start
    if start is None:
        trial_end = instance.trial_end_date
        in_trial = instance.state in (InstanceState.TRIAL, InstanceState.PROVISIONING)
        if in_trial and trial_end is not None and today <= trial_end:
            start = trial_end + ONE_DAY
        else:
            start = today
    position = compute_position(instance, billing_start=start)
    if position.next_period is None:
        raise ValidationError(
            {
                "price": _(
                    "Instance %(instance)s has a price of %(price)s, so it has "
                    "nothing to pay."
                )
                % {"instance": instance, "price": instance.price}
            }
        )
    return PaymentProposal(
        period=position.next_period,
        amount=position.amount_due,
        price=instance.price,
        currency=instance.currency,
    )


def record_payment(
    *,
    amount,
    method: str = PaymentMethod.BANK_TRANSFER,
    instance: Instance | None = None,
    customer: Customer | None = None,
    currency: str = "",
    status: str = PaymentStatus.COMPLETED,
    date: datetime.date | None = None,
    transaction_reference: str = "",
    notes: str = "",
    user=None,
    at: datetime.datetime | None = None,
) -> PaymentResult:
    """Record money received, for an instance or for a customer only.

    The currency defaults to the instance's (or the customer's), and another
    currency than the instance's is rejected. A completed payment converts a
    Trial instance, and reactivates an Expired instance or one suspended for
    an overdue payment once the money makes it no longer overdue.
    """
    moment = at or timezone.now()
    amount = _to_decimal(amount, "amount")
    _require_positive(amount)
    if instance is None and customer is None:
        raise ValidationError(
            {"customer": _("The customer is missing. Expected a customer.")}
        )
    if customer is None:
        customer = instance.customer
    currency = currency or (instance.currency if instance else customer.currency)
    if instance is not None and currency != instance.currency:
        raise ValidationError(
            {
                "currency": _(
                    "%(currency)s is not the currency of instance %(instance)s, "
                    "which is billed in %(expected)s."
                )
                % {
                    "currency": currency,
                    "instance": instance,
                    "expected": instance.currency,
                }
            }
        )
    reference = (transaction_reference or "").strip()
    duplicate = _find_duplicate(method, reference)
    if duplicate is not None:
        return PaymentResult(duplicate, created=False, effect=PaymentEffect.DUPLICATE)
    with transaction.atomic():
        if instance is not None:
            Instance.objects.select_for_update().filter(pk=instance.pk).first()
        payment = Payment(
            customer=customer,
            instance=instance,
            kind=PaymentKind.PAYMENT,
            amount=amount,
            currency=currency,
            method=method,
            status=status,
            transaction_reference=reference,
            date=date or timezone.localdate(moment),
            notes=notes,
        )
        duplicate = _save_new(payment, user)
        if duplicate is not None:
            return PaymentResult(
                duplicate, created=False, effect=PaymentEffect.DUPLICATE
            )
        result = _apply_effects(payment, moment, user, created=True)
    logger.info(
        "Recorded payment %s of %s %s for instance %s (%s)",
        payment.pk,
        amount,
        currency,
        payment.instance_id,
        result.effect,
    )
    return result


def complete_payment(
    payment: Payment, *, user=None, at: datetime.datetime | None = None
) -> PaymentResult:
    """Mark a pending payment completed and apply what its money changes."""
    return _change_status(payment, PaymentStatus.COMPLETED, user, at, notes="")


def fail_payment(
    payment: Payment,
    *,
    reason: str = "",
    user=None,
    at: datetime.datetime | None = None,
) -> PaymentResult:
    """Mark a pending payment failed. A failed payment changes no state."""
    return _change_status(payment, PaymentStatus.FAILED, user, at, notes=reason)


def _change_status(
    payment: Payment,
    status: str,
    user,
    at: datetime.datetime | None,
    notes: str,
) -> PaymentResult:
    moment = at or timezone.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == status:
            return PaymentResult(locked, created=False)
        locked.status = status
        if notes:
            locked.notes = f"{locked.notes}\n{notes}".strip()
        locked.full_clean(validate_constraints=False)
        locked._history_user = user
        locked.save()
        if status == PaymentStatus.COMPLETED:
            result = _apply_effects(locked, moment, user, created=False)
        else:
            result = PaymentResult(locked, created=False)
    payment.status = locked.status
    payment.notes = locked.notes
    return result


def _refundable(payment: Payment) -> Decimal:
    """Return what may still be refunded of a payment.

    Pending refunds count as taken, because they may still complete.
    """
    refunded = payment.refunds.filter(
        status__in=[PaymentStatus.PENDING, PaymentStatus.COMPLETED]
    ).aggregate(total=Sum("amount"))["total"]
    return payment.amount - (refunded or ZERO)


def refund_payment(
    payment: Payment,
    amount,
    *,
    method: str = "",
    currency: str = "",
    status: str = PaymentStatus.COMPLETED,
    date: datetime.date | None = None,
    transaction_reference: str = "",
    notes: str = "",
    user=None,
    at: datetime.datetime | None = None,
    is_cancellation: bool = False,
) -> PaymentResult:
    """Refund part or all of a completed payment, in the payment's currency.

    Several partial refunds are allowed, never more in total than the
    payment. A completed refund moves the instance's paid-up date back.
    """
    moment = at or timezone.now()
    amount = _to_decimal(amount, "amount")
    _require_positive(amount)
    method = method or payment.method
    reference = (transaction_reference or "").strip()
    duplicate = _find_duplicate(method, reference)
    if duplicate is not None:
        return PaymentResult(duplicate, created=False, effect=PaymentEffect.DUPLICATE)
    with transaction.atomic():
        # Locking the original serializes refunds of it, so two of them cannot
        # both pass the check of what is left. Payment.clean() checks that the
        # original is completed and that the refunds stay within it.
        original = Payment.objects.select_for_update().get(pk=payment.pk)
        if original.kind != PaymentKind.PAYMENT:
            raise ValidationError(
                {"refund_of": _("A refund can only return a payment, not a refund.")}
            )
        if currency and currency != original.currency:
            raise ValidationError(
                {
                    "currency": _(
                        "A refund is in the currency of its payment, %(expected)s, "
                        "not %(currency)s."
                    )
                    % {"expected": original.currency, "currency": currency}
                }
            )
        refund = Payment(
            customer_id=original.customer_id,
            instance_id=original.instance_id,
            kind=PaymentKind.REFUND,
            refund_of=original,
            amount=amount,
            currency=original.currency,
            method=method,
            status=status,
            transaction_reference=reference,
            date=date or timezone.localdate(moment),
            notes=notes,
            is_cancellation=is_cancellation,
        )
        duplicate = _save_new(refund, user)
        if duplicate is not None:
            return PaymentResult(
                duplicate, created=False, effect=PaymentEffect.DUPLICATE
            )
        position = None
        if refund.instance_id:
            position = compute_position(refund.instance)
    logger.info(
        "Recorded refund %s of %s %s against payment %s",
        refund.pk,
        amount,
        refund.currency,
        original.pk,
    )
    return PaymentResult(refund, created=True, position=position)


def cancel_payment(
    payment: Payment,
    *,
    reason: str,
    date: datetime.date | None = None,
    user=None,
    at: datetime.datetime | None = None,
) -> PaymentResult:
    """Cancel a payment recorded by mistake.

    A pending or failed payment becomes cancelled. A completed payment is not
    edited: a cancelling entry (a completed refund flagged `is_cancellation`)
    takes back what is left of it. A completed refund cannot be cancelled,
    because the money it returned has left: record a payment instead.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("The reason is missing. Expected a short explanation.")}
        )
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return _change_status(payment, PaymentStatus.CANCELLED, user, at, reason)
    if payment.status == PaymentStatus.CANCELLED:
        raise ValidationError(
            {
                "status": _("Payment %(payment)s is already cancelled.")
                % {"payment": payment.pk}
            }
        )
    if payment.kind == PaymentKind.REFUND:
        raise ValidationError(
            {
                "kind": _(
                    "Refund %(payment)s is completed and cannot be cancelled. "
                    "Record a payment for the money instead."
                )
                % {"payment": payment.pk}
            }
        )
    left = _refundable(payment)
    if left <= 0:
        raise ValidationError(
            {
                "amount": _(
                    "Payment %(payment)s is refunded in full, so nothing is left "
                    "to cancel."
                )
                % {"payment": payment.pk}
            }
        )
    return refund_payment(
        payment,
        left,
        date=date,
        notes=reason,
        user=user,
        at=at,
        is_cancellation=True,
    )


def reactivate_if_paid(
    instance: Instance,
    *,
    at: datetime.datetime | None = None,
    payment: Payment | None = None,
    user=None,
) -> PaymentResult | None:
    """Reactivate an Expired or overdue-suspended instance that money now covers.

    The automation calls it for each such instance, and recording a payment
    calls it for the payment's instance. Returns None when the instance is in
    neither state.
    """
    moment = at or timezone.now()
    today = timezone.localdate(moment)
    actor = Actor.for_payment(payment, user) if payment else Actor.automation()
    state = instance.state
    overdue_suspension = (
        state == InstanceState.SUSPENDED
        and instance.suspension_kind == SuspensionKind.OVERDUE
    )
    if state == InstanceState.EXPIRED:
        # An Expired trial is billed from the day it becomes Active, so the
        # money must pay that first period in full.
        position = compute_position(
            instance, billing_start=instance.billing_start or today
        )
        covered = position.is_billed and position.paid_up_to >= today
    elif overdue_suspension:
        position = compute_position(instance)
        covered = not is_overdue(position.paid_up_to, today)
    else:
        return None
    if not covered:
        return PaymentResult(
            payment, created=False, effect=PaymentEffect.STILL_DUE, position=position
        )
    event = reactivate(
        instance,
        actor=actor,
        reason=_("Paid up to %(date)s.") % {"date": position.paid_up_to},
        at=moment,
    )
    return PaymentResult(
        payment,
        created=False,
        effect=PaymentEffect.REACTIVATED,
        event=event,
        position=compute_position(instance),
    )


def _apply_effects(
    payment: Payment, moment: datetime.datetime, user, *, created: bool
) -> PaymentResult:
    """Apply what a completed payment changes to the state of its instance."""
    instance = payment.instance
    if instance is None or payment.status != PaymentStatus.COMPLETED:
        return PaymentResult(payment, created=created)
    instance.refresh_from_db()
    state = instance.state
    if state == InstanceState.TRIAL:
        event = convert(
            instance,
            actor=Actor.for_payment(payment, user),
            reason=_("Payment %(payment)s received.") % {"payment": payment.pk},
            at=moment,
        )
        return PaymentResult(
            payment,
            created=created,
            effect=PaymentEffect.CONVERTED,
            event=event,
            position=compute_position(instance),
        )
    if state == InstanceState.TERMINATED:
        effect = PaymentEffect.TERMINATED_KEPT
        return PaymentResult(payment, created=created, effect=effect)
    if state == InstanceState.SUSPENDED and (
        instance.suspension_kind != SuspensionKind.OVERDUE
    ):
        effect = PaymentEffect.MANUAL_SUSPENSION_KEPT
        return PaymentResult(payment, created=created, effect=effect)
    result = reactivate_if_paid(instance, at=moment, payment=payment, user=user)
    if result is None:
        return PaymentResult(
            payment, created=created, position=compute_position(instance)
        )
    return PaymentResult(
        payment,
        created=created,
        effect=result.effect,
        event=result.event,
        position=result.position,
    )
