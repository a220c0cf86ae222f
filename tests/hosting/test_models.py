from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from saas_manager.catalog.models import BillingCycle
from saas_manager.hosting.models import Instance, InstanceState, Server
from saas_manager.hosting.validators import (
    parse_odoo_versions,
    validate_database_name,
    validate_hostname,
    validate_odoo_version,
)
from tests.factories import (
    CustomerFactory,
    InstanceFactory,
    ServerFactory,
    ServicePackageFactory,
)

pytestmark = pytest.mark.django_db


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def _instance(**fields) -> Instance:
    """Build an unsaved instance whose customer, package and server are stored."""
    defaults = {
        "customer": CustomerFactory(),
        "package": ServicePackageFactory(),
        "server": ServerFactory(),
        "database_name": "acme-erp",
        "odoo_version": "17.0",
        "price": Decimal("49.00"),
        "currency": "EUR",
    }
    return Instance(**{**defaults, **fields})


def test_instance_valid_accepted():
    instance = _instance()

    instance.full_clean()
    instance.save()

    assert Instance.objects.get(database_name="acme-erp") == instance


# Database name


@pytest.mark.parametrize(
    "name", ["acme", "abc", "acme-erp-2", "a1b", "123", "a--b", "a" * 63]
)
def test_database_name_valid_accepted(name):
    result = validate_database_name(name)

    assert result is None


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Acme",
        "-acme",
        "acme-",
        "acme_erp",
        "acme.erp",
        "acme erp",
        "acme\n",
        "acmé",
        "",
    ],
)
def test_database_name_invalid_rejected(name):
    instance = _instance(database_name=name)

    errors = _errors(instance)

    assert list(errors) == ["database_name"]
    if name:
        assert any(
            f"{name} is not a valid database name" in message
            for message in errors["database_name"]
        )


def test_database_name_taken_rejected_by_full_clean():
    InstanceFactory(database_name="acme-erp")
    instance = _instance(database_name="acme-erp")

    errors = _errors(instance)

    assert list(errors) == ["database_name"]
    assert errors["database_name"] == [
        "Another instance already uses database name acme-erp."
    ]


def test_database_name_taken_rejected_by_database():
    InstanceFactory(database_name="acme-erp")

    with pytest.raises(IntegrityError), transaction.atomic():
        InstanceFactory(database_name="acme-erp")


def test_database_name_kept_on_resave():
    instance = InstanceFactory(database_name="acme-erp")

    instance.full_clean()

    assert instance.database_name == "acme-erp"


# Custom domain


@pytest.mark.parametrize(
    "domain", ["erp.example.com", "erp-2.acme.co.uk", "xn--caf-dma.example"]
)
def test_hostname_valid_accepted(domain):
    result = validate_hostname(domain)

    assert result is None


@pytest.mark.parametrize(
    "domain",
    [
        "erp",
        "-erp.example.com",
        "erp-.example.com",
        "erp.example.com.",
        "erp..example.com",
        "erp_x.example.com",
        "1.2.3.4",
        "erp.example.com\nx",
        "café.example",
        "https://erp.example.com",
        "a" * 64 + ".example.com",
    ],
)
def test_hostname_invalid_rejected(domain):
    package = ServicePackageFactory(has_custom_domain=True)
    instance = _instance(package=package, custom_domain=domain)

    errors = _errors(instance)

    assert list(errors) == ["custom_domain"]
    assert any(
        f"{domain} is not a valid domain name" in message
        for message in errors["custom_domain"]
    )


@pytest.mark.parametrize(
    "domain", ["erp.Example.com", "ERP.EXAMPLE.COM", " erp.example.com\n"]
)
def test_custom_domain_lowercased(domain):
    package = ServicePackageFactory(has_custom_domain=True)
    instance = _instance(package=package, custom_domain=domain)

    instance.full_clean()
    instance.save()

    instance.refresh_from_db()
    assert instance.custom_domain == "erp.example.com"


def test_custom_domain_lowercased_on_save():
    package = ServicePackageFactory(has_custom_domain=True)

    instance = InstanceFactory(package=package, custom_domain="Erp.Example.com")

    instance.refresh_from_db()
    assert instance.custom_domain == "erp.example.com"


def test_custom_domain_taken_in_other_case_rejected():
    package = ServicePackageFactory(has_custom_domain=True)
    InstanceFactory(
        database_name="first", package=package, custom_domain="erp.example.com"
    )
    instance = _instance(package=package, custom_domain="ERP.example.com")

    errors = _errors(instance)

    assert errors["custom_domain"] == [
        "Instance first already uses custom domain erp.example.com."
    ]


def test_custom_domain_with_feature_accepted():
    package = ServicePackageFactory(has_custom_domain=True)
    instance = _instance(package=package, custom_domain="erp.acme.example")

    instance.full_clean()
    instance.save()

    instance.refresh_from_db()
    assert instance.custom_domain == "erp.acme.example"


