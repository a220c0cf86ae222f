"""The paid-up date: an instance's money applied to its billing periods.

The completed payments of an instance, each less its completed refunds, are
applied in the order of their date to the periods from the billing start,
oldest first. A period is paid once the money applied to it reaches the
instance's price. Amounts are added as exact decimals and only the amount
due is rounded, once, to the currency's minor unit.

An instance is overdue when its paid-up date plus the grace period (the
operator setting that Managers change in the back office, 7 days unless set
otherwise) is before today, today being the business date in
settings.TIME_ZONE.
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.periods import (
    BillingPeriod,
    max_periods,
    period_at,
    period_containing,
)
from saas_manager.core.currencies import minor_units
from saas_manager.customers.status import refresh_status_locked
from saas_manager.hosting.models import Instance

logger = logging.getLogger(__name__)

Key = TypeVar("Key")
ZERO = Decimal(0)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Allocation(Generic[Key]):
    """Money applied to numbered periods of equal price.

    `spans` maps each amount's key to the first and last period index that
    its money went to, or to None when it brought no money.
    """

    periods_paid: int
    credit: Decimal
    spans: dict[Key, tuple[int, int] | None]


@dataclass(frozen=True)
class BillingPosition:
    """How far an instance is paid, and what it owes for the next period."""

    billing_start: datetime.date | None
    periods_paid: int = 0
    paid_up_to: datetime.date | None = None
    next_period: BillingPeriod | None = None
    credit: Decimal = ZERO
    amount_due: Decimal = ZERO
    total_applied: Decimal = ZERO
    spans: dict[int, tuple[datetime.date, datetime.date] | None] = field(
        default_factory=dict
    )

    @property
    def is_billed(self) -> bool:
        """Tell whether the instance has periods to pay at all."""
        return self.next_period is not None


def business_date(at: datetime.datetime | None = None) -> datetime.date:
    """Return the date in the operator's time zone at the moment `at` (or now)."""
    return timezone.localdate(at or timezone.now())


def grace_period() -> datetime.timedelta:
    """Return the operator's grace period, read from the operator settings row.

    The automation suspends with the same setting, so a payment and the
    automation always agree on whether an instance is overdue.
    """
    # Imported here because the automation app imports this module.
    from saas_manager.automation.operator import get_operator_settings

    return datetime.timedelta(days=get_operator_settings().grace_period_days)


