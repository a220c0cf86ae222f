"""The customer page: overview, contacts, bank accounts, linked tables, archive."""

from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.choices import PaymentKind
from saas_manager.catalog.models import BillingCycle
from saas_manager.customers.models import BankAccount, Contact, Customer
from saas_manager.hosting.models import InstanceState
from tests.admin import forms
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InstanceFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db


def change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def test_page_shows_revenue_per_currency(reader_client):
    customer = CustomerFactory()
    euros = PaymentFactory(customer=customer, amount=Decimal("1200.00"))
    PaymentFactory(
        customer=customer,
        kind=PaymentKind.REFUND,
        refund_of=euros,
        amount=Decimal("200.50"),
    )
    PaymentFactory(customer=customer, amount=Decimal("99.99"), currency="USD")

    response = reader_client.get(change_url(customer))

    overview = response.context["customer_overview"]
    revenue = {row["currency"]: row["revenue"] for row in overview["currencies"]}
    assert revenue == {"EUR": "999.50 EUR", "USD": "99.99 USD"}
    assert "999.50 EUR" in response.text
    assert "99.99 USD" in response.text


def test_page_shows_recurring_revenue(reader_client):
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE, price="49.00")
    InstanceFactory(
        customer=customer,
        state=InstanceState.ACTIVE,
        billing_cycle=BillingCycle.YEARLY,
        price="1000.00",
    )

    response = reader_client.get(change_url(customer))

    (row,) = response.context["customer_overview"]["currencies"]
    # 49.00 + 1000.00 / 12 = 132.333...
    assert row["recurring_revenue"] == "132.33 EUR"


def test_page_counts_instances_by_state(reader_client):
    customer = CustomerFactory()
    InstanceFactory(customer=customer, state=InstanceState.ACTIVE)
    InstanceFactory(customer=customer, state=InstanceState.TRIAL)
    InstanceFactory(customer=customer, state=InstanceState.TRIAL)

    response = reader_client.get(change_url(customer))

    states = {
        state["value"]: state["count"]
        for state in response.context["customer_overview"]["states"]
    }
    assert states["active"] == 1
    assert states["trial"] == 2
    assert states["terminated"] == 0


def test_page_links_each_instance_and_payment(reader_client):
    customer = CustomerFactory()
    instance = InstanceFactory(customer=customer, database_name="acme-prod")
    payment = PaymentFactory(customer=customer, transaction_reference="TX-1")
    other = InstanceFactory(database_name="someone-else")

    response = reader_client.get(change_url(customer))

    instance_url = reverse("admin:hosting_instance_change", args=[instance.pk])
    payment_url = reverse("admin:billing_payment_change", args=[payment.pk])
    assert f'href="{instance_url}' in response.text
    assert f'href="{payment_url}' in response.text
    assert "someone-else" not in response.text
    assert other.customer.name not in response.text


def test_page_has_contacts_inline_with_roles(reader_client):
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="Ada Lovelace", is_billing=True)

    response = reader_client.get(change_url(customer))

    assert "Ada Lovelace" in response.text
    prefixes = [
        formset.formset.prefix for formset in response.context["inline_admin_formsets"]
    ]
    assert prefixes == ["contacts", "bank_accounts", "notifications"]


def test_add_page_has_no_overview(manager_client):
    response = manager_client.get(reverse("admin:customers_customer_add"))

    assert response.status_code == 200
    assert "customer_overview" not in response.context
    assert response.context["datasets"] == []


def test_status_cannot_be_posted(manager_client):
    customer = CustomerFactory()

    response = manager_client.post(
        change_url(customer), forms.customer_data(customer, status="active")
    )

    customer.refresh_from_db()
    assert response.status_code == 302
    assert customer.status == "prospect"


def test_saving_adds_a_contact_with_roles(manager_client):
    customer = CustomerFactory()
    data = forms.customer_data(customer)
    data.update(forms.management_form("contacts", initial=0, total=1))
    data.update(
        {
            "contacts-0-name": "Grace Hopper",
            "contacts-0-email": "grace@customer.example",
            "contacts-0-is_technical": "on",
            "contacts-0-opt_in": "on",
        }
    )

    response = manager_client.post(change_url(customer), data)

    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert contact.name == "Grace Hopper"
    assert contact.roles == ["technical"]
    assert contact.opt_in is True


