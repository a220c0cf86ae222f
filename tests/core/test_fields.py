from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models, transaction
from django.test import override_settings

from saas_manager.catalog.models import ServicePackage
from saas_manager.core.fields import EncryptedTextField, MoneyField
from saas_manager.hosting.models import Server
from tests.factories import ServerFactory, ServicePackageFactory


def _raw_column(model: type[models.Model], column: str, pk: int):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def test_money_field_is_a_decimal_field():
    field = ServicePackage._meta.get_field("monthly_price")

    assert isinstance(field, MoneyField)
    assert isinstance(field, models.DecimalField)
    assert field.decimal_places == 2


@pytest.mark.django_db
def test_money_reads_back_as_decimal():
    package = ServicePackageFactory(monthly_price=Decimal("49.90"))

    package.refresh_from_db()

    assert type(package.monthly_price) is Decimal
    assert package.monthly_price == Decimal("49.90")


@pytest.mark.django_db
def test_money_float_rejected_by_full_clean():
    package = ServicePackage(name="Float", code="FLOAT", monthly_price=0.1)

    with pytest.raises(ValidationError) as caught:
        package.full_clean()

    messages = caught.value.message_dict["monthly_price"]
    assert any("0.1 is a float" in message for message in messages)


@pytest.mark.django_db
def test_money_float_rejected_on_save():
    package = ServicePackage(name="Float", code="FLOAT", monthly_price=19.5)

    with pytest.raises(ValidationError) as caught, transaction.atomic():
        package.save()

    assert "19.5 is a float" in caught.value.messages[0]
    assert not ServicePackage.objects.filter(code="FLOAT").exists()


@pytest.mark.django_db
def test_money_negative_message_names_value():
    package = ServicePackage(name="Negative", code="NEG", monthly_price=Decimal("-1"))

    with pytest.raises(ValidationError) as caught:
        package.full_clean()

    messages = caught.value.message_dict["monthly_price"]
    assert any(message.startswith("-1 is less than 0") for message in messages)


@pytest.mark.django_db
def test_money_too_many_digits_message_names_value():
    amount = Decimal("1234567890123.45")
    package = ServicePackage(name="Huge", code="HUGE", monthly_price=amount)

    with pytest.raises(ValidationError) as caught:
        package.full_clean()

    messages = caught.value.message_dict["monthly_price"]
    assert any(str(amount) in message for message in messages)


def test_encrypted_field_type():
    field = Server._meta.get_field("master_password")

    assert isinstance(field, EncryptedTextField)


@pytest.mark.django_db
def test_master_password_not_stored_in_clear():
    server = ServerFactory(master_password="s3cret-admin-pass")

    raw = _raw_column(Server, "master_password", server.pk)

    assert raw
    assert "s3cret-admin-pass" not in raw
    assert raw.startswith("gAAAA")


@pytest.mark.django_db
def test_master_password_reads_back():
    server = ServerFactory(master_password="s3cret-admin-pass")

    stored = Server.objects.get(pk=server.pk)

    assert stored.master_password == "s3cret-admin-pass"


@pytest.mark.django_db
def test_master_password_blank_stays_blank():
    server = ServerFactory(master_password="")

    raw = _raw_column(Server, "master_password", server.pk)

    assert raw == ""
    assert Server.objects.get(pk=server.pk).master_password == ""


@pytest.mark.django_db
def test_master_password_absent_from_history():
    server = ServerFactory(master_password="s3cret-admin-pass")

    history_fields = {field.name for field in Server.history.model._meta.fields}

    assert "master_password" not in history_fields
    assert server.history.count() == 1


@pytest.mark.django_db
def test_master_password_wrong_key_raises_clear_error():
    server = ServerFactory(master_password="s3cret-admin-pass")

    with (
        override_settings(FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()),
        pytest.raises(ValueError) as caught,
    ):
        Server.objects.get(pk=server.pk)

    message = str(caught.value)
    assert "Server.master_password" in message
    assert "FIELD_ENCRYPTION_KEY is not the key it was stored with" in message


@pytest.mark.django_db
@override_settings(FIELD_ENCRYPTION_KEY="not-a-fernet-key")
def test_master_password_invalid_key_raises_improperly_configured():
    server = Server(
        name="node-bad-key",
        country="DE",
        base_url="https://node-bad-key.example",
        odoo_versions="17.0",
        master_password="s3cret-admin-pass",
    )

    with pytest.raises(ImproperlyConfigured) as caught:
        server.save()

    assert "FIELD_ENCRYPTION_KEY is not a Fernet key" in str(caught.value)
