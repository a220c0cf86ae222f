import datetime
from decimal import Decimal

import pytest

from saas_manager.automation.operator import get_operator_settings
from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.catalog.models import BillingCycle
from saas_manager.customers.overview import build_overview
from saas_manager.hosting.models import InstanceState
from tests.factories import CustomerFactory, InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def refund(payment, amount, status=PaymentStatus.COMPLETED, **fields):
    return PaymentFactory(
        customer=payment.customer,
        kind=PaymentKind.REFUND,
        refund_of=payment,
        amount=Decimal(amount),
        currency=payment.currency,
        status=status,
        **fields,
    )


def figures_for(overview, currency):
    (figures,) = [row for row in overview.currencies if row.currency == currency]
    return figures


def test_revenue_is_completed_payments_less_completed_refunds():
    customer = CustomerFactory()
    first = PaymentFactory(customer=customer, amount=Decimal("100.00"))
    PaymentFactory(customer=customer, amount=Decimal("49.50"))
    refund(first, "20.00")
    refund(first, "5.00", status=PaymentStatus.PENDING)

    overview = build_overview(customer)

    euro = figures_for(overview, "EUR")
    assert euro.payments == Decimal("149.50")
    assert euro.refunds == Decimal("20.00")
    assert euro.revenue == Decimal("129.50")


def test_revenue_ignores_payments_not_completed():
    customer = CustomerFactory()
    PaymentFactory(customer=customer, amount=Decimal("10.00"))
    for status in (
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELLED,
    ):
        PaymentFactory(customer=customer, amount=Decimal("1000.00"), status=status)

    overview = build_overview(customer)

    assert figures_for(overview, "EUR").revenue == Decimal("10.00")


def test_revenue_keeps_currencies_apart():
    customer = CustomerFactory()
    PaymentFactory(customer=customer, amount=Decimal("100.00"), currency="EUR")
    dollars = PaymentFactory(
        customer=customer, amount=Decimal("250.00"), currency="USD"
    )
    refund(dollars, "50.00")

    overview = build_overview(customer)

    assert [row.currency for row in overview.currencies] == ["EUR", "USD"]
    assert figures_for(overview, "EUR").revenue == Decimal("100.00")
    assert figures_for(overview, "EUR").refunds == Decimal("0")
    assert figures_for(overview, "USD").revenue == Decimal("200.00")


def test_revenue_counts_only_this_customer():
    customer = CustomerFactory()
    PaymentFactory(customer=customer, amount=Decimal("10.00"))
    PaymentFactory(amount=Decimal("99.00"))

    overview = build_overview(customer)

    assert figures_for(overview, "EUR").revenue == Decimal("10.00")


def test_recurring_revenue_counts_a_twelfth_of_yearly_prices():
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE, price="49.00")
    InstanceFactory(
        customer=customer,
        state=InstanceState.ACTIVE,
        billing_cycle=BillingCycle.YEARLY,
        price="490.00",
    )

    overview = build_overview(customer)

    # 49.00 + 490.00 / 12 = 89.8333...
    assert figures_for(overview, "EUR").recurring_revenue == Decimal("89.83")


def test_recurring_revenue_rounds_once_after_the_sum():
    customer = CustomerFactory()
    for _ in range(2):
        InstanceFactory(
            customer=customer,
            state=InstanceState.ACTIVE,
            billing_cycle=BillingCycle.YEARLY,
            price="100.00",
        )

    overview = build_overview(customer)

    # Rounding each twelfth first would give 8.33 + 8.33 = 16.66.
    assert figures_for(overview, "EUR").recurring_revenue == Decimal("16.67")


def test_recurring_revenue_counts_active_instances_only():
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE, price="30.00")
    for state in (
        InstanceState.PROVISIONING,
        InstanceState.TRIAL,
        InstanceState.SUSPENDED,
        InstanceState.EXPIRED,
        InstanceState.TERMINATED,
    ):
        InstanceFactory(customer=customer, state=state, price="1000.00")

    overview = build_overview(customer)

    assert figures_for(overview, "EUR").recurring_revenue == Decimal("30.00")


def test_recurring_revenue_keeps_currencies_apart():
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE, price="49.00")
    InstanceFactory(
        customer=customer,
        state=InstanceState.ACTIVE,
        currency="USD",
        billing_cycle=BillingCycle.YEARLY,
        price="600.00",
    )

    overview = build_overview(customer)

    assert figures_for(overview, "EUR").recurring_revenue == Decimal("49.00")
    assert figures_for(overview, "USD").recurring_revenue == Decimal("50.00")
    assert figures_for(overview, "USD").revenue == Decimal("0")


def test_recurring_revenue_uses_the_currency_minor_unit():
    customer = CustomerFactory()
    InstanceFactory(
        customer=customer,
        state=InstanceState.ACTIVE,
        currency="JPY",
        billing_cycle=BillingCycle.YEARLY,
        price="10000",
    )

    overview = build_overview(customer)

    # 10000 / 12 = 833.33..., and the yen has no minor unit.
    assert figures_for(overview, "JPY").recurring_revenue == Decimal("833")


def test_instances_by_state_lists_every_state():
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE)
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE, currency="USD")
    InstanceFactory(customer=customer, state=InstanceState.TRIAL)
    InstanceFactory(state=InstanceState.SUSPENDED)

    overview = build_overview(customer)

    assert overview.instances_by_state == {
        "provisioning": 0,
        "trial": 1,
        "active": 2,
        "suspended": 0,
        "expired": 0,
        "terminated": 0,
    }
    assert overview.instance_count == 3


def test_last_payment_is_the_latest_completed_payment():
    customer = CustomerFactory()
    older = PaymentFactory(customer=customer, date=datetime.date(2026, 1, 10))
    latest = PaymentFactory(
        customer=customer, currency="USD", date=datetime.date(2026, 2, 10)
    )
    PaymentFactory(
        customer=customer,
        status=PaymentStatus.PENDING,
        date=datetime.date(2026, 3, 1),
    )
    refund(older, "1.00", date=datetime.date(2026, 3, 5))

    overview = build_overview(customer)

    assert overview.last_payment == latest
    assert figures_for(overview, "EUR").last_payment_date == datetime.date(2026, 1, 10)
    assert figures_for(overview, "USD").last_payment_date == datetime.date(2026, 2, 10)


def test_overview_of_a_new_customer_is_empty():
    customer = CustomerFactory()

    overview = build_overview(customer)

    assert overview.currencies == ()
    assert overview.last_payment is None
    assert overview.instance_count == 0


def test_overview_queries_do_not_grow_with_rows(django_assert_num_queries):
    customer = CustomerFactory()
    for _ in range(10):
        PaymentFactory(customer=customer)
        InstanceFactory(customer=customer, state=InstanceState.ACTIVE)
    # The settings row that gives the grace period is created on first use.
    get_operator_settings()

    # Payments, instances, the grace period, the overdue instances, the last
    # payment. None of these instances is billed, so none is overdue.
    with django_assert_num_queries(5):
        overview = build_overview(customer)

    assert overview.instance_count == 10
