"""The moments that `automate --at` accepts, for real runs and dry runs."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from saas_manager.automation.models import AutomationRun, RuleExecution
from saas_manager.automation.moments import (
    MomentRejected,
    check_real_run_moment,
    latest_moment_acted_for,
    parse_moment,
)
from saas_manager.billing.services import record_payment
from saas_manager.hosting.models import InstanceEvent, InstanceState, SuspensionKind
from saas_manager.notifications.models import Notification
from tests.automation.helpers import at, provisioned, run

pytestmark = pytest.mark.django_db


def _automate(*args, clock):
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(clock, tick=False):
        call_command("automate", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines()


def _stored():
    return (
        InstanceEvent.objects.count(),
        Notification.objects.count(),
        RuleExecution.objects.count(),
        AutomationRun.objects.count(),
    )


@pytest.fixture
def suspended(operator):
    """An instance the automation suspended on 17 February 2026 as overdue."""
    instance = provisioned(at(2026, 1, 10), trial_days=0)
    with time_machine.travel(at(2026, 1, 10, 9), tick=False):
        record_payment(instance=instance, amount="49.00", at=at(2026, 1, 10, 9))
    _automate(clock=at(2026, 2, 17, 0, 30))
    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED
    assert instance.suspension_kind == SuspensionKind.OVERDUE
    return instance


@pytest.mark.parametrize("value", ["1900-01-01", "2026-02-10", "2026-02-17T00:29"])
def test_real_run_before_latest_run_rejected(suspended, value):
    before = _stored()

    with pytest.raises(CommandError) as error:
        _automate("--at", value, clock=at(2026, 2, 18))

    message = str(error.value)
    assert message.startswith(f"--at {value} is ")
    assert _stored() == before
    suspended.refresh_from_db()
    assert suspended.state == InstanceState.SUSPENDED


def test_real_run_message_names_range(suspended):
    with pytest.raises(CommandError) as error:
        _automate("--at", "2026-02-10", clock=at(2026, 2, 18))

    assert str(error.value) == (
        "--at 2026-02-10 is not accepted for a real run: expected a moment from "
        "2026-02-17T00:30:00+01:00 (the latest moment the automation ran for or "
        "an instance changed state) to 2026-02-18T06:05:00+01:00 (now plus 5 "
        "minutes). Add --dry-run to see what a run at another moment from "
        "2000-01-01 to 2999-12-31 would do."
    )


def test_dry_run_before_latest_run_accepted(suspended):
    before = _stored()

    lines = _automate("--dry-run", "--at", "2026-02-10", clock=at(2026, 2, 18))

    assert f"reactivation: {suspended}: would " in lines[0]
    assert _stored() == before
    suspended.refresh_from_db()
    assert suspended.state == InstanceState.SUSPENDED


def test_real_run_too_far_ahead_rejected(suspended):
    before = _stored()

    with pytest.raises(CommandError) as error:
        _automate("--at", "2026-02-18T06:05:01+01:00", clock=at(2026, 2, 18))

    assert "to 2026-02-18T06:05:00+01:00 (now plus 5 minutes)" in str(error.value)
    assert _stored() == before


def test_real_run_within_tolerance_accepted(suspended):
    lines = _automate("--at", "2026-02-18T06:05:00+01:00", clock=at(2026, 2, 18))

    assert lines[-1] == "Run for 2026-02-18T06:05:00+01:00: 0 actions, 0 failures."
    assert AutomationRun.objects.first().run_for == at(2026, 2, 18, 6, 5)


def test_real_run_at_latest_moment_accepted(suspended):
    lines = _automate("--at", "2026-02-17T00:30:00+01:00", clock=at(2026, 2, 18))

    assert lines[-1].startswith("Run for 2026-02-17T00:30:00+01:00")


def test_real_run_stores_run(suspended):
    runs = list(AutomationRun.objects.values_list("run_for", "actions", "failures"))

    assert runs == [(at(2026, 2, 17, 0, 30), 1, 0)]
    assert AutomationRun.objects.get().finished_at is not None


def test_dry_run_stores_no_run(operator):
    _automate("--dry-run", clock=at(2026, 2, 18))

    assert not AutomationRun.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31",
        "0001-01-01",
        "1999-12-31T23:59:59",
        "3000-01-01",
        "9999-12-31T23:59:59-14:00",
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_moment_outside_supported_range_rejected(operator, value, dry_run):
    args = ["--dry-run"] if dry_run else []
    before = _stored()

    with pytest.raises(CommandError) as error:
        _automate(*args, "--at", value, clock=at(2026, 2, 18))

    assert str(error.value) == (
        f"--at {value} is outside the supported range: expected a moment from "
        "2000-01-01 to 2999-12-31."
    )
    assert _stored() == before


@pytest.mark.parametrize("value", ["2000-01-01", "2999-12-31T23:59:59-14:00"])
def test_dry_run_at_range_ends_runs(suspended, value):
    lines = _automate("--dry-run", "--at", value, clock=at(2026, 2, 18))

    assert lines[-1].endswith(" failures.")
    assert ", 0 failures." in lines[-1]


def test_real_run_without_history_has_no_lower_bound(operator):
    lines = _automate("--at", "2026-01-01", clock=at(2026, 2, 18))

    assert lines[-1] == "Run for 2026-01-01T00:00:00+01:00: 0 actions, 0 failures."


def test_real_run_without_history_message(operator):
    with pytest.raises(CommandError) as error:
        _automate("--at", "2026-03-01", clock=at(2026, 2, 18))

    assert "expected a moment no later than 2026-02-18T06:05:00+01:00" in str(
        error.value
    )


def test_latest_moment_counts_state_changes(operator):
    instance = provisioned(at(2026, 2, 1))

    latest = latest_moment_acted_for()

    assert latest == instance.events.get().at
    assert latest == at(2026, 2, 1)


def test_latest_moment_counts_runs(operator):
    run(at(2026, 2, 20))

    assert latest_moment_acted_for() == at(2026, 2, 20)


def test_records_ahead_of_clock_reject_every_moment(operator):
    provisioned(at(2026, 3, 1))

    with pytest.raises(MomentRejected) as error:
        check_real_run_moment(
            "--at", "2026-02-18", at(2026, 2, 18), now=at(2026, 2, 18)
        )

    assert "expected none, because the latest moment" in str(error.value)
    assert "check the clock" in str(error.value)


def test_parse_moment_keeps_offset():
    moment = parse_moment("--at", "2026-03-01T06:00:00-05:00")

    assert moment.utcoffset() == datetime.timedelta(hours=-5)
    assert moment == at(2026, 3, 1, 12)


def test_rules_still_run_for_any_moment(suspended):
    report = run(at(2026, 2, 10))

    assert [action.rule for action in report.actions] == ["reactivation"]
