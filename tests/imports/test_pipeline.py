import codecs
import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saas_manager.billing.models import Payment
from saas_manager.customers.models import Customer, CustomerStatus
from saas_manager.hosting.models import Instance, InstanceState
from saas_manager.imports.mapping import parse_mapping
from saas_manager.imports.models import ImportBatch, ImportMode, ImportStatus
from saas_manager.imports.pipeline import Options, run_import
from tests.factories import CustomerFactory, PaymentFactory
from tests.imports.conftest import PAYMENTS_HEADER, PAYMENTS_MAPPING, payments_mapping

pytestmark = pytest.mark.django_db


def _run(content, mapping=None, **options):
    if isinstance(content, str):
        content = content.encode()
    return run_import(
        content,
        file_name="test.csv",
        mapping=mapping or payments_mapping(),
        options=Options(**options),
    )


def _csv(*rows, header=PAYMENTS_HEADER, newline="\n"):
    return newline.join([header, *rows, ""])


def test_import_saves_rows():
    content = _csv("C1,Acme SRL,REF-1,31/01/2024,120.50")

    batch = _run(content)

    assert batch.status == ImportStatus.SAVED
    payment = Payment.objects.get(transaction_reference="REF-1")
    assert payment.amount == Decimal("120.50")
    assert payment.date == datetime.date(2024, 1, 31)
    assert payment.customer.name == "Acme SRL"
    assert batch.summary["payment"] == {"created": 1, "updated": 0, "unchanged": 0}


def test_import_refreshes_customer_status():
    _run(_csv("C1,Acme SRL,REF-1,31/01/2024,120.50"))

    customer = Customer.objects.get(external_reference="C1")
    assert customer.status == CustomerStatus.TERMINATED


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_import_bom_and_line_endings(bom, newline):
    content = (
        bom
        + _csv("C1,Société Générale,REF-1,31/01/2024,1.00", newline=newline).encode()
    )

    batch = _run(content)

    assert batch.status == ImportStatus.SAVED
    assert Customer.objects.get().name == "Société Générale"
    assert batch.encoding == "utf-8"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_import_fallback_encoding(encoding):
    content = _csv("C1,Café Noël,REF-1,31/01/2024,1.00").encode(encoding)
    mapping = payments_mapping(fallback_encoding=encoding)

    batch = _run(content, mapping)

    assert batch.status == ImportStatus.SAVED
    assert Customer.objects.get().name == "Café Noël"


def test_import_without_fallback_rejects_file():
    content = _csv("C1,Café,REF-1,31/01/2024,1.00").encode("cp1252")

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["line"] == 0
    assert "offset" in batch.errors[0]["message"]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("decimal", "thousands", "cell", "expected"),
    [
        (",", ".", '"1.234,56"', Decimal("1234.56")),
        (".", ",", '"1,058.09"', Decimal("1058.09")),
    ],
)
def test_import_thousands_separators(decimal, thousands, cell, expected):
    mapping = payments_mapping(decimal_separator=decimal, thousands_separator=thousands)

    batch = _run(_csv(f"C1,Acme,REF-1,31/01/2024,{cell}"), mapping)

    assert batch.status == ImportStatus.SAVED
    assert Payment.objects.get().amount == expected


def test_import_rejects_negative_amount_with_field_and_value():
    batch = _run(_csv('C1,Acme,REF-1,31/01/2024,"-1,058.09"'))

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["line"] == 2
    assert error["column"] == "Amount"
    assert error["field"] == "amount"
    assert error["value"] == "-1,058.09"


def test_import_too_many_decimals_rejected():
    content = _csv("C1,Acme,REF-1,31/01/2024,10.005", "C1,Acme,REF-2,31/01/2024,3.10")

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert batch.rejected_count == 1
    assert batch.errors[0]["line"] == 2
    assert "10.005 has 3 decimals; EUR has 2" in batch.errors[0]["message"]
    assert Payment.objects.count() == 0


def test_import_rounds_half_up_and_counts():
    content = _csv(
        "C1,Acme,REF-1,31/01/2024,10.005",
        "C1,Acme,REF-2,31/01/2024,3.10",
        "C1,Acme,REF-3,31/01/2024,2.4449",
    )

    batch = _run(content, payments_mapping(amount={"round": True}))

    assert batch.status == ImportStatus.SAVED
    assert batch.rounded_count == 2
    amounts = dict(Payment.objects.values_list("transaction_reference", "amount"))
    assert amounts == {
        "REF-1": Decimal("10.01"),
        "REF-2": Decimal("3.10"),
        "REF-3": Decimal("2.44"),
    }


def test_import_amount_with_trailing_zeros():
    batch = _run(_csv("C1,Acme,REF-1,31/01/2024,4526.640"))

    assert batch.status == ImportStatus.SAVED
    assert batch.rounded_count == 0
    assert str(Payment.objects.get().amount) == "4526.64"


