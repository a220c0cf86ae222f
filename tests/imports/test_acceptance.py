"""Imports of the real sample files through the `import` command.

The expected figures were computed once, apart from the product, by a short
script that reads each file with Python's csv module and sums with Decimal:
distinct Customer ID values, distinct (Customer ID, Contact Name) pairs,
distinct Product values, and the Sales amounts each quantized to 0.01 with
ROUND_HALF_UP (SaaS-Sales); the MonthlyCharges, times 12 where Contract is
not Month-to-month, and the Churn counts (Telco).
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from saas_manager.billing.models import Payment
from saas_manager.catalog.models import ServicePackage
from saas_manager.customers.models import Contact, Customer
from saas_manager.hosting.models import Instance, InstanceState, Server
from saas_manager.imports.models import ImportBatch

pytestmark = [pytest.mark.acceptance, pytest.mark.django_db(transaction=False)]

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

SAAS_SALES_ROWS = 9994
SAAS_SALES_CUSTOMERS = 99
SAAS_SALES_CONTACTS = 793
SAAS_SALES_PRODUCTS = 14
SAAS_SALES_TOTAL = Decimal("2297202.07")
# Sales values with more than two decimals, such as 957.5775 on line 5.
SAAS_SALES_ROUNDED = 4001

TELCO_ROWS = 7043
TELCO_PRICE_TOTAL = Decimal("2643163.55")
TELCO_CHURNED = 1869
TELCO_YEARLY = 3168


def test_odoo_contacts_export(shared_data):
    path = shared_data / "odoo-import-examples" / "res.partner.csv"

    call_command("import", str(path), mapping="odoo-contacts")

    assert Customer.objects.count() == 2
    assert Contact.objects.count() == 4
    grocery = Customer.objects.get(external_reference="res_partner_1")
    assert grocery.country.code == "US"
    assert grocery.website == "https://groceryoutlet.com"
    roles = {contact.name: contact.roles for contact in grocery.contacts.all()}
    assert roles == {
        "Bob": ["primary"],
        "Bill": [],
        "Warehouse": ["technical"],
        "Accounting dep.": ["billing"],
    }


def test_odoo_contacts_without_ids(shared_data):
    path = shared_data / "odoo-import-examples" / "o2m_customers_contacts.csv"
    call_command("import", str(path), mapping="odoo-contacts")

    call_command("import", str(path), mapping="odoo-contacts")

    assert Customer.objects.count() == 4
    assert Contact.objects.count() == 4
    second = ImportBatch.objects.order_by("pk").last()
    assert second.created_count == 0
    assert second.unchanged_count == 8
    assert Customer.objects.get(name="International Wood").region == "D.C."


def test_odoo_contacts_tags_sample(shared_data):
    # Five companies: Name, Reference, Tags, Customer, Street, City, Country.
    path = shared_data / "odoo-import-examples" / "m2m_customers_tags.csv"

    call_command("import", str(path), mapping="odoo-contacts")

    assert Customer.objects.count() == 5
    assert Contact.objects.count() == 0
    hydra = Customer.objects.get(name="Hydra Supplies")
    assert hydra.external_reference == "6"
    assert hydra.country.code == "US"
    assert hydra.city == "Los Angeles"


def test_odoo_contacts_module_data_technical_names(shared_data):
    # One partner with Odoo's technical column names (id, name, street, ...).
    path = shared_data / "odoo-module-data" / "res.partner.csv"

    call_command("import", str(path), mapping="odoo-contacts")

    customer = Customer.objects.get()
    assert customer.external_reference == "revatua_connector.partner_dgae"
    assert customer.city == "Papeete"
    assert customer.email == "dgae@economie.gov.pf"
    assert customer.website == "https://www.dgae.gov.pf"
    # country_id/id contains an XML id (base.pf), not a country name.
    assert customer.country == ""
    # So the phone "40 50 97 97" has no country to be read in.
    assert customer.phone == ""
    assert ImportBatch.objects.get().warning_count == 1


def test_saas_sales_rounded(shared_data):
    path = shared_data / "saas-sales" / "SaaS-Sales.csv"
    mapping = EXAMPLES / "saas-sales.json"

    call_command("import", str(path), mapping=str(mapping))

    batch = ImportBatch.objects.get()
    assert batch.rounded_count == SAAS_SALES_ROUNDED
    assert Customer.objects.count() == SAAS_SALES_CUSTOMERS
    assert Contact.objects.count() == SAAS_SALES_CONTACTS
    assert ServicePackage.objects.count() == SAAS_SALES_PRODUCTS
    assert Payment.objects.count() == SAAS_SALES_ROWS
    # Summed in Python: SQLite sums decimals as floating point.
    total = sum(Payment.objects.values_list("amount", flat=True))
    assert total == SAAS_SALES_TOTAL
    payment = Payment.objects.get(transaction_reference="16GRM07R1K")
    assert str(payment.date) == "2023-11-09"
    assert payment.customer.external_reference == "1017"
    assert ServicePackage.objects.filter(code="MARKETING-SUITE-GOLD").exists()

    call_command("import", str(path), mapping=str(mapping))

    second = ImportBatch.objects.order_by("pk").last()
    assert second.created_count == 0
    assert second.updated_count == 0
    assert Payment.objects.count() == SAAS_SALES_ROWS


def test_saas_sales_without_rounding_rejected(shared_data, tmp_path, capsys):
    path = shared_data / "saas-sales" / "SaaS-Sales.csv"
    document = json.loads((EXAMPLES / "saas-sales.json").read_text())
    document["records"][3]["fields"]["amount"]["round"] = False
    mapping = tmp_path / "no-rounding.json"
    mapping.write_text(json.dumps(document))

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), mapping=str(mapping))

    assert raised.value.returncode == 1
    batch = ImportBatch.objects.get()
    assert batch.rejected_count == SAAS_SALES_ROUNDED
    assert batch.error_count == SAAS_SALES_ROUNDED
    # A batch stores the first 1,000 errors only.
    assert len(batch.errors) == 1000
    first = batch.errors[0]
    assert first["line"] == 5
    assert first["column"] == "Sales"
    assert first["value"] == "957.5775"
    assert "957.5775 has 4 decimals; USD has 2" in first["message"]
    assert batch.errors[1]["line"] == 6
    assert Payment.objects.count() == 0
    assert Customer.objects.count() == 0
    error_output = capsys.readouterr().err
    assert f"{SAAS_SALES_ROUNDED - 1000} more errors are not stored" in error_output


def test_telco_churn(shared_data):
    path = shared_data / "telco-churn" / "Telco-Customer-Churn.csv"
    mapping = EXAMPLES / "telco-churn.json"

    call_command("import", str(path), "--as-of", "2024-12-31", mapping=str(mapping))

    assert Customer.objects.count() == TELCO_ROWS
    assert Instance.objects.count() == TELCO_ROWS
    assert ServicePackage.objects.count() == 3
    assert Server.objects.get().name == "imported-telco"
    total = sum(Instance.objects.values_list("price", flat=True))
    assert total == TELCO_PRICE_TOTAL
    assert Instance.objects.filter(state=InstanceState.TERMINATED).count() == (
        TELCO_CHURNED
    )
    assert Instance.objects.filter(billing_cycle="yearly").count() == TELCO_YEARLY
    first = Instance.objects.get(database_name="7590-vhveg")
    assert str(first.start_date) == "2024-11-30"
    assert first.payment_method == "other"
    assert first.package.code == "TELCO-DSL"
    yearly = Instance.objects.get(database_name="5575-gnvde")
    assert yearly.price == Decimal("683.40")
    assert yearly.payment_method == "cheque"

    call_command("import", str(path), "--as-of", "2024-12-31", mapping=str(mapping))

    second = ImportBatch.objects.order_by("pk").last()
    assert second.created_count == 0
    assert second.updated_count == 0
    assert Instance.objects.count() == TELCO_ROWS
