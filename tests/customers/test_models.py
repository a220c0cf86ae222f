import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_countries import countries
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_manager.customers.models import BankAccount, Contact, Customer
from saas_manager.customers.validators import normalize_vat_number
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def _customer(**fields) -> Customer:
    defaults = {"name": "Brasserie Dupont SRL", "country": "BE", "currency": "EUR"}
    return Customer(**{**defaults, **fields})


# VAT numbers


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("BE", "BE0403019261", "BE0403019261"),
        ("BE", "be 0403.019.261", "BE0403019261"),
        ("BE", "0403019261", "BE0403019261"),
        ("DE", "DE136695976", "DE136695976"),
        ("DE", "136695976", "DE136695976"),
        ("CH", "CHE-116.281.710 MWST", "CHE116281710MWST"),
    ],
)
def test_vat_number_valid_normalized(country, typed, stored):
    customer = _customer(country=country, vat_number=typed)

    customer.full_clean()

    assert customer.vat_number == stored


def test_vat_number_wrong_check_digit_rejected():
    customer = _customer(vat_number="BE0403019262")

    errors = _errors(customer)

    assert list(errors) == ["vat_number"]
    assert "BE0403019262 is not a valid VAT number for BE" in errors["vat_number"][0]


def test_vat_number_of_another_country_rejected():
    customer = _customer(country="DE", vat_number="BE0403019261")

    errors = _errors(customer)

    assert "BE0403019261 is not a valid VAT number for DE" in errors["vat_number"][0]


def test_vat_number_swiss_wrong_check_digit_rejected():
    customer = _customer(country="CH", vat_number="CHE-116.281.711 MWST")

    errors = _errors(customer)

    assert "CHE-116.281.711" in errors["vat_number"][0]


def test_vat_number_without_country_rejected():
    customer = _customer(country="", vat_number="BE0403019261")

    errors = _errors(customer)

    assert list(errors) == ["country"]
    assert "VAT number BE0403019261" in errors["country"][0]
    assert "country" in errors["country"][0]


def test_vat_number_country_without_checker_kept_compact():
    customer = _customer(country="AF", vat_number="123 456-789")

    customer.full_clean()

    assert customer.vat_number == "123456-789"


def test_vat_number_blank_accepted_without_country():
    customer = _customer(country="", vat_number="")

    customer.full_clean()

    assert customer.vat_number == ""


def test_vat_number_greece_uses_el_prefix():
    assert normalize_vat_number("094259216", "GR") == "EL094259216"


def test_vat_number_only_spaces_becomes_blank():
    assert normalize_vat_number("   ", "BE") == ""


@settings(max_examples=300, deadline=None)
@given(
    country=st.sampled_from([code for code, _name in countries]),
    value=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -./", max_size=24),
)
def test_vat_number_any_input_validated_or_rejected(country, value):
    try:
        result = normalize_vat_number(value, country)
    except ValidationError as error:
        assert "vat_number" in error.message_dict
    else:
        assert isinstance(result, str)
        assert " " not in result


# Country, currency and phone


def test_country_unknown_code_rejected():
    customer = _customer(country="ZZ")

    errors = _errors(customer)

    assert list(errors) == ["country"]
    assert "ZZ" in errors["country"][0]


@pytest.mark.parametrize("currency", ["EURO", "eur", "XXX", "ABC"])
def test_customer_currency_rejected(currency):
    customer = _customer(currency=currency)

    errors = _errors(customer)

    assert list(errors) == ["currency"]
    assert any(currency in message for message in errors["currency"])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+32 2 555 12 12", "+3225551212"), ("+49 30 901820", "+4930901820")],
)
def test_phone_valid_accepted(typed, stored):
    customer = _customer(phone=typed)

    customer.full_clean()
    customer.save()

    customer.refresh_from_db()
    assert str(customer.phone) == stored


