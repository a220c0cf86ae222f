import pytest

from saas_manager.customers.models import Contact, Customer
from saas_manager.imports.mapping import load_mapping
from saas_manager.imports.models import ImportStatus
from saas_manager.imports.pipeline import Options, run_import
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EXPORT_HEADER = (
    "ID,Name,Company Type,Related Company,Address Type,Street,City,State,Country,"
    "Phone,Email"
)
O2M_HEADER = "Name,Is a company,Related company,Address type,City,State,Country"


def _import(*rows, header=EXPORT_HEADER):
    content = "\n".join([header, *rows, ""]).encode()
    return run_import(
        content,
        file_name="contacts.csv",
        mapping=load_mapping("odoo-contacts"),
        options=Options(),
    )


def test_company_becomes_customer():
    batch = _import(
        "p1,Grocery Outlet,Company,,,51 Federal Street,San Francisco,California,"
        "United States,+1 415 555 0100,shop@grocery.example"
    )

    assert batch.status == ImportStatus.SAVED
    customer = Customer.objects.get()
    assert customer.external_reference == "p1"
    assert customer.country.code == "US"
    assert customer.region == "California"
    assert customer.phone.as_e164 == "+14155550100"


@pytest.mark.parametrize(
    ("address_type", "role"),
    [
        ("Contact", "primary"),
        ("", "primary"),
        ("Invoice address", "billing"),
        ("invoice", "billing"),
        ("Delivery address", "technical"),
        ("Shipping address", "technical"),
        ("delivery", "technical"),
    ],
)
def test_address_type_sets_role(address_type, role):
    _import(
        "p1,Acme,Company,,,,,,United States,,",
        f"p2,Ann,Individual,Acme,{address_type},,,,,,ann@acme.example",
    )

    contact = Contact.objects.get()
    assert contact.roles == [role]
    assert contact.customer.name == "Acme"


@pytest.mark.parametrize("address_type", ["Other address", "other"])
def test_other_address_has_no_role(address_type):
    _import("p1,Acme,Company,,,,,,,,", f"p2,Ann,Individual,Acme,{address_type},,,,,,")

    assert Contact.objects.get().roles == []


@pytest.mark.parametrize("address_type", ["Private Address", "private"])
def test_private_address_skipped(address_type):
    batch = _import(
        "p1,Acme,Company,,,,,,,,", f"p2,Ann,Individual,Acme,{address_type},,,,,,"
    )

    assert Contact.objects.count() == 0
    assert batch.skipped_count == 1


def test_unknown_address_type_rejected():
    batch = _import(
        "p1,Acme,Company,,,,,,,,", "p2,Ann,Individual,Acme,Holiday home,,,,,,"
    )

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["column"] == "Address Type"
    assert batch.errors[0]["value"] == "Holiday home"


def test_company_later_in_file():
    batch = _import("p2,Ann,Individual,Acme,Contact,,,,,,", "p1,Acme,Company,,,,,,,,")

    assert batch.status == ImportStatus.SAVED
    assert Contact.objects.get().customer.external_reference == "p1"


def test_company_already_stored():
    CustomerFactory(name="Acme")

    batch = _import("p2,Ann,Individual,Acme,Contact,,,,,,")

    assert batch.status == ImportStatus.SAVED
    assert Contact.objects.get().customer.name == "Acme"


def test_unknown_company_rejected():
    batch = _import("p2,Ann,Individual,Nowhere Ltd,Contact,,,,,,")

    error = batch.errors[0]
    assert error["line"] == 2
    assert error["column"] == "Related Company"
    assert error["value"] == "Nowhere Ltd"
    assert "No customer with name Nowhere Ltd" in error["message"]


def test_ambiguous_company_rejects_every_row():
    CustomerFactory(name="Acme")
    CustomerFactory(name="Acme")

    batch = _import(
        "p2,Ann,Individual,Acme,Contact,,,,,,",
        "p3,Bob,Individual,Acme,Contact,,,,,,",
    )

    assert batch.status == ImportStatus.REJECTED
    assert [error["line"] for error in batch.errors] == [2, 3]
    for error in batch.errors:
        assert error["column"] == "Related Company"
        assert error["value"] == "Acme"
        assert "Several stored customer records have name Acme" in error["message"]
    assert Contact.objects.count() == 0


def test_person_without_company_becomes_customer():
    _import("p3,Michael Mason,Individual,,,,,,,,")

    assert Customer.objects.get().name == "Michael Mason"
    assert Contact.objects.count() == 0


def test_invalid_phone_left_out_with_warning():
    batch = _import("p1,Acme,Company,,,,,,United States,123456789,")

    assert batch.status == ImportStatus.SAVED
    assert str(Customer.objects.get().phone) == ""
    assert batch.warnings[0]["value"] == "123456789"
    assert "not a valid phone number for US" in batch.warnings[0]["message"]


def test_contact_phone_uses_customer_country():
    _import(
        "p1,Acme,Company,,,,,,United States,,",
        "p2,Ann,Individual,Acme,,,,,,4157654321,",
    )

    assert Contact.objects.get().phone.as_e164 == "+14157654321"


def test_contact_without_email_not_opted_in():
    _import("p1,Acme,Company,,,,,,,,", "p2,Ann,Individual,Acme,,,,,,,")

    assert Contact.objects.get().opt_in is False


def test_header_without_id_keys_by_name():
    rows = ("Acme,1,,,Gent,,Belgium", "Ann,0,Acme,Invoice address,Gent,,Belgium")
    _import(*rows, header=O2M_HEADER)

    batch = _import(*rows, header=O2M_HEADER)

    assert batch.created_count == 0
    assert batch.unchanged_count == 2
    assert Contact.objects.get().is_billing is True
    assert Customer.objects.get().external_reference == ""


def test_is_a_company_column():
    _import("Acme,True,,,Gent,,Belgium", "Bob,0,,,Gent,,Belgium", header=O2M_HEADER)

    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Acme", "Bob"]


def test_header_without_related_company():
    batch = _import("Acme,Belgium", "Beta,France", header="Name,Country")

    assert batch.status == ImportStatus.SAVED
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Acme", "Beta"]
    assert Contact.objects.count() == 0


def test_reference_column_becomes_external_reference():
    _import("Acme,7,Belgium", header="Name,Reference,Country")

    assert Customer.objects.get().external_reference == "7"
