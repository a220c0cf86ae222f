"""The customer form: IBANs entered twice, phone numbers and notifications."""

import pytest
from django.urls import reverse

from saas_manager.customers.models import BankAccount, Customer
from saas_manager.notifications.models import Notification
from tests.admin import forms
from tests.factories import ContactFactory, CustomerFactory, InstanceFactory

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
SPACED_IBAN = "NL91 ABNA 0417 1643 00"


def change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def with_bank_accounts(customer: Customer, *ibans: str) -> dict:
    data = forms.customer_data(customer)
    data.update(forms.management_form("bank_accounts", initial=0, total=len(ibans)))
    for index, iban in enumerate(ibans):
        data[f"bank_accounts-{index}-iban"] = iban
    return data


def bank_account_errors(response) -> list[list[str]]:
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "bank_accounts"
    )
    return [form.errors.get("iban", []) for form in formset.forms]


@pytest.mark.parametrize(
    "ibans",
    [(IBAN, SPACED_IBAN), (SPACED_IBAN, IBAN), (IBAN, IBAN.lower())],
)
def test_iban_entered_twice_rejected(manager_client, ibans):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), with_bank_accounts(customer, *ibans)
    )

    assert response.status_code == 200
    assert bank_account_errors(response) == [
        [],
        [f"IBAN {IBAN} is entered twice, in rows 1 and 2. Remove one of the rows."],
    ]
    assert not BankAccount.objects.exists()


def test_iban_twice_reported_once(manager_client):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), with_bank_accounts(customer, IBAN, SPACED_IBAN)
    )

    assert response.text.count("is entered twice") == 1
    assert "Please correct the duplicate data" not in response.text


def test_two_ibans_saved_compact(manager_client):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer),
        with_bank_accounts(customer, SPACED_IBAN, "BE71 0961 2345 6769"),
    )

    assert response.status_code == 302
    assert sorted(customer.bank_accounts.values_list("iban", flat=True)) == [
        "BE71096123456769",
        IBAN,
    ]


def test_iban_of_other_customer_rejected(manager_client):
    other = CustomerFactory(name="Other BV")
    BankAccount.objects.create(customer=other, iban=IBAN)
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), with_bank_accounts(customer, SPACED_IBAN)
    )

    assert response.status_code == 200
    assert bank_account_errors(response) == [
        [f"IBAN {IBAN} is already recorded for customer Other BV."]
    ]


def test_bank_account_page_compacts_iban(manager_client):
    customer = CustomerFactory()
    BankAccount.objects.create(customer=customer, iban=IBAN)
    url = reverse("admin:customers_bankaccount_add")

    response = manager_client.post(
        url, {"customer": str(customer.pk), "iban": SPACED_IBAN, "holder": ""}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["iban"] == [
        f"IBAN {IBAN} is already recorded for customer {customer}."
    ]


def test_invalid_phone_message_names_number(manager_client):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), forms.customer_data(customer, phone="+32 12")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [
        "+32 12 is not a valid phone number. Expected an international number "
        "with its country code, such as +32 2 555 12 12."
    ]


def test_invalid_contact_phone_message_names_number(manager_client):
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer)
    data = forms.customer_data(customer, **{"contacts-0-phone": "12345"})

    response = manager_client.post(change_url(customer), data)

    contact.refresh_from_db()
    assert response.status_code == 200
    assert "12345 is not a valid phone number." in response.text
    assert contact.phone == ""


def test_valid_phone_saved(manager_client):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), forms.customer_data(customer, phone="+32 2 555 12 12")
    )

    customer.refresh_from_db()
    assert response.status_code == 302
    assert str(customer.phone) == "+3225551212"


def test_page_lists_notifications(manager_client):
    customer = CustomerFactory()
    Notification.objects.create(
        key="test-customer-notice",
        event="trial_reminder",
        audience="customer",
        customer=customer,
        subject="Your trial ends soon",
    )

    response = manager_client.get(change_url(customer))

    assert response.status_code == 200
    assert "Your trial ends soon" in response.text


def test_page_with_notifications_saves(manager_client):
    customer = CustomerFactory(name="Before SRL")
    instance = InstanceFactory(customer=customer)
    Notification.objects.create(
        key="test-saved-notice",
        event="trial_reminder",
        audience="customer",
        customer=customer,
        instance=instance,
        subject="Your trial ends soon",
    )
    data = forms.customer_data(customer, name="After SRL")
    data.update(forms.management_form("notifications", initial=1))

    response = manager_client.post(change_url(customer), data)

    customer.refresh_from_db()
    assert response.status_code == 302
    assert customer.name == "After SRL"
    assert Notification.objects.filter(customer=customer).count() == 1
