import pytest

from saas_manager.notifications.recipients import contact_addresses, staff_addresses
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_role_contacts_chosen():
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="boss@c.example", is_primary=True)
    ContactFactory(
        customer=customer, email="pay@c.example", is_primary=False, is_billing=True
    )

    addresses = contact_addresses(customer, ("billing",))

    assert addresses == ["pay@c.example"]


def test_primary_when_no_one_has_role():
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="boss@c.example", is_primary=True)
    ContactFactory(customer=customer, email="other@c.example", is_primary=False)

    addresses = contact_addresses(customer, ("technical",))

    assert addresses == ["boss@c.example"]


def test_opted_out_contact_skipped():
    customer = CustomerFactory()
    ContactFactory(
        customer=customer,
        email="pay@c.example",
        is_primary=False,
        is_billing=True,
        opt_in=False,
    )
    ContactFactory(customer=customer, email="boss@c.example", is_primary=True)

    addresses = contact_addresses(customer, ("billing",))

    assert addresses == ["boss@c.example"]


def test_customer_address_as_last_resort():
    customer = CustomerFactory(email="office@c.example")
    ContactFactory(customer=customer, email="boss@c.example", opt_in=False)

    addresses = contact_addresses(customer, ("billing",))

    assert addresses == ["office@c.example"]


def test_nobody_without_any_address():
    customer = CustomerFactory(email="")

    addresses = contact_addresses(customer, ("billing",))

    assert addresses == []


def test_same_address_listed_once():
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="Pay@c.example", is_billing=True)
    ContactFactory(customer=customer, email="pay@c.example", is_technical=True)

    addresses = contact_addresses(customer, ("billing", "technical"))

    assert addresses == ["Pay@c.example"]


def test_staff_copy_includes_account_manager(operator):
    manager = UserFactory(username="anna", email="anna@operator.example")
    customer = CustomerFactory(account_manager=manager)

    addresses = staff_addresses(customer, operator)

    assert addresses == ["ops@operator.example", "anna@operator.example"]


def test_inactive_account_manager_skipped(operator):
    manager = UserFactory(username="bert", is_active=False)
    customer = CustomerFactory(account_manager=manager)

    addresses = staff_addresses(customer, operator)

    assert addresses == ["ops@operator.example"]
