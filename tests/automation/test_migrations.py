import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from saas_manager.automation.models import OperatorSettings

BEFORE_RANGES = [("automation", "0001_initial")]
AFTER_RANGES = [("automation", "0003_number_ranges")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_out_of_range_settings_clamped():
    old_apps = _migrate(BEFORE_RANGES)
    old_apps.get_model("automation", "OperatorSettings").objects.create(
        id=1,
        grace_period_days=30000,
        trial_reminder_days="7",
        payment_reminder_days="7",
        auto_termination_enabled=False,
        termination_warning_days=8000,
        termination_days=9000,
        provisioning_timeout_hours=0,
        pending_payment_days=5000,
        storage_alert_percent=90,
        sender_email="billing@operator.example",
        staff_emails="",
    )

    _migrate(AFTER_RANGES)
    _migrate(_latest())

    row = OperatorSettings.objects.get()
    assert row.grace_period_days == 3650
    assert row.termination_days == 3650
    assert row.termination_warning_days == 3649
    assert row.provisioning_timeout_hours == 1
    assert row.pending_payment_days == 3650
    assert row.storage_alert_percent == 90


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