def test_import_twice_changes_nothing():
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,01/02/2024,2.00")
    _run(content)

    batch = _run(content)

    assert batch.status == ImportStatus.SAVED
    assert batch.created_count == 0
    assert batch.updated_count == 0
    assert batch.unchanged_count == 4
    assert Customer.objects.count() == 2
    assert Payment.objects.count() == 2


def test_import_updates_changed_customer():
    _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"))

    batch = _run(_csv("C1,Acme Renamed,REF-1,31/01/2024,1.00"))

    assert batch.summary["customer"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert Customer.objects.get().name == "Acme Renamed"


def test_import_all_or_none_saves_nothing():
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,31/02/2024,2.00")

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert batch.mode == ImportMode.ALL_OR_NONE
    assert Customer.objects.count() == 0
    assert Payment.objects.count() == 0


def test_import_partial_saves_valid_rows():
    content = _csv(
        "C1,Acme,REF-1,31/01/2024,1.00",
        "C2,Beta,REF-2,31/02/2024,2.00",
        "C3,Gamma,REF-3,01/03/2024,3.00",
    )

    batch = _run(content, partial=True)

    assert batch.status == ImportStatus.SAVED
    assert batch.rejected_count == 1
    assert sorted(Customer.objects.values_list("external_reference", flat=True)) == [
        "C1",
        "C3",
    ]
    assert Payment.objects.count() == 2


def test_import_partial_leaves_out_whole_row():
    # The customer of line 2 is valid, but its payment is not, so neither is
    # saved.
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00", "C2,Beta,REF-2,31/01/2024,abc")

    _run(content, partial=True)

    assert list(Customer.objects.values_list("external_reference", flat=True)) == ["C1"]


def test_import_error_names_line_column_value_reason():
    content = _csv(
        "C1,Acme,REF-1,31/01/2024,1.00",
        'C2,Beta,REF-2,"02/31/2024",2.00',
    )

    batch = _run(content)

    assert batch.errors == [
        {
            "line": 3,
            "column": "Date",
            "value": "02/31/2024",
            "field": "date",
            "message": "02/31/2024 is not a date in the format %d/%m/%Y, such as "
            "31/12/2024.",
        }
    ]


def test_import_line_numbers_count_quoted_line_breaks():
    mapping = payments_mapping()
    content = _csv('C1,"Acme\nSRL",REF-1,31/01/2024,1.00', "C2,Beta,REF-2,31/01/2024,x")

    batch = _run(content, mapping)

    assert batch.errors[0]["line"] == 4


def test_import_duplicate_row_key_rejected():
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00", "C1,Acme,REF-1,31/01/2024,1.00")

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["line"] == 3
    assert "Line 2 has the same key" in batch.errors[0]["message"]


def test_import_missing_column_rejects_file():
    content = "Customer ID,Customer,Reference,Date\nC1,Acme,REF-1,31/01/2024\n"

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert "Column Amount is missing from the header" in batch.errors[0]["message"]


def test_import_validates_with_full_clean():
    document = json.loads(json.dumps(payments_mapping().document))
    fields = document["records"][0]["fields"]
    fields["vat_number"] = {"column": "VAT"}
    fields["country"] = {"value": "BE"}
    content = _csv(
        "C1,Acme,REF-1,31/01/2024,1.00,BE0123", header=PAYMENTS_HEADER + ",VAT"
    )

    batch = _run(content, parse_mapping(document))

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["field"] == "vat_number"
    assert error["column"] == "VAT"
    assert error["value"] == "BE0123"
    assert "not a valid VAT number" in error["message"]


def test_import_dry_run_saves_nothing():
    batch = _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"), dry_run=True)

    assert batch.status == ImportStatus.PREVIEWED
    assert batch.created_count == 2
    assert Customer.objects.count() == 0
    assert Payment.objects.count() == 0
    assert bytes(batch.content).startswith(b"Customer ID")


def test_import_batch_records_the_run():
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00")

    batch = _run(content)

    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.row_count == 1
    assert len(batch.sha256) == 64
    assert batch.file_size == len(content.encode())
    assert batch.mapping == "test-payments"
    assert batch.mapping_document["name"] == "test-payments"
    assert bytes(batch.content) == b""


INSTANCES_MAPPING = {
    "format": 1,
    "name": "test-instances",
    "key_columns": ["Key"],
    "as_of": "2024-06-30",
    "records": [
        {
            "id": "customer",
            "model": "customer",
            "key": ["external_reference"],
            "fields": {
                "external_reference": {"column": "Key"},
                "name": {"column": "Key"},
                "currency": {"value": "USD"},
            },
        },
        {
            "id": "package",
            "model": "service_package",
            "key": ["code"],
            "update": False,
            "fields": {
                "code": {"value": "IMPORTED"},
                "name": {"value": "Imported"},
                "currency": {"value": "USD"},
                "monthly_price": {"value": "0.00"},
                "yearly_price": {"value": "0.00"},
            },
        },
        {
            "id": "server",
            "model": "server",
            "key": ["name"],
            "update": False,
            "fields": {
                "name": {"value": "imported"},
                "country": {"value": "US"},
                "base_url": {"value": "https://imported.example.com"},
                "odoo_versions": {"value": "17.0"},
            },
        },
        {
            "id": "instance",
            "model": "instance",
            "key": ["database_name"],
            "fields": {
                "customer": {"record": "customer"},
                "package": {"record": "package"},
                "server": {"record": "server"},
                "database_name": {"column": "Key", "transform": "dns_label"},
                "odoo_version": {"value": "17.0"},
                "currency": {"value": "USD"},
                "billing_cycle": {
                    "column": "Cycle",
                    "map": {"M": "monthly", "Y": "yearly"},
                },
                "price": {"column": "Monthly", "monthly_amount": True},
                "state": {"column": "State"},
                "start_date": {"column": "Months", "months_before_as_of": True},
                "billing_start": {"column": "Months", "months_before_as_of": True},
            },
        },
    ],
}


def test_import_instances_in_their_states():
    content = (
        "Key,Cycle,Monthly,State,Months\n"
        "AB-1,M,10.00,active,2\n"
        "CD-2,Y,10.00,terminated,5\n"
    )

    batch = _run(content, parse_mapping(INSTANCES_MAPPING))

    assert batch.status == ImportStatus.SAVED
    active = Instance.objects.get(database_name="ab-1")
    assert active.state == InstanceState.ACTIVE
    assert active.price == Decimal("10.00")
    assert active.start_date == datetime.date(2024, 4, 30)
    assert active.events.get().actor_kind == "import"
    terminated = Instance.objects.get(database_name="cd-2")
    assert terminated.price == Decimal("120.00")
    assert terminated.customer.status == CustomerStatus.TERMINATED
    assert active.customer.status == CustomerStatus.ACTIVE


def test_import_as_of_option_overrides_mapping():
    content = "Key,Cycle,Monthly,State,Months\nAB-1,M,10.00,active,2\n"

    _run(content, parse_mapping(INSTANCES_MAPPING), as_of=datetime.date(2025, 1, 15))

    assert Instance.objects.get().start_date == datetime.date(2024, 11, 15)


def test_import_rejects_invalid_database_name():
    content = "Key,Cycle,Monthly,State,Months\nA,M,10.00,active,2\n"

    batch = _run(content, parse_mapping(INSTANCES_MAPPING))

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["field"] == "database_name"
    assert error["value"] == "A"
    assert "not a valid database name" in error["message"]


def test_import_rejects_unmapped_value():
    content = "Key,Cycle,Monthly,State,Months\nAB-1,Weekly,10.00,active,2\n"

    batch = _run(content, parse_mapping(INSTANCES_MAPPING))

    assert batch.errors[0]["column"] == "Cycle"
    assert (
        "Weekly is not a known value; expected one of M, Y"
        in batch.errors[0]["message"]
    )


def test_import_does_not_change_stored_state():
    mapping = parse_mapping(INSTANCES_MAPPING)
    _run("Key,Cycle,Monthly,State,Months\nAB-1,M,10.00,active,2\n", mapping)

    batch = _run("Key,Cycle,Monthly,State,Months\nAB-1,M,10.00,suspended,2\n", mapping)

    assert batch.status == ImportStatus.SAVED
    assert batch.errors == []
    assert "The state is kept" in batch.warnings[0]["message"]
    assert batch.summary["instance"]["unchanged"] == 1
    assert Instance.objects.get().state == InstanceState.ACTIVE


def test_import_template_field():
    document = json.loads(json.dumps(payments_mapping().document))
    document["records"][1]["fields"]["notes"] = {"template": "Paid by {customer}"}

    _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"), parse_mapping(document))

    assert Payment.objects.get().notes == "Paid by Acme"


def test_import_existing_customer_matched_by_key():
    CustomerFactory(external_reference="C1", name="Acme")

    batch = _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"))

    assert batch.summary["customer"]["created"] == 0
    assert Customer.objects.count() == 1


def _mapping_with_keys(customer_key, payment_key):
    document = json.loads(json.dumps(payments_mapping().document))
    document["records"][0]["key"] = customer_key
    document["records"][1]["key"] = payment_key
    return parse_mapping(document)


def test_import_names_customer_with_taken_reference():
    CustomerFactory(external_reference="C1", name="Other SRL")
    mapping = _mapping_with_keys(["name"], ["method", "transaction_reference"])

    batch = _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"), mapping)

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["field"] == "external_reference"
    assert error["value"] == "C1"
    assert error["message"] == "Customer Other SRL already has external reference C1."


def test_import_names_payment_with_taken_reference():
    PaymentFactory(transaction_reference="REF-1", date=datetime.date(2024, 1, 2))
    mapping = _mapping_with_keys(["external_reference"], ["date", "method"])

    batch = _run(_csv("C1,Acme,REF-1,31/01/2024,1.00"), mapping)

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["field"] == "transaction_reference"
    assert error["value"] == "REF-1"
    assert "Bank transfer transaction REF-1 is already recorded" in error["message"]


def test_import_same_reference_twice_in_file():
    # Keyed by name, the two rows are two new customers with one external
    # reference. Neither is stored yet, so the unique constraint rejects the
    # second one on insert, and the message names the first.
    mapping = _mapping_with_keys(["name"], ["method", "transaction_reference"])
    content = _csv("C1,Acme,REF-1,31/01/2024,1.00", "C1,Beta,REF-2,31/01/2024,2.00")

    batch = _run(content, mapping, partial=True)

    assert batch.status == ImportStatus.SAVED
    assert batch.rejected_count == 1
    error = batch.errors[0]
    assert error["line"] == 3
    assert error["field"] == "external_reference"
    assert error["value"] == "C1"
    assert error["message"] == "Customer Acme already has external reference C1."
    assert list(Customer.objects.values_list("name", flat=True)) == ["Acme"]


def _queries_to_import(rows: int) -> int:
    # Each call imports a customer of its own, so both calls take the same path.
    lines = [f"C{rows},Acme,REF-{rows}-{n},31/01/2024,1.00" for n in range(rows)]
    with CaptureQueriesContext(connection) as queries:
        batch = _run(_csv(*lines))
    assert batch.status == ImportStatus.SAVED
    return len(queries)


def test_import_queries_do_not_grow_with_rows():
    few = _queries_to_import(2)

    # Twenty rows still fit in one insert under Django's limit of 999
    # parameters per SQLite query.
    many = _queries_to_import(20)

    assert many == few


def test_import_conflicting_values_for_one_key_rejected():
    content = _csv(
        "IMP-80,Same A,REF-1,31/01/2024,1.00", "IMP-80,Same B,REF-2,31/01/2024,2.00"
    )

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    assert batch.rejected_count == 1
    error = batch.errors[0]
    assert error["line"] == 3
    assert error["column"] == "Customer"
    assert error["value"] == "Same B"
    assert "Line 2" in error["message"]
    assert "'Same A'" in error["message"]
    assert "'Same B'" in error["message"]
    assert not Customer.objects.exists()


def test_import_repeated_equal_values_for_one_key_accepted():
    content = _csv(
        "IMP-80,Same A,REF-1,31/01/2024,1.00", "IMP-80,Same A,REF-2,31/01/2024,2.00"
    )

    batch = _run(content)

    assert batch.status == ImportStatus.SAVED
    assert Customer.objects.get().name == "Same A"
    assert Payment.objects.count() == 2


def test_import_on_conflict_first_keeps_first_value():
    document = json.loads(json.dumps(PAYMENTS_MAPPING))
    document["records"][0]["fields"]["name"]["on_conflict"] = "first"
    content = _csv(
        "IMP-80,Same A,REF-1,31/01/2024,1.00", "IMP-80,Same B,REF-2,31/01/2024,2.00"
    )

    batch = _run(content, parse_mapping(document))

    assert batch.status == ImportStatus.SAVED
    assert Customer.objects.get().name == "Same A"


def test_import_rejects_nul_in_cell():
    content = _csv("C1,Nul\x00Co,REF-1,31/01/2024,1.00")

    batch = _run(content)

    assert batch.status == ImportStatus.REJECTED
    error = batch.errors[0]
    assert error["line"] == 2
    assert error["column"] == "Customer"
    assert error["value"] == "'Nul\\x00Co'"
    assert "U+0000" in error["message"]


def test_import_short_row_names_cell_counts():
    content = _csv("C1,Acme,REF-1")

    batch = _run(content)

    assert batch.errors[0]["message"] == "The row has 3 cells; the header has 5."


def test_import_reports_every_bad_cell_of_row():
    document = json.loads(json.dumps(PAYMENTS_MAPPING))
    document["records"][0]["fields"]["country"] = {"column": "Country"}
    content = _csv(
        "C1,Acme,REF-1,2026-31-01,1.234,Atlantis",
        header=PAYMENTS_HEADER + ",Country",
    )

    batch = _run(content, parse_mapping(document))

    columns = [error["column"] for error in batch.errors]
    assert columns == ["Country", "Date", "Amount"]
    assert batch.errors[0]["value"] == "Atlantis"
    assert batch.errors[1]["value"] == "2026-31-01"
    assert batch.errors[2]["value"] == "1.234"
    assert batch.rejected_count == 1
