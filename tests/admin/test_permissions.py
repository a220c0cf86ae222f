"""What each staff group may see and change in the back office."""

from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.choices import PaymentStatus
from saas_manager.customers.models import BankAccount, Tag
from tests.admin import forms
from tests.admin.conftest import ROLES
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InstanceFactory,
    PaymentFactory,
    ServerFactory,
    ServicePackageFactory,
)

pytestmark = pytest.mark.django_db

# The models each role may add and change; every role may view every model.
WRITABLE = {
    "manager": {
        "customer",
        "contact",
        "bankaccount",
        "tag",
        "instance",
        "payment",
        "servicepackage",
        "server",
    },
    "billing_clerk": {"customer", "contact", "bankaccount", "tag", "payment"},
    "support_agent": {"customer", "contact", "bankaccount", "tag", "instance"},
    "reader": set(),
}

ADMIN_URLS = {
    "customer": "customers_customer",
    "contact": "customers_contact",
    "bankaccount": "customers_bankaccount",
    "tag": "customers_tag",
    "instance": "hosting_instance",
    "payment": "billing_payment",
    "servicepackage": "catalog_servicepackage",
    "server": "hosting_server",
}


def make_record(model: str):
    """Create a record of the model and return it with its form data changed."""
    if model == "customer":
        customer = CustomerFactory()
        return customer, forms.customer_data(customer, name="Renamed SRL")
    if model == "contact":
        contact = ContactFactory()
        return contact, forms.contact_data(contact, name="Renamed Contact")
    if model == "bankaccount":
        account = BankAccount.objects.create(
            customer=CustomerFactory(), iban="BE71096123456769"
        )
        return account, forms.bank_account_data(account, holder="Renamed Holder")
    if model == "tag":
        tag = Tag.objects.create(name="reseller")
        return tag, forms.tag_data(tag, name="partner")
    if model == "instance":
        instance = InstanceFactory()
        return instance, forms.instance_data(instance, url="https://renamed.example")
    if model == "payment":
        payment = PaymentFactory(status=PaymentStatus.PENDING)
        return payment, forms.payment_data(payment, notes="Renamed in a test")
    if model == "servicepackage":
        package = ServicePackageFactory()
        return package, forms.package_data(package, name="Renamed package")
    if model == "server":
        server = ServerFactory()
        return server, forms.server_data(server, city="Renamed city")
    raise AssertionError(model)


CHANGED_FIELD = {
    "customer": ("name", "Renamed SRL"),
    "contact": ("name", "Renamed Contact"),
    "bankaccount": ("holder", "Renamed Holder"),
    "tag": ("name", "partner"),
    "instance": ("url", "https://renamed.example"),
    "payment": ("notes", "Renamed in a test"),
    "servicepackage": ("name", "Renamed package"),
    "server": ("city", "Renamed city"),
}

CASES = [(role, model) for role in ROLES for model in ADMIN_URLS]


@pytest.mark.parametrize(("role", "model"), CASES)
def test_list_page_opens_for_every_role(staff_client, role, model):
    client = staff_client(role)

    response = client.get(reverse(f"admin:{ADMIN_URLS[model]}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(("role", "model"), CASES)
def test_add_page_follows_role(staff_client, role, model):
    client = staff_client(role)

    response = client.get(reverse(f"admin:{ADMIN_URLS[model]}_add"))

    expected = 200 if model in WRITABLE[role] else 403
    assert response.status_code == expected


@pytest.mark.parametrize(("role", "model"), CASES)
def test_change_post_follows_role(staff_client, role, model):
    client = staff_client(role)
    record, data = make_record(model)
    field, value = CHANGED_FIELD[model]
    before = getattr(record, field)
    url = reverse(f"admin:{ADMIN_URLS[model]}_change", args=[record.pk])

    response = client.post(url, data)

    record.refresh_from_db()
    if model in WRITABLE[role]:
        assert response.status_code == 302, response.context["errors"]
        assert getattr(record, field) == value
    else:
        assert response.status_code == 403
        assert getattr(record, field) == before


@pytest.mark.parametrize(("role", "model"), CASES)
def test_change_page_shows_save_buttons_only_to_writers(staff_client, role, model):
    client = staff_client(role)
    record, _ = make_record(model)
    url = reverse(f"admin:{ADMIN_URLS[model]}_change", args=[record.pk])

    response = client.get(url)

    assert response.status_code == 200
    if model in WRITABLE[role]:
        assert 'name="_save"' in response.text
    else:
        assert 'name="_save"' not in response.text
        assert 'name="_continue"' not in response.text
        assert 'name="_addanother"' not in response.text


DELETABLE = ("customer", "instance", "payment", "servicepackage", "server")


@pytest.mark.parametrize(
    ("role", "model"), [(role, model) for role in ROLES for model in DELETABLE]
)
def test_delete_is_for_managers_only(staff_client, role, model):
    client = staff_client(role)
    record, _ = make_record(model)
    record_model = type(record)
    url = reverse(f"admin:{ADMIN_URLS[model]}_delete", args=[record.pk])

    response = client.post(url, {"post": "yes"})

    exists = record_model.objects.filter(pk=record.pk).exists()
    if role == "manager":
        assert response.status_code == 302
        assert not exists
    else:
        assert response.status_code == 403
        assert exists


@pytest.mark.parametrize("role", ROLES)
def test_staff_list_is_for_managers_only(staff_client, role):
    client = staff_client(role)

    response = client.get(reverse("admin:auth_user_changelist"))

    assert response.status_code == (200 if role == "manager" else 403)


def test_user_without_staff_flag_cannot_sign_in(client, reader):
    reader.is_staff = False
    reader.save()
    client.login(username=reader.username, password="correct-horse-battery")

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_reader_cannot_revert_from_history(reader_client):
    customer = CustomerFactory(name="Original SRL")
    customer.name = "Current SRL"
    customer.save()
    original = customer.history.earliest()
    url = reverse(
        "admin:customers_customer_simple_history",
        args=[customer.pk, original.history_id],
    )

    response = reader_client.post(url, forms.customer_data(customer))

    customer.refresh_from_db()
    assert response.status_code == 403
    assert customer.name == "Current SRL"


def test_manager_cannot_revert_from_history(manager_client):
    instance = InstanceFactory(price=Decimal("49.00"))
    instance.price = Decimal("59.00")
    instance.save()
    original = instance.history.earliest()
    url = reverse(
        "admin:hosting_instance_simple_history",
        args=[instance.pk, original.history_id],
    )

    response = manager_client.post(url, forms.instance_data(instance))

    instance.refresh_from_db()
    assert response.status_code == 403
    assert instance.price == Decimal("59.00")