def allocate(amounts: Sequence[tuple[Key, Decimal]], price: Decimal) -> Allocation:
    """Apply the amounts in order to periods that each cost `price`.

    An amount of zero or less (a payment refunded in full) is skipped. One
    amount may pay several periods, and several may pay one.
    """
    if price <= 0:
        raise ValueError(f"A period price must be more than zero, got {price}.")
    cumulative = ZERO
    spans: dict[Key, tuple[int, int] | None] = {}
    for key, amount in amounts:
        if amount <= 0:
            spans[key] = None
            continue
        first = int(cumulative // price)
        cumulative += amount
        whole, rest = divmod(cumulative, price)
        last = int(whole) if rest else int(whole) - 1
        spans[key] = (first, last)
    periods_paid = int(cumulative // price)
    credit = cumulative - periods_paid * price
    return Allocation(periods_paid=periods_paid, credit=credit, spans=spans)


def net_payments(instance: Instance) -> list[tuple[int, Decimal]]:
    """List each completed payment of the instance less its completed refunds.

    The list is in the order the money is applied: by date, then by id.
    """
    completed_refunds = Q(
        refunds__status=PaymentStatus.COMPLETED,
        refunds__kind=PaymentKind.REFUND,
    )
    rows = (
        Payment.objects.filter(
            instance_id=instance.pk,
            kind=PaymentKind.PAYMENT,
            status=PaymentStatus.COMPLETED,
        )
        .annotate(refunded=Sum("refunds__amount", filter=completed_refunds))
        .order_by("date", "id")
        .values_list("id", "amount", "refunded")
    )
    return [(pk, amount - (refunded or ZERO)) for pk, amount, refunded in rows]


def compute_position(
    instance: Instance,
    *,
    billing_start: datetime.date | None = None,
    net: Sequence[tuple[int, Decimal]] | None = None,
) -> BillingPosition:
    """Compute how far the instance is paid, without storing anything.

    `billing_start` overrides the instance's own, to ask what a payment would
    pay if the instance became Active that day. Without a billing start or
    with a price of zero, the instance is not billed. `net` is what
    net_payments(instance) returns, for a caller that already has it, such
    as an empty list for instances that have no payments.
    """
    start = billing_start or instance.billing_start
    if start is None or instance.price is None or instance.price <= 0:
        return BillingPosition(billing_start=start)
    amounts = list(net) if net is not None else net_payments(instance)
    allocation = allocate(amounts, instance.price)
    cycle = instance.billing_cycle
    limit = max_periods(cycle)
    paid = min(allocation.periods_paid, limit)
    credit = allocation.credit
    if allocation.periods_paid > limit:
        # Validation rejects money that pays beyond the limit, so only rows
        # written around it get here. The rest stays credit, unapplied,
        # instead of a period date past the year 9999.
        credit += (allocation.periods_paid - limit) * instance.price
        logger.warning(
            "Instance %s has money for %d periods, more than the limit of %d; "
            "the rest is left as credit",
            instance.pk,
            allocation.periods_paid,
            limit,
        )
    next_period = period_at(start, cycle, paid)
    # With nothing paid yet, this is the day before the billing start, so the
    # grace period counts from the first day billed.
    paid_up_to = next_period.start - ONE_DAY
    spans = {}
    for key, span in allocation.spans.items():
        if span is None:
            spans[key] = None
        else:
            first, last = (min(index, limit) for index in span)
            spans[key] = (
                period_at(start, cycle, first).start,
                period_at(start, cycle, last).end,
            )
    quantum = Decimal(1).scaleb(-minor_units(instance.currency))
    due = max(instance.price - credit, ZERO).quantize(quantum)
    return BillingPosition(
        billing_start=start,
        periods_paid=paid,
        paid_up_to=paid_up_to,
        next_period=next_period,
        credit=credit,
        amount_due=due,
        total_applied=sum((amount for _, amount in amounts if amount > 0), ZERO),
        spans=spans,
    )


def is_overdue(
    paid_up_to: datetime.date | None,
    today: datetime.date | None = None,
    grace: datetime.timedelta | None = None,
) -> bool:
    """Tell whether a paid-up date plus the grace period is before today.

    Pass `grace` when checking many instances, to read the setting once.
    """
    if paid_up_to is None:
        return False
    today = today or business_date()
    grace = grace if grace is not None else grace_period()
    return paid_up_to + grace < today


def instance_is_overdue(instance: Instance, today: datetime.date | None = None) -> bool:
    """Tell whether the instance's stored paid-up date makes it overdue."""
    return is_overdue(instance.paid_up_to, today)


def amount_overdue(instance: Instance, today: datetime.date | None = None) -> Decimal:
    """Return what an overdue instance owes for the periods begun by today.

    An instance that is not overdue owes nothing overdue, even when its
    current period is not paid yet.
    """
    today = today or business_date()
    position = compute_position(instance)
    if not position.is_billed or not is_overdue(position.paid_up_to, today):
        return ZERO
    assert position.billing_start is not None
    begun = period_containing(position.billing_start, instance.billing_cycle, today)
    owed = (begun.index + 1) * instance.price - position.total_applied
    quantum = Decimal(1).scaleb(-minor_units(instance.currency))
    return max(owed, ZERO).quantize(quantum)


def refresh_paid_up_to(instance: Instance) -> BillingPosition:
    """Recompute the paid-up date and store it, with each payment's span.

    Call it in the transaction that changes a payment of the instance, so the
    stored date never disagrees with the payments. The spans are written with
    a queryset update: they are derived, so they do not count as an edit of
    a completed payment.
    """
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        position = compute_position(locked)
        if locked.paid_up_to != position.paid_up_to:
            locked.paid_up_to = position.paid_up_to
            locked.save(update_fields=["paid_up_to", "updated_at"])
        _store_spans(locked, position)
    instance.paid_up_to = position.paid_up_to
    return position


def _store_spans(instance: Instance, position: BillingPosition) -> None:
    stored = Payment.objects.filter(
        instance_id=instance.pk, kind=PaymentKind.PAYMENT
    ).values_list("id", "period_start", "period_end")
    for pk, start, end in stored:
        span = position.spans.get(pk)
        expected = span if span is not None else (None, None)
        if (start, end) != expected:
            Payment.objects.filter(pk=pk).update(
                period_start=expected[0], period_end=expected[1]
            )


def refresh_after_payment_change(
    payment: Payment, previous_instance_id: int | None
) -> None:
    """Refresh the paid-up dates and the customer status that a payment touches."""
    instance_ids = {payment.instance_id, previous_instance_id}
    if payment.refund_of_id:
        instance_ids.add(payment.refund_of.instance_id)
    for instance_id in sorted(pk for pk in instance_ids if pk):
        refresh_paid_up_to(Instance.objects.get(pk=instance_id))
    refresh_status_locked(payment.customer_id)