def test_custom_domain_without_feature_rejected():
    package = ServicePackageFactory(name="Starter", has_custom_domain=False)
    instance = _instance(package=package, custom_domain="erp.acme.example")

    errors = _errors(instance)

    assert list(errors) == ["custom_domain"]
    message = errors["custom_domain"][0]
    assert "Package Starter does not include a custom domain" in message
    assert "erp.acme.example" in message


def test_custom_domain_taken_rejected_by_full_clean():
    package = ServicePackageFactory(has_custom_domain=True)
    InstanceFactory(
        database_name="first", package=package, custom_domain="erp.acme.example"
    )
    instance = _instance(package=package, custom_domain="erp.acme.example")

    errors = _errors(instance)

    assert list(errors) == ["custom_domain"]
    assert errors["custom_domain"] == [
        "Instance first already uses custom domain erp.acme.example."
    ]


def test_custom_domain_taken_rejected_by_database():
    InstanceFactory(custom_domain="erp.acme.example")

    with pytest.raises(IntegrityError), transaction.atomic():
        InstanceFactory(custom_domain="erp.acme.example")


def test_custom_domain_blank_not_unique():
    InstanceFactory(custom_domain="")
    instance = _instance(custom_domain="")

    instance.full_clean()
    instance.save()

    assert Instance.objects.filter(custom_domain="").count() == 2


# Odoo versions


@pytest.mark.parametrize("version", ["17.0", "18.0", "saas~18.3", "8.0"])
def test_odoo_version_valid_accepted(version):
    result = validate_odoo_version(version)

    assert result is None


@pytest.mark.parametrize(
    "version",
    [
        "17",
        "v17.0",
        "17.0.1",
        "saas-18.3",
        "saas~18",
        "17.0\n",
        # 17.0 in Arabic-Indic digits, which \d would accept.
        "\u0661\u0667.\u0660",
        "17.x",
        "",
    ],
)
def test_odoo_version_invalid_rejected(version):
    with pytest.raises(ValidationError) as caught:
        validate_odoo_version(version)

    assert f"{version} is not an Odoo version" in caught.value.messages[0]


@pytest.mark.parametrize("version", ["17", "v17.0"])
def test_instance_odoo_version_invalid_rejected(version):
    instance = _instance(odoo_version=version)

    errors = _errors(instance)

    assert "odoo_version" in errors
    assert any(
        f"{version} is not an Odoo version" in message
        for message in errors["odoo_version"]
    )


def test_instance_odoo_version_not_on_server_rejected():
    server = ServerFactory(name="node-old", odoo_versions="16.0, 17.0")
    instance = _instance(server=server, odoo_version="18.0")

    errors = _errors(instance)

    assert list(errors) == ["odoo_version"]
    message = errors["odoo_version"][0]
    assert "Server node-old does not run Odoo 18.0" in message
    assert "16.0, 17.0" in message


def test_instance_saas_version_on_server_accepted():
    server = ServerFactory(odoo_versions="18.0, saas~18.3")
    instance = _instance(server=server, odoo_version="saas~18.3")

    instance.full_clean()
    instance.save()

    assert instance.pk is not None


def test_server_versions_normalized():
    server = ServerFactory.build(odoo_versions="17.0,18.0 ,  saas~18.3")

    server.full_clean()

    assert server.odoo_versions == "17.0, 18.0, saas~18.3"
    assert server.versions == ["17.0", "18.0", "saas~18.3"]


@pytest.mark.parametrize("versions", ["17.0, v18.0", "17", "17.0; 18.0"])
def test_server_versions_invalid_rejected(versions):
    server = ServerFactory.build(odoo_versions=versions)

    errors = _errors(server)

    assert list(errors) == ["odoo_versions"]
    assert "is not an Odoo version" in errors["odoo_versions"][0]


def test_server_name_taken_rejected_by_full_clean():
    ServerFactory(name="node-1")
    server = ServerFactory.build(name="node-1")

    errors = _errors(server)

    assert list(errors) == ["name"]
    assert errors["name"] == ["Another server is already named node-1."]


def test_server_name_taken_rejected_by_database():
    ServerFactory(name="node-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Server.objects.create(
            name="node-1",
            country="DE",
            base_url="https://node-1.example",
            odoo_versions="17.0",
        )


def test_parse_versions_skips_empty_parts():
    assert parse_odoo_versions("17.0,, 18.0,") == ["17.0", "18.0"]


# Package and server that take new instances


def test_archived_package_rejected_for_new_instance():
    package = ServicePackageFactory(name="Legacy", is_active=False)
    instance = _instance(package=package)

    errors = _errors(instance)

    assert list(errors) == ["package"]
    assert errors["package"] == ["Package Legacy is archived and cannot be sold."]


