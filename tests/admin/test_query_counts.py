"""The list pages and the customer page run a fixed number of queries."""

import pytest
from django.urls import reverse

from saas_manager.automation.operator import get_operator_settings
from saas_manager.billing.choices import PaymentKind
from saas_manager.customers.models import BankAccount, Tag
from saas_manager.hosting.models import InstanceState
from saas_manager.notifications.models import Notification
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InstanceFactory,
    PaymentFactory,
    ServerFactory,
    ServicePackageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROWS = 20
IBANS = ("BE71096123456769", "DE89370400440532013000", "FR1420041010050500013M02606")

# Measured on SQLite with ROWS rows: the session, the user and its
# permissions, then the page's own queries. One query per row would add ROWS.
CUSTOMER_LIST_QUERIES = 12
INSTANCE_LIST_QUERIES = 12
PAYMENT_LIST_QUERIES = 9
# The customer page adds the instance states for its buttons, the grace
# period and the overdue instances for the amount overdue, and the count and
# the first page of its notifications (two more for the notifications tab).
CUSTOMER_PAGE_QUERIES = 27
# The instance page reads the instance twice (the page and its buttons), its
# customer, package and server for the form, its history, and the count and
# the first page of its notifications.
INSTANCE_PAGE_QUERIES = 15


def customers_with_records(count: int):
    package = ServicePackageFactory()
    server = ServerFactory()
    tag = Tag.objects.create(name="reseller")
    manager = UserFactory(username="account-manager")
    customers = []
    for index in range(count):
        customer = CustomerFactory(account_manager=manager)
        customer.tags.add(tag)
        instance = InstanceFactory(
            customer=customer,
            package=package,
            server=server,
            state=InstanceState.ACTIVE,
        )
        payment = PaymentFactory(customer=customer, instance=instance)
        if index % 2:
            PaymentFactory(
                customer=customer,
                instance=instance,
                kind=PaymentKind.REFUND,
                refund_of=payment,
            )
        customers.append(customer)
    return customers


def one_customer_with_records(count: int):
    customer = CustomerFactory()
    package = ServicePackageFactory()
    server = ServerFactory()
    for _ in range(count):
        ContactFactory(customer=customer)
        instance = InstanceFactory(
            customer=customer, package=package, server=server, currency="EUR"
        )
        PaymentFactory(customer=customer, instance=instance)
        add_notification(customer, instance)
    for iban in IBANS:
        BankAccount.objects.create(customer=customer, iban=iban)
    return customer


def add_notification(customer, instance) -> Notification:
    return Notification.objects.create(
        key=f"test-{instance.pk}-{Notification.objects.count()}",
        event="payment_reminder",
        audience="customer",
        customer=customer,
        instance=instance,
        subject=f"Payment reminder for {instance}",
    )


@pytest.mark.parametrize("rows", [2, ROWS])
def test_customer_list_queries(manager_client, django_assert_max_num_queries, rows):
    customers_with_records(rows)

    with django_assert_max_num_queries(CUSTOMER_LIST_QUERIES):
        response = manager_client.get(reverse("admin:customers_customer_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [2, ROWS])
def test_instance_list_queries(manager_client, django_assert_max_num_queries, rows):
    customers_with_records(rows)

    with django_assert_max_num_queries(INSTANCE_LIST_QUERIES):
        response = manager_client.get(reverse("admin:hosting_instance_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [2, ROWS])
def test_payment_list_queries(manager_client, django_assert_max_num_queries, rows):
    customers_with_records(rows)

    with django_assert_max_num_queries(PAYMENT_LIST_QUERIES):
        response = manager_client.get(reverse("admin:billing_payment_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows + rows // 2


@pytest.mark.parametrize("rows", [2, ROWS])
def test_customer_page_queries(manager_client, django_assert_max_num_queries, rows):
    customer = one_customer_with_records(rows)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    # The settings row is created on first use, which a running site did once.
    get_operator_settings()

    with django_assert_max_num_queries(CUSTOMER_PAGE_QUERIES):
        response = manager_client.get(url)

    assert response.status_code == 200
    assert response.context["customer_overview"]["states"][0]["count"] == rows


@pytest.mark.parametrize("rows", [2, ROWS])
def test_instance_page_queries(manager_client, django_assert_max_num_queries, rows):
    instance = InstanceFactory(state=InstanceState.ACTIVE)
    for _ in range(rows):
        PaymentFactory(customer=instance.customer, instance=instance)
        add_notification(instance.customer, instance)
    url = reverse("admin:hosting_instance_change", args=[instance.pk])
    get_operator_settings()

    with django_assert_max_num_queries(INSTANCE_PAGE_QUERIES):
        response = manager_client.get(url)

    assert response.status_code == 200
    assert f"Payment reminder for {instance}" in response.text
