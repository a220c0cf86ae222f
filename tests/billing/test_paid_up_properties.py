import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_manager.billing.paid_up import allocate, compute_position
from saas_manager.billing.services import record_payment, refund_payment
from saas_manager.catalog.models import BillingCycle
from saas_manager.hosting.models import InstanceState
from tests.factories import InstanceFactory

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


@given(payments=st.lists(amounts, max_size=12), price=prices)
def test_allocation_accounts_for_every_cent(payments, price):
    allocation = allocate(list(enumerate(payments)), price)

    total = sum(payments, Decimal(0))
    assert allocation.periods_paid * price + allocation.credit == total
    assert Decimal(0) <= allocation.credit < price


@given(
    payments=st.lists(amounts, min_size=1, max_size=12),
    price=prices,
    data=st.data(),
)
def test_allocation_never_moves_forward_on_refund(payments, price, data):
    index = data.draw(st.integers(min_value=0, max_value=len(payments) - 1))
    taken = data.draw(
        st.decimals(min_value=Decimal("0.01"), max_value=payments[index], places=2)
    )
    before = allocate(list(enumerate(payments)), price)

    reduced = list(payments)
    reduced[index] -= taken
    after = allocate(list(enumerate(reduced)), price)

    assert after.periods_paid <= before.periods_paid


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    anchor=st.dates(
        min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)
    ),
    cycle=st.sampled_from(list(BillingCycle)),
    payments=st.lists(amounts, min_size=1, max_size=5),
    data=st.data(),
)
def test_refund_never_moves_paid_up_forward(anchor, cycle, payments, data):
    instance = InstanceFactory(
        state=InstanceState.ACTIVE,
        billing_cycle=cycle,
        billing_start=anchor,
        price=Decimal("60.60"),
    )
    recorded = [
        record_payment(instance=instance, amount=amount, date=anchor).payment
        for amount in payments
    ]
    index = data.draw(st.integers(min_value=0, max_value=len(recorded) - 1))
    payment = recorded[index]
    taken = data.draw(
        st.decimals(min_value=Decimal("0.01"), max_value=payment.amount, places=2)
    )
    instance.refresh_from_db()
    before = instance.paid_up_to

    refund_payment(payment, taken)

    instance.refresh_from_db()
    assert instance.paid_up_to <= before
    assert instance.paid_up_to == compute_position(instance).paid_up_to
    assert instance.paid_up_to >= anchor - datetime.timedelta(days=1)
