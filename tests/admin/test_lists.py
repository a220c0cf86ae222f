"""Search, filters and columns of the list pages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.catalog.models import BillingCycle
from saas_manager.customers.models import Tag
from saas_manager.hosting.models import InstanceState
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InstanceFactory,
    PaymentFactory,
    ServerFactory,
    ServicePackageFactory,
)

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("admin:customers_customer_changelist")
INSTANCES = reverse("admin:hosting_instance_changelist")
PAYMENTS = reverse("admin:billing_payment_changelist")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_customer_search_finds_contact_email(reader_client):
    customer = CustomerFactory(name="Acme SA")
    ContactFactory(customer=customer, email="finance@acme.example")
    ContactFactory(customer=customer, email="it@acme.example")
    CustomerFactory(name="Other SA")

    response = reader_client.get(CUSTOMERS, {"q": "acme.example"})

    assert listed(response) == [customer]


def test_customer_filters_by_status_and_country(reader_client):
    wanted = CustomerFactory(country="FR", status="active")
    CustomerFactory(country="FR", status="prospect")
    CustomerFactory(country="BE", status="active")

    response = reader_client.get(
        CUSTOMERS, {"status__exact": "active", "country__exact": "FR"}
    )

    assert listed(response) == [wanted]


def test_customer_filters_by_currency_in_use(reader_client):
    dollars = CustomerFactory(currency="USD")
    CustomerFactory(currency="EUR")

    response = reader_client.get(CUSTOMERS, {"currency": "USD"})

    assert listed(response) == [dollars]
    currency_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.title == "currency"
    )
    assert [value for value, _ in currency_filter.lookup_choices] == ["EUR", "USD"]


def test_customer_filters_by_tag(reader_client):
    tag = Tag.objects.create(name="reseller")
    tagged = CustomerFactory()
    tagged.tags.add(tag)
    CustomerFactory()

    response = reader_client.get(CUSTOMERS, {"tags__id__exact": tag.pk})

    assert listed(response) == [tagged]


def test_customer_list_shows_derived_status_label(reader_client):
    CustomerFactory(status="suspended")

    response = reader_client.get(CUSTOMERS)

    assert "Suspended" in response.text


def test_instance_filters_by_state_package_server(reader_client):
    package, server = ServicePackageFactory(), ServerFactory()
    wanted = InstanceFactory(package=package, server=server, state=InstanceState.ACTIVE)
    InstanceFactory(package=package, server=server, state=InstanceState.TRIAL)
    InstanceFactory(server=server, state=InstanceState.ACTIVE)

    response = reader_client.get(
        INSTANCES,
        {
            "state__exact": "active",
            "package__id__exact": package.pk,
            "server__id__exact": server.pk,
        },
    )

    assert listed(response) == [wanted]


def test_instance_filters_by_version_and_cycle(reader_client):
    wanted = InstanceFactory(odoo_version="18.0", billing_cycle=BillingCycle.YEARLY)
    InstanceFactory(odoo_version="18.0", billing_cycle=BillingCycle.MONTHLY)
    InstanceFactory(odoo_version="17.0", billing_cycle=BillingCycle.YEARLY)

    response = reader_client.get(
        INSTANCES, {"odoo_version": "18.0", "billing_cycle__exact": "yearly"}
    )

    assert listed(response) == [wanted]


def test_instance_search_finds_customer_name(reader_client):
    wanted = InstanceFactory(customer=CustomerFactory(name="Zebra Works"))
    InstanceFactory()

    response = reader_client.get(INSTANCES, {"q": "zebra"})

    assert listed(response) == [wanted]


def test_instance_list_formats_price(reader_client):
    InstanceFactory(price=Decimal("1234.5"), currency="EUR")

    response = reader_client.get(INSTANCES)

    assert "1,234.50\u00a0EUR" in response.text


def test_payment_filters_by_date_range(reader_client):
    wanted = PaymentFactory(date=datetime.date(2026, 3, 15))
    PaymentFactory(date=datetime.date(2026, 2, 28))
    PaymentFactory(date=datetime.date(2026, 4, 1))

    response = reader_client.get(
        PAYMENTS, {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    )

    assert listed(response) == [wanted]


def test_payment_filters_by_status_kind_method(reader_client):
    wanted = PaymentFactory(status=PaymentStatus.FAILED, method="stripe")
    PaymentFactory(status=PaymentStatus.FAILED, method="paypal")
    PaymentFactory(status=PaymentStatus.COMPLETED, method="stripe")

    response = reader_client.get(
        PAYMENTS,
        {
            "status__exact": "failed",
            "kind__exact": "payment",
            "method__exact": "stripe",
        },
    )

    assert listed(response) == [wanted]


def test_payment_filters_by_currency(reader_client):
    wanted = PaymentFactory(currency="USD")
    PaymentFactory(currency="EUR")

    response = reader_client.get(PAYMENTS, {"currency": "USD"})

    assert listed(response) == [wanted]


def test_payment_list_shows_refund_negative(reader_client):
    payment = PaymentFactory(amount=Decimal("100.00"))
    PaymentFactory(
        customer=payment.customer,
        kind=PaymentKind.REFUND,
        refund_of=payment,
        amount=Decimal("25.00"),
    )

    response = reader_client.get(PAYMENTS)

    assert "100.00\u00a0EUR" in response.text
    assert "-25.00\u00a0EUR" in response.text


def test_payment_search_finds_reference(reader_client):
    wanted = PaymentFactory(transaction_reference="SEPA-0042")
    PaymentFactory(transaction_reference="SEPA-0043")

    response = reader_client.get(PAYMENTS, {"q": "SEPA-0042"})

    assert listed(response) == [wanted]


def test_instance_list_sorts_by_price(reader_client):
    small = InstanceFactory(price=Decimal("10.00"))
    large = InstanceFactory(price=Decimal("90.00"))
    columns = reader_client.get(INSTANCES).context["cl"].list_display
    price = columns.index("price_column")

    response = reader_client.get(INSTANCES, {"o": f"-{price}"})

    assert listed(response) == [large, small]
