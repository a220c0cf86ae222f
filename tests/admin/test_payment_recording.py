"""Recording, refunding and cancelling payments in the back office."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import SUCCESS, WARNING
from django.urls import reverse

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import refresh_paid_up_to
from saas_manager.hosting.models import (
    ActorKind,
    Instance,
    InstanceState,
    SuspensionKind,
)
from tests.admin.conftest import ROLES
from tests.factories import CustomerFactory, InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:billing_payment_add")
NOW = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC)
PAYING_ROLES = {"manager", "billing_clerk"}


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(NOW, tick=False):
        yield


def billed_instance(**fields) -> Instance:
    """Create a monthly instance billed from 1 January 2026, nothing paid."""
    values = {
        "state": InstanceState.ACTIVE,
        "billing_start": datetime.date(2026, 1, 1),
        "price": Decimal("49.00"),
        "payment_method": PaymentMethod.SEPA_DIRECT_DEBIT,
        **fields,
    }
    instance = InstanceFactory(**values)
    refresh_paid_up_to(instance)
    return instance


def suspended_instance(kind: str) -> Instance:
    return billed_instance(
        state=InstanceState.SUSPENDED, suspension_kind=kind, suspended_at=NOW
    )


def add_data(instance: Instance, **fields) -> dict:
    return {
        "instance": str(instance.pk),
        "customer": "",
        "amount": "147.00",
        "currency": "",
        "method": PaymentMethod.BANK_TRANSFER,
        "status": PaymentStatus.COMPLETED,
        "transaction_reference": "",
        "date": "2026-03-15",
        "notes": "",
        **fields,
    }


def message_texts(response, level=None) -> list[str]:
    return [
        message.message
        for message in response.context["messages"]
        if level is None or message.level == level
    ]


def test_add_form_proposes_next_period(manager_client):
    instance = billed_instance()
    PaymentFactory(
        customer=instance.customer,
        instance=instance,
        amount=Decimal("60.00"),
        date=datetime.date(2026, 1, 2),
    )

    response = manager_client.get(f"{ADD_URL}?instance={instance.pk}")

    form = response.context["adminform"].form
    proposal = response.context["payment_proposal"]
    assert response.status_code == 200
    assert form.initial["instance"] == str(instance.pk)
    assert form.initial["customer"] == instance.customer_id
    assert form.initial["currency"] == "EUR"
    # 60.00 paid January and 11.00 of February, so 38.00 is left for it.
    assert form.initial["amount"] == Decimal("38.00")
    assert form.initial["method"] == PaymentMethod.SEPA_DIRECT_DEBIT
    assert proposal["period_start"] == datetime.date(2026, 2, 1)
    assert proposal["period_end"] == datetime.date(2026, 2, 28)
    assert proposal["price"] == "49.00 EUR"
    assert 'id="payment-proposal"' in response.text
    assert "38.00 EUR" in response.text


def test_add_form_proposes_first_period_after_trial(manager_client):
    instance = InstanceFactory(
        state=InstanceState.TRIAL, trial_end_date=datetime.date(2026, 3, 20)
    )

    response = manager_client.get(f"{ADD_URL}?instance={instance.pk}")

    proposal = response.context["payment_proposal"]
    assert proposal["period_start"] == datetime.date(2026, 3, 21)
    assert proposal["period_end"] == datetime.date(2026, 4, 20)
    assert response.context["adminform"].form.initial["amount"] == Decimal("49.00")


def test_add_form_without_instance_proposes_nothing(manager_client):
    response = manager_client.get(f"{ADD_URL}?instance=not-a-number")

    assert response.status_code == 200
    assert response.context["payment_proposal"] is None
    assert 'id="payment-proposal"' not in response.text


def test_add_form_for_free_instance_has_no_amount(manager_client):
    instance = billed_instance(price=Decimal("0.00"))

    response = manager_client.get(f"{ADD_URL}?instance={instance.pk}")

    assert "amount" not in response.context["adminform"].form.initial
    assert "price of zero" in response.text


def test_record_payment_reactivates_overdue_suspension(manager_client, manager):
    instance = suspended_instance(SuspensionKind.OVERDUE)

    response = manager_client.post(ADD_URL, add_data(instance), follow=True)

    instance.refresh_from_db()
    payment = Payment.objects.get()
    assert instance.state == InstanceState.ACTIVE
    assert instance.paid_up_to == datetime.date(2026, 3, 31)
    assert payment.customer == instance.customer
    assert payment.currency == "EUR"
    assert payment.period_start == datetime.date(2026, 1, 1)
    assert payment.history.latest().history_user == manager
    event = instance.events.get()
    assert event.actor_kind == ActorKind.PAYMENT
    assert event.payment == payment
    assert message_texts(response) == [
        f"Payment {payment.pk} of 147.00 EUR is recorded.",
        f"Instance {instance} is Active again.",
    ]
    assert response.redirect_chain[-1][0] == reverse(
        "admin:billing_payment_change", args=[payment.pk]
    )


def test_record_payment_keeps_manual_suspension(manager_client):
    instance = suspended_instance(SuspensionKind.MANUAL)

    response = manager_client.post(ADD_URL, add_data(instance), follow=True)

    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED
    assert instance.paid_up_to == datetime.date(2026, 3, 31)
    assert not instance.events.exists()
    (warning,) = message_texts(response, WARNING)
    assert warning.startswith(f"Instance {instance} stays Suspended")
    assert "suspended by hand" in warning


def test_record_payment_tells_terminated(manager_client):
    instance = billed_instance(state=InstanceState.TERMINATED)

    response = manager_client.post(ADD_URL, add_data(instance), follow=True)

    instance.refresh_from_db()
    assert instance.state == InstanceState.TERMINATED
    (warning,) = message_texts(response, WARNING)
    assert "is Terminated, and a payment does not revive it" in warning


def test_record_partial_payment_says_still_due(manager_client):
    instance = suspended_instance(SuspensionKind.OVERDUE)

    response = manager_client.post(
        ADD_URL, add_data(instance, amount="49.00"), follow=True
    )

    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED
    (warning,) = message_texts(response, WARNING)
    assert "49.00 EUR is still due" in warning


def test_record_payment_converts_trial(manager_client):
    instance = InstanceFactory(
        state=InstanceState.TRIAL, trial_end_date=datetime.date(2026, 3, 20)
    )

    response = manager_client.post(
        ADD_URL, add_data(instance, amount="49.00"), follow=True
    )

    instance.refresh_from_db()
    assert instance.state == InstanceState.ACTIVE
    assert instance.billing_start == datetime.date(2026, 3, 21)
    assert f"Instance {instance} has converted from its trial." in message_texts(
        response, SUCCESS
    )


def test_record_payment_rejects_other_currency(manager_client):
    instance = billed_instance()

    response = manager_client.post(ADD_URL, add_data(instance, currency="USD"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["currency"] == [
        f"USD is not the currency of instance {instance}, which is billed in EUR."
    ]
    assert not Payment.objects.exists()


def test_record_payment_rejects_other_customer(manager_client):
    instance = billed_instance()
    other = CustomerFactory(name="Other SRL")

    response = manager_client.post(ADD_URL, add_data(instance, customer=str(other.pk)))

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["instance"]
    assert "not to Other SRL" in error
    assert not Payment.objects.exists()


def test_record_payment_rejects_zero_amount(manager_client):
    instance = billed_instance()

    response = manager_client.post(ADD_URL, add_data(instance, amount="0"))

    assert response.status_code == 200
    assert "amount" in response.context["adminform"].form.errors
    assert not Payment.objects.exists()


def test_record_same_transaction_twice_changes_nothing(manager_client):
    instance = billed_instance()
    data = add_data(instance, transaction_reference="BANK-2026-0042")
    manager_client.post(ADD_URL, data)

    response = manager_client.post(ADD_URL, data, follow=True)

    payment = Payment.objects.get()
    assert Payment.objects.count() == 1
    (warning,) = message_texts(response, WARNING)
    assert "BANK-2026-0042" in warning
    assert "already recorded" in warning
    assert response.redirect_chain[-1][0] == reverse(
        "admin:billing_payment_change", args=[payment.pk]
    )


def test_add_form_offers_no_refund_or_cancelled(manager_client):
    response = manager_client.get(ADD_URL)

    form = response.context["adminform"].form
    statuses = {value for value, _ in form.fields["status"].choices}
    assert statuses == {"pending", "completed", "failed"}
    assert "kind" not in form.fields
    assert "refund_of" not in form.fields


def test_pending_payment_completed_reactivates(manager_client):
    instance = suspended_instance(SuspensionKind.OVERDUE)
    payment = PaymentFactory(
        customer=instance.customer,
        instance=instance,
        amount=Decimal("147.00"),
        status=PaymentStatus.PENDING,
        date=datetime.date(2026, 3, 14),
    )
    data = {
        "customer": str(payment.customer_id),
        "instance": str(instance.pk),
        "kind": payment.kind,
        "refund_of": "",
        "amount": "147.00",
        "currency": "EUR",
        "method": payment.method,
        "status": PaymentStatus.COMPLETED,
        "transaction_reference": "",
        "date": "2026-03-14",
        "notes": "Arrived",
    }
    url = reverse("admin:billing_payment_change", args=[payment.pk])

    response = manager_client.post(url, data, follow=True)

    payment.refresh_from_db()
    instance.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.notes == "Arrived"
    assert instance.state == InstanceState.ACTIVE
    assert f"Instance {instance} is Active again." in message_texts(response)


def completed_payment(amount: str = "100.00") -> Payment:
    instance = billed_instance()
    return PaymentFactory(
        customer=instance.customer,
        instance=instance,
        amount=Decimal(amount),
        date=datetime.date(2026, 1, 2),
    )


def refund_url(payment: Payment) -> str:
    return reverse("admin:billing_payment_refund_detail", args=[payment.pk])


def cancel_url(payment: Payment) -> str:
    return reverse("admin:billing_payment_cancel_detail", args=[payment.pk])


def refund_data(amount: str, **fields) -> dict:
    return {
        "_form_submitted": "on",
        "amount": amount,
        "date": "",
        "transaction_reference": "",
        "notes": "",
        **fields,
    }


def test_refund_dialog_proposes_what_is_left(manager_client):
    payment = completed_payment("100.00")
    PaymentFactory(
        customer=payment.customer,
        instance=payment.instance,
        kind=PaymentKind.REFUND,
        refund_of=payment,
        amount=Decimal("30.00"),
    )

    response = manager_client.get(refund_url(payment))

    assert response.status_code == 200
    assert 'value="70.00"' in response.text


def test_partial_refunds_up_to_payment(manager_client):
    payment = completed_payment("100.00")

    first = manager_client.post(refund_url(payment), refund_data("60.00"), follow=True)
    second = manager_client.post(refund_url(payment), refund_data("40.00"))

    refunds = payment.refunds.order_by("pk")
    assert [refund.amount for refund in refunds] == [
        Decimal("60.00"),
        Decimal("40.00"),
    ]
    assert all(refund.kind == PaymentKind.REFUND for refund in refunds)
    assert all(refund.status == PaymentStatus.COMPLETED for refund in refunds)
    assert second.status_code == 302
    (message,) = message_texts(first, SUCCESS)
    assert message.startswith(f"Refund {refunds[0].pk} of 60.00 EUR is recorded")
    assert "paid up to" in message


def test_refund_above_what_is_left_is_rejected(manager_client):
    payment = completed_payment("100.00")
    manager_client.post(refund_url(payment), refund_data("60.00"))

    response = manager_client.post(refund_url(payment), refund_data("40.01"))

    assert response.status_code == 200
    assert "40.01 EUR is more than the 40.00 EUR left to refund" in response.text
    assert payment.refunds.count() == 1


def test_refund_moves_paid_up_day_back(manager_client):
    payment = completed_payment("98.00")
    instance = payment.instance
    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2026, 2, 28)

    manager_client.post(refund_url(payment), refund_data("49.00"))

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2026, 1, 31)


def test_cancel_completed_payment_adds_cancelling_entry(manager_client):
    payment = completed_payment("100.00")

    response = manager_client.post(
        cancel_url(payment),
        {"_form_submitted": "on", "reason": "Recorded twice"},
        follow=True,
    )

    payment.refresh_from_db()
    entry = payment.refunds.get()
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.amount == Decimal("100.00")
    assert entry.is_cancellation is True
    assert entry.amount == Decimal("100.00")
    assert entry.notes == "Recorded twice"
    assert message_texts(response, SUCCESS) == [
        f"Cancelling entry {entry.pk} takes back 100.00 EUR of payment {payment.pk}."
    ]


def test_cancel_pending_payment_sets_cancelled(manager_client):
    payment = PaymentFactory(status=PaymentStatus.PENDING)

    manager_client.post(
        cancel_url(payment), {"_form_submitted": "on", "reason": "Never sent"}
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert "Never sent" in payment.notes
    assert not payment.refunds.exists()


def test_cancel_needs_reason(manager_client):
    payment = completed_payment()

    response = manager_client.post(
        cancel_url(payment), {"_form_submitted": "on", "reason": ""}
    )

    assert response.status_code == 200
    assert "The reason is missing" in response.text
    assert not payment.refunds.exists()


def test_completed_payment_offers_refund_and_cancel(manager_client):
    payment = completed_payment()

    response = manager_client.get(
        reverse("admin:billing_payment_change", args=[payment.pk])
    )

    titles = {item["title"] for item in response.context["actions_detail"]}
    assert titles == {"Refund", "Cancel"}
    assert "amount" not in response.context["adminform"].form.fields


def test_refunded_payment_offers_neither(manager_client):
    payment = completed_payment("100.00")
    manager_client.post(refund_url(payment), refund_data("100.00"))

    response = manager_client.get(
        reverse("admin:billing_payment_change", args=[payment.pk])
    )

    assert response.context["actions_detail"] == []


def test_refund_of_refund_offers_neither(manager_client):
    payment = completed_payment("100.00")
    manager_client.post(refund_url(payment), refund_data("10.00"))
    refund = payment.refunds.get()

    response = manager_client.get(
        reverse("admin:billing_payment_change", args=[refund.pk])
    )

    assert response.context["actions_detail"] == []


@pytest.mark.parametrize("role", ROLES)
def test_record_payment_permission_by_role(staff_client, role):
    client = staff_client(role)
    instance = suspended_instance(SuspensionKind.OVERDUE)

    response = client.post(ADD_URL, add_data(instance))

    instance.refresh_from_db()
    if role in PAYING_ROLES:
        assert response.status_code == 302
        assert Payment.objects.count() == 1
        assert instance.state == InstanceState.ACTIVE
    else:
        assert response.status_code == 403
        assert not Payment.objects.exists()
        assert instance.state == InstanceState.SUSPENDED


@pytest.mark.parametrize("role", ROLES)
def test_refund_permission_by_role(staff_client, role):
    client = staff_client(role)
    payment = completed_payment()

    response = client.post(refund_url(payment), refund_data("10.00"))

    if role in PAYING_ROLES:
        assert response.status_code == 302
        assert payment.refunds.count() == 1
    else:
        assert response.status_code == 403
        assert not payment.refunds.exists()


@pytest.mark.parametrize("role", ROLES)
def test_cancel_permission_by_role(staff_client, role):
    client = staff_client(role)
    payment = completed_payment()

    response = client.post(
        cancel_url(payment), {"_form_submitted": "on", "reason": "Mistake"}
    )

    if role in PAYING_ROLES:
        assert response.status_code == 302
        assert payment.refunds.count() == 1
    else:
        assert response.status_code == 403
        assert not payment.refunds.exists()


@pytest.mark.parametrize("role", ROLES)
def test_payment_buttons_shown_by_role(staff_client, role):
    client = staff_client(role)
    payment = completed_payment()

    response = client.get(reverse("admin:billing_payment_change", args=[payment.pk]))

    titles = {item["title"] for item in response.context["actions_detail"]}
    assert (titles == {"Refund", "Cancel"}) is (role in PAYING_ROLES)