def test_saving_rejects_an_opted_in_contact_without_email(manager_client):
    customer = CustomerFactory()
    data = forms.customer_data(customer)
    data.update(forms.management_form("contacts", initial=0, total=1))
    data.update({"contacts-0-name": "No Mail", "contacts-0-opt_in": "on"})

    response = manager_client.post(change_url(customer), data)

    assert response.status_code == 200
    assert not Contact.objects.filter(customer=customer).exists()
    assert "e-mail address is required" in response.text


def test_saving_adds_a_bank_account(manager_client):
    customer = CustomerFactory()
    data = forms.customer_data(customer)
    data.update(forms.management_form("bank_accounts", initial=0, total=1))
    data.update({"bank_accounts-0-iban": "BE71 0961 2345 6769"})

    response = manager_client.post(change_url(customer), data)

    assert response.status_code == 302
    assert BankAccount.objects.get(customer=customer).iban == "BE71096123456769"


def test_delete_of_customer_with_payments_is_refused(manager_client):
    customer = CustomerFactory(name="Paying SRL")
    PaymentFactory(customer=customer)
    url = reverse("admin:customers_customer_delete", args=[customer.pk])

    response = manager_client.post(url, {"post": "yes"}, follow=True)

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert response.redirect_chain[-1][0] == change_url(customer)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "Customer Paying SRL cannot be deleted because it has 1 payment and "
        "0 instances. Archive it instead: its records are kept and it leaves "
        "the customer list."
    ]


def test_delete_of_customer_with_instances_is_refused(manager_client):
    customer = CustomerFactory()
    InstanceFactory(customer=customer)
    url = reverse("admin:customers_customer_delete", args=[customer.pk])

    response = manager_client.get(url)

    assert response.status_code == 302
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_archive_action_archives_selected(manager_client):
    kept, archived = CustomerFactory(), CustomerFactory()

    response = manager_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive", "_selected_action": [archived.pk]},
    )

    kept.refresh_from_db()
    archived.refresh_from_db()
    assert response.status_code == 302
    assert archived.is_archived is True
    assert kept.is_archived is False
    assert archived.history.latest().is_archived is True


def test_unarchive_action_unarchives_selected(manager_client):
    customer = CustomerFactory(is_archived=True)
    archived_list = reverse("admin:customers_customer_changelist") + "?archived=yes"

    manager_client.post(
        archived_list, {"action": "unarchive", "_selected_action": [customer.pk]}
    )

    customer.refresh_from_db()
    assert customer.is_archived is False


def test_archive_action_is_refused_to_reader(reader_client):
    customer = CustomerFactory()

    reader_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive", "_selected_action": [customer.pk]},
    )

    customer.refresh_from_db()
    assert customer.is_archived is False


def test_archive_button_archives_the_customer(staff_client):
    client = staff_client("billing_clerk")
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_archive_detail", args=[customer.pk])

    response = client.post(url, {"_form_submitted": "True"})

    customer.refresh_from_db()
    assert response.status_code == 302
    assert customer.is_archived is True


def test_archive_button_is_refused_to_reader(reader_client):
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_archive_detail", args=[customer.pk])

    response = reader_client.post(url, {"_form_submitted": "True"})

    customer.refresh_from_db()
    assert response.status_code == 403
    assert customer.is_archived is False


def test_page_offers_unarchive_on_an_archived_customer(manager_client):
    customer = CustomerFactory(is_archived=True)

    response = manager_client.get(change_url(customer))

    unarchive = reverse("admin:customers_customer_unarchive_detail", args=[customer.pk])
    archive = reverse("admin:customers_customer_archive_detail", args=[customer.pk])
    assert unarchive in response.text
    assert archive not in response.text


def test_list_hides_archived_customers_by_default(reader_client):
    CustomerFactory(name="Live SRL")
    CustomerFactory(name="Gone SRL", is_archived=True)
    url = reverse("admin:customers_customer_changelist")

    default = reader_client.get(url)
    archived = reader_client.get(url, {"archived": "yes"})

    assert "Live SRL" in default.text
    assert "Gone SRL" not in default.text
    assert "Gone SRL" in archived.text
    assert "Live SRL" not in archived.text


def test_archive_button_asks_for_confirmation(manager_client):
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_archive_detail", args=[customer.pk])

    response = manager_client.get(url)

    customer.refresh_from_db()
    assert response.status_code == 200
    assert "Archive this customer?" in response.text
    assert customer.is_archived is False


def test_archive_button_answers_htmx_with_redirect_header(manager_client):
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_archive_detail", args=[customer.pk])

    response = manager_client.post(
        url, {"_form_submitted": "True"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == change_url(customer)