@pytest.mark.parametrize("phone", ["12345", "+999 123", "+32 1", "not a number"])
def test_phone_invalid_rejected(phone):
    customer = _customer(phone=phone)

    errors = _errors(customer)

    assert list(errors) == ["phone"]
    assert any(f"{phone} is not a valid phone number" in m for m in errors["phone"])


def test_contact_phone_invalid_rejected():
    contact = ContactFactory.build(customer=CustomerFactory(), phone="12345")

    errors = _errors(contact)

    assert list(errors) == ["phone"]
    assert any("12345 is not a valid phone number" in m for m in errors["phone"])


# External references


def test_external_reference_unique_rejected_by_full_clean():
    first = CustomerFactory(name="First SRL", external_reference="ERP-1001")
    second = _customer(external_reference="ERP-1001")

    errors = _errors(second)

    assert list(errors) == ["external_reference"]
    message = errors["external_reference"][0]
    assert "ERP-1001" in message
    assert first.name in message


def test_external_reference_unique_rejected_by_database():
    CustomerFactory(external_reference="ERP-1001")

    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(external_reference="ERP-1001")


def test_external_reference_blank_not_unique():
    CustomerFactory(external_reference="")
    second = _customer(external_reference="")

    second.full_clean()
    second.save()

    assert Customer.objects.filter(external_reference="").count() == 2


def test_external_reference_kept_on_resave():
    customer = CustomerFactory(external_reference="ERP-1001")

    customer.full_clean()

    assert customer.external_reference == "ERP-1001"


def test_contact_external_reference_unique():
    ContactFactory(external_reference="CRM-7")
    contact = ContactFactory.build(
        customer=CustomerFactory(), external_reference="CRM-7"
    )

    errors = _errors(contact)

    assert list(errors) == ["external_reference"]
    assert "CRM-7" in errors["external_reference"][0]


# Contacts


def test_contact_opt_in_without_email_rejected():
    contact = Contact(customer=CustomerFactory(), name="Ann Peeters", opt_in=True)

    errors = _errors(contact)

    assert list(errors) == ["email"]
    assert "Ann Peeters" in errors["email"][0]
    assert "e-mail address is required" in errors["email"][0]


def test_contact_opt_out_without_email_accepted():
    contact = Contact(customer=CustomerFactory(), name="Ann Peeters", opt_in=False)

    contact.full_clean()
    contact.save()

    assert Contact.objects.get(name="Ann Peeters").email == ""


def test_contact_opt_in_with_email_accepted():
    contact = Contact(
        customer=CustomerFactory(),
        name="Ann Peeters",
        email="ann@dupont.example",
        opt_in=True,
    )

    contact.full_clean()
    contact.save()

    assert Contact.objects.get(name="Ann Peeters").opt_in is True


# IBANs


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("BE71 0961 2345 6769", "BE71096123456769"),
        ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ],
)
def test_iban_valid_compacted(typed, stored):
    account = BankAccount(customer=CustomerFactory(), iban=typed)

    account.full_clean()
    account.save()

    account.refresh_from_db()
    assert account.iban == stored


@pytest.mark.parametrize(
    "iban", ["BE71096123456760", "DE89370400440532013001", "XX00", "BE68"]
)
def test_iban_invalid_rejected(iban):
    account = BankAccount(customer=CustomerFactory(), iban=iban)

    errors = _errors(account)

    assert list(errors) == ["iban"]
    assert f"{iban} is not a valid IBAN" in errors["iban"][0]


def test_iban_already_recorded_rejected():
    owner = CustomerFactory(name="Owner SA")
    BankAccount.objects.create(customer=owner, iban="BE71096123456769")
    account = BankAccount(customer=CustomerFactory(), iban="BE71 0961 2345 6769")

    errors = _errors(account)

    assert list(errors) == ["iban"]
    assert "BE71096123456769" in errors["iban"][0]
    assert "Owner SA" in errors["iban"][0]


def test_iban_already_recorded_rejected_by_database():
    BankAccount.objects.create(customer=CustomerFactory(), iban="BE71096123456769")

    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(
            customer=CustomerFactory(), iban="BE71 0961 2345 6769"
        )
