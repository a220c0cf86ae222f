"""Bounds on what an instance's money may pay, checked before anything is stored.

Money pays at most max_periods(cycle) periods of the instance's price from
its billing start (MAX_PREPAID_YEARS in billing.periods). Payment.clean()
rejects a payment that would pay beyond that, and Instance.clean() rejects a
lower price or another cycle that would make the money already paid reach
beyond it. A free instance, whose price is zero, has no billing periods and
takes no payments.
"""

from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.periods import MAX_PREPAID_YEARS, max_periods
from saas_manager.catalog.models import BillingCycle
from saas_manager.core.currencies import format_money, minor_units
from saas_manager.hosting.models import Instance

ZERO = Decimal(0)

# The statuses of a payment whose money counts, or may still count, towards
# the periods of its instance. A failed or cancelled payment pays nothing.
LIVE_STATUSES = (PaymentStatus.PENDING, PaymentStatus.COMPLETED)


def applied_amount(instance: Instance, *, excluded_payment_id: int | None = None):
    """Return the money applied to the instance's periods: completed payments
    less their completed refunds, each counted only when positive.

    `excluded_payment_id` leaves one payment out, so that a payment being
    validated is counted once, with its new amount.
    """
    from saas_manager.billing.paid_up import net_payments

    return sum(
        (
            amount
            for pk, amount in net_payments(instance)
            if amount > 0 and pk != excluded_payment_id
        ),
        ZERO,
    )


def _cycle_label(cycle: str) -> str:
    try:
        return str(BillingCycle(cycle).label).lower()
    except ValueError:
        return cycle


def check_payment_amount(payment) -> None:
    """Raise ValidationError on `amount` if the payment pays beyond the limit.

    Only a payment (not a refund) whose money counts or may still count is
    checked: a pending one too, so that completing it later cannot fail.
    """
    if payment.kind != PaymentKind.PAYMENT or payment.status not in LIVE_STATUSES:
        return
    instance = payment.instance
    if not isinstance(payment.amount, Decimal) or not payment.amount.is_finite():
        return
    if instance.price is None or not instance.billing_cycle:
        return
    if instance.price <= 0:
        raise ValidationError(
            {
                "instance": _(
                    "Instance %(instance)s is free (its price is %(price)s), so "
                    "it takes no payments. Record the money for customer "
                    "%(customer)s without an instance, or give the instance a "
                    "price first."
                )
                % {
                    "instance": instance,
                    "price": format_money(instance.price, instance.currency),
                    "customer": instance.customer,
                }
            }
        )
    own = payment.amount
    if payment.pk is not None:
        refunded = payment.refunds.filter(
            kind=PaymentKind.REFUND, status=PaymentStatus.COMPLETED
        ).aggregate(total=Sum("amount"))["total"]
        own -= refunded or ZERO
    applied = applied_amount(instance, excluded_payment_id=payment.pk)
    limit = max_periods(instance.billing_cycle)
    capacity = limit * instance.price
    if applied + own <= capacity:
        return
    raise ValidationError(
        {
            "amount": _(
                "%(amount)s is more than instance %(instance)s can take: money "
                "pays at most %(limit)d %(cycle)s periods (%(years)d years) of "
                "%(price)s from the billing start, and %(applied)s is already "
                "paid. Expected at most %(maximum)s."
            )
            % {
                "amount": format_money(payment.amount, payment.currency),
                "instance": instance,
                "limit": limit,
                "cycle": _cycle_label(instance.billing_cycle),
                "years": MAX_PREPAID_YEARS,
                "price": format_money(instance.price, instance.currency),
                "applied": format_money(applied, instance.currency),
                "maximum": format_money(
                    max(capacity - applied, ZERO), payment.currency
                ),
            }
        }
    )


def check_price_change(instance: Instance) -> dict[str, str]:
    """Return the errors of a new price or cycle for the money already paid.

    A price of zero is rejected once the instance has a live payment, because
    a free instance takes none. A lower price or a shorter cycle is rejected
    when the money applied would pay more than max_periods(cycle) periods.
    """
    price = instance.price
    if not isinstance(price, Decimal) or not price.is_finite():
        return {}
    if not instance.billing_cycle or instance.pk is None:
        return {}
    if price <= 0:
        live = instance.payments.filter(
            kind=PaymentKind.PAYMENT, status__in=LIVE_STATUSES
        )
        if live.exists():
            return {
                "price": _(
                    "Instance %(instance)s has payments, so its price cannot "
                    "become %(price)s: a free instance takes no payments. "
                    "Refund or cancel them first, or keep a price above zero."
                )
                % {
                    "instance": instance,
                    "price": format_money(price, instance.currency),
                }
            }
        return {}
    try:
        limit = max_periods(instance.billing_cycle)
    except ValueError:
        # The field's choices report an unknown cycle.
        return {}
    applied = applied_amount(instance)
    if applied <= limit * price:
        return {}
    quantum = Decimal(1).scaleb(-minor_units(instance.currency))
    minimum = (applied / limit).quantize(quantum, rounding=ROUND_CEILING)
    periods = int(applied // price)
    return {
        "price": _(
            "With a price of %(price)s, the %(applied)s paid for instance "
            "%(instance)s would pay %(periods)s %(cycle)s periods, more than "
            "the limit of %(limit)d periods (%(years)d years) from the billing "
            "start. Expected a price of at least %(minimum)s."
        )
        % {
            "price": format_money(price, instance.currency),
            "applied": format_money(applied, instance.currency),
            "instance": instance,
            "periods": f"{periods:,}",
            "cycle": _cycle_label(instance.billing_cycle),
            "limit": limit,
            "years": MAX_PREPAID_YEARS,
            "minimum": format_money(minimum, instance.currency),
        }
    }
