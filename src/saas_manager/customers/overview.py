"""The financial overview of one customer, grouped by currency."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Sum

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import amount_overdue, business_date, grace_period
from saas_manager.catalog.models import BillingCycle
from saas_manager.core.currencies import minor_units
from saas_manager.customers.models import Customer
from saas_manager.hosting.models import Instance, InstanceState

ZERO = Decimal("0")
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class CurrencyFigures:
    """The money of one customer in one currency."""

    currency: str
    payments: Decimal
    refunds: Decimal
    recurring_revenue: Decimal
    last_payment_date: datetime.date | None
    amount_overdue: Decimal = ZERO

    @property
    def revenue(self) -> Decimal:
        """Completed payments less completed refunds."""
        return self.payments - self.refunds


@dataclass(frozen=True)
class CustomerOverview:
    """The figures on a customer's page."""

    currencies: tuple[CurrencyFigures, ...]
    instances_by_state: dict[str, int]
    last_payment: Payment | None

    @property
    def instance_count(self) -> int:
        return sum(self.instances_by_state.values())


def build_overview(
    customer: Customer, today: datetime.date | None = None
) -> CustomerOverview:
    """Compute the overview of the customer on the business date `today`.

    Revenue counts completed payments less completed refunds; pending, failed
    and cancelled payments count nothing. Monthly recurring revenue counts the
    Active instances only, a yearly price as one twelfth, and is rounded once,
    after the sum, to the currency's minor unit (half up). The amount overdue
    adds what each overdue Active or Suspended instance owes. No figure adds
    two currencies.

    It takes five queries, plus two for each overdue instance.
    """
    today = today or business_date()
    payments, refunds, last_dates = _completed_money(customer)
    recurring, instances_by_state = _instance_figures(customer)
    overdue = _overdue_amounts(customer, today)
    currencies = sorted(set(payments) | set(refunds) | set(recurring) | set(overdue))
    figures = tuple(
        CurrencyFigures(
            currency=currency,
            payments=payments.get(currency, ZERO),
            refunds=refunds.get(currency, ZERO),
            recurring_revenue=recurring.get(currency, ZERO),
            last_payment_date=last_dates.get(currency),
            amount_overdue=overdue.get(currency, ZERO),
        )
        for currency in currencies
    )
    return CustomerOverview(
        currencies=figures,
        instances_by_state=instances_by_state,
        last_payment=_last_completed_payment(customer),
    )


def _completed_money(customer: Customer):
    """Return completed payments, completed refunds and last payment dates."""
    payments: dict[str, Decimal] = {}
    refunds: dict[str, Decimal] = {}
    last_dates: dict[str, datetime.date] = {}
    rows = (
        Payment.objects.filter(customer=customer, status=PaymentStatus.COMPLETED)
        .order_by()
        .values("currency", "kind")
        .annotate(total=Sum("amount"), last_date=Max("date"))
    )
    for row in rows:
        if row["kind"] == PaymentKind.REFUND:
            refunds[row["currency"]] = row["total"]
        else:
            payments[row["currency"]] = row["total"]
            last_dates[row["currency"]] = row["last_date"]
    return payments, refunds, last_dates


def _instance_figures(customer: Customer):
    """Return the monthly recurring revenue per currency and the state counts."""
    monthly: dict[str, Decimal] = {}
    yearly: dict[str, Decimal] = {}
    by_state = dict.fromkeys(InstanceState.values, 0)
    rows = (
        Instance.objects.filter(customer=customer)
        .order_by()
        .values("state", "currency", "billing_cycle")
        .annotate(count=Count("id"), total=Sum("price"))
    )
    for row in rows:
        by_state[row["state"]] = by_state.get(row["state"], 0) + row["count"]
        if row["state"] != InstanceState.ACTIVE:
            continue
        sums = yearly if row["billing_cycle"] == BillingCycle.YEARLY else monthly
        sums[row["currency"]] = sums.get(row["currency"], ZERO) + row["total"]
    recurring = {
        currency: _round_money(
            monthly.get(currency, ZERO) + yearly.get(currency, ZERO) / MONTHS_PER_YEAR,
            currency,
        )
        for currency in set(monthly) | set(yearly)
    }
    return recurring, by_state


def _overdue_amounts(customer: Customer, today: datetime.date) -> dict[str, Decimal]:
    """Return the amount overdue per currency of the customer's instances.

    Only Active and Suspended instances count. A Terminated instance is left
    out, because its periods go on after the termination and amount_overdue
    has no end date to stop them at.
    """
    # NOTE: what a Terminated instance still owed when it was terminated is
    # not shown; that needs the termination date as the end of its periods.
    # The stored paid-up date preselects the overdue instances, so only those
    # are computed; billing.paid_up keeps it current with every payment.
    latest_on_time = today - grace_period()
    instances = Instance.objects.filter(
        customer=customer,
        state__in=(InstanceState.ACTIVE, InstanceState.SUSPENDED),
        paid_up_to__lt=latest_on_time,
    ).order_by("pk")
    amounts: dict[str, Decimal] = {}
    for instance in instances:
        owed = amount_overdue(instance, today)
        if owed > 0:
            amounts[instance.currency] = amounts.get(instance.currency, ZERO) + owed
    return amounts


def _last_completed_payment(customer: Customer) -> Payment | None:
    return (
        Payment.objects.filter(
            customer=customer,
            kind=PaymentKind.PAYMENT,
            status=PaymentStatus.COMPLETED,
        )
        .select_related("instance")
        .order_by("-date", "-id")
        .first()
    )


def _round_money(amount: Decimal, currency: str) -> Decimal:
    try:
        places = minor_units(currency)
    except KeyError:
        # A code outside the supported list can only come from data stored
        # before validation; two decimals is what the money columns hold.
        places = 2
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