def test_archived_package_keeps_existing_instance():
    instance = InstanceFactory()
    instance.package.is_active = False
    instance.package.save()

    instance.full_clean()

    assert Instance.objects.filter(pk=instance.pk).exists()


def test_inactive_server_rejected_for_new_instance():
    server = ServerFactory(name="node-off", is_active=False)
    instance = _instance(server=server)

    errors = _errors(instance)

    assert list(errors) == ["server"]
    assert "Server node-off is not active" in errors["server"][0]


def test_inactive_server_keeps_existing_instance():
    instance = InstanceFactory()
    Server.objects.filter(pk=instance.server_id).update(is_active=False)
    instance.refresh_from_db()

    instance.full_clean()

    assert instance.server.is_active is False


def test_full_server_rejected_for_new_instance():
    server = ServerFactory(name="node-small", max_instances=1)
    InstanceFactory(server=server)
    instance = _instance(server=server)

    errors = _errors(instance)

    assert list(errors) == ["server"]
    message = errors["server"][0]
    assert "Server node-small is full" in message
    assert "1" in message


def test_instance_moved_to_archived_package_rejected():
    instance = InstanceFactory()
    instance.package = ServicePackageFactory(name="Legacy", is_active=False)

    errors = _errors(instance)

    assert list(errors) == ["package"]
    assert "Package Legacy is archived" in errors["package"][0]


def test_instance_moved_to_inactive_server_rejected():
    instance = InstanceFactory()
    instance.server = ServerFactory(name="node-off", is_active=False)

    errors = _errors(instance)

    assert list(errors) == ["server"]
    assert "Server node-off is not active" in errors["server"][0]


def test_instance_moved_to_full_server_rejected():
    full = ServerFactory(name="node-small", max_instances=1)
    InstanceFactory(server=full)
    instance = InstanceFactory()
    instance.server = full

    errors = _errors(instance)

    assert list(errors) == ["server"]
    assert "Server node-small is full" in errors["server"][0]


def test_instance_on_its_full_server_accepted():
    server = ServerFactory(max_instances=1)
    instance = InstanceFactory(server=server)

    instance.full_clean()

    assert server.is_full() is True


def test_full_server_ignores_terminated_instances():
    server = ServerFactory(max_instances=1)
    InstanceFactory(server=server, state=InstanceState.TERMINATED)
    instance = _instance(server=server)

    instance.full_clean()

    assert server.is_full() is False


def test_unlimited_server_never_full():
    server = ServerFactory(max_instances=None)
    InstanceFactory(server=server)

    assert server.is_full() is False


# Billing cycle and price


def test_billing_cycle_not_offered_rejected():
    package = ServicePackageFactory(
        name="Monthly only", monthly_price=Decimal("49.00"), yearly_price=None
    )
    instance = _instance(package=package, billing_cycle=BillingCycle.YEARLY)

    errors = _errors(instance)

    assert list(errors) == ["billing_cycle"]
    message = errors["billing_cycle"][0]
    assert "Package Monthly only has no yearly price" in message
    assert "monthly" in message


def test_billing_cycle_offered_accepted():
    package = ServicePackageFactory(monthly_price=None, yearly_price=Decimal("490"))
    instance = _instance(
        package=package, billing_cycle=BillingCycle.YEARLY, price=Decimal("490")
    )

    instance.full_clean()
    instance.save()

    assert instance.billing_cycle == BillingCycle.YEARLY


def test_billing_cycle_unknown_rejected():
    instance = _instance(billing_cycle="weekly")

    errors = _errors(instance)

    assert "billing_cycle" in errors
    assert any("weekly" in message for message in errors["billing_cycle"])


@pytest.mark.parametrize(
    ("currency", "price"), [("JPY", Decimal("100.5")), ("EUR", Decimal("19.999"))]
)
def test_price_with_more_decimals_than_currency_rejected(currency, price):
    instance = _instance(currency=currency, price=price)

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert any(
        f"{price} has more decimals than {currency} allows" in message
        for message in errors["price"]
    )


def test_price_decimals_reported_with_other_errors():
    server = ServerFactory(is_active=False)
    instance = _instance(server=server, currency="JPY", price=Decimal("100.5"))

    errors = _errors(instance)

    assert set(errors) == {"server", "price"}


def test_price_negative_rejected_by_full_clean():
    instance = _instance(price=Decimal("-5.00"))

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert errors["price"][0].startswith("-5.00 is less than 0")


def test_price_negative_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        InstanceFactory(price=Decimal("-5.00"))


@pytest.mark.parametrize("currency", ["EURO", "eur", "XXX", "ABC"])
def test_instance_currency_rejected(currency):
    instance = _instance(currency=currency)

    errors = _errors(instance)

    assert "currency" in errors
    assert any(currency in message for message in errors["currency"])


def test_instance_price_float_rejected():
    instance = _instance(price=49.9)

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert "49.9 is a float" in errors["price"][0]
