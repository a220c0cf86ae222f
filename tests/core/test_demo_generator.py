import datetime

import pytest
from django.db import transaction

from saas_manager.billing.models import Payment
from saas_manager.cli import command_line
from saas_manager.core import demo
from saas_manager.customers.models import Customer
from saas_manager.hosting.models import Instance


@pytest.mark.django_db
def test_same_seed_same_data():
    today = datetime.date(2026, 3, 15)

    def fingerprint():
        with transaction.atomic():
            demo.load(seed=7, today=today)
            rows = (
                list(Customer.objects.values_list("name", "vat_number", "phone")),
                list(
                    Instance.objects.order_by("database_name").values_list(
                        "database_name", "state", "trial_end_date", "paid_up_to"
                    )
                ),
                list(
                    Payment.objects.order_by("transaction_reference").values_list(
                        "transaction_reference", "amount", "date"
                    )
                ),
            )
            transaction.set_rollback(True)
        return rows

    first = fingerprint()
    second = fingerprint()

    assert first == second


def test_command_line_hyphenated_name():
    argv = ["saas-manager", "load-demo-data", "--if-empty"]

    assert command_line(argv) == ["saas-manager", "load_demo_data", "--if-empty"]


def test_command_line_keeps_options():
    argv = ["saas-manager", "--help"]

    assert command_line(argv) == argv
