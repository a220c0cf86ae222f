import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from saas_manager.automation.checks import (
    check_operator_defaults,
    check_worker_settings,
)
from saas_manager.automation.models import OperatorSettings
from saas_manager.automation.operator import (
    defaults_from_environment,
    get_operator_settings,
)
from saas_manager.automation.runner import run_automation
from tests.automation.helpers import at, provisioned

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults(settings):
    settings.OPERATOR_DEFAULTS = {**settings.OPERATOR_DEFAULTS}
    return settings.OPERATOR_DEFAULTS


def test_first_read_creates_row_from_environment(defaults):
    defaults["GRACE_PERIOD_DAYS"] = "10"
    defaults["TRIAL_REMINDER_DAYS"] = "1, 7,3"
    defaults["STAFF_NOTIFICATION_EMAILS"] = "ops@example.com; boss@example.com"

    row = get_operator_settings()

    assert row.grace_period_days == 10
    assert row.trial_reminders == [7, 3, 1]
    assert row.staff_recipients == ["ops@example.com", "boss@example.com"]
    assert row.auto_termination_enabled is False
    assert OperatorSettings.objects.count() == 1


def test_documented_defaults(defaults):
    row = get_operator_settings()

    assert row.grace_period_days == 7
    assert row.trial_reminders == [7, 3, 1]
    assert row.auto_termination_enabled is False
    assert row.storage_alert_percent == 90


def test_second_read_returns_same_row(defaults):
    first = get_operator_settings()
    first.grace_period_days = 3
    first.save()

    second = get_operator_settings()

    assert second.pk == first.pk
    assert second.grace_period_days == 3
    assert OperatorSettings.objects.count() == 1


def test_save_keeps_single_row(defaults):
    get_operator_settings()

    OperatorSettings(**_values(get_operator_settings())).save()

    assert OperatorSettings.objects.count() == 1


def _values(row):
    return {
        field.name: getattr(row, field.name)
        for field in OperatorSettings._meta.concrete_fields
        if field.name not in ("id", "updated_at")
    }


def test_bad_environment_value_names_variable(defaults):
    defaults["GRACE_PERIOD_DAYS"] = "seven"
    defaults["STAFF_NOTIFICATION_EMAILS"] = "ops@example.com, not-an-address"

    with pytest.raises(ValidationError) as error:
        defaults_from_environment()

    messages = error.value.message_dict
    assert (
        "GRACE_PERIOD_DAYS: seven is not a whole number."
        in messages["grace_period_days"]
    )
    assert "STAFF_NOTIFICATION_EMAILS: not-an-address" in messages["staff_emails"][0]


def test_check_reports_bad_environment(defaults):
    defaults["AUTO_TERMINATION_ENABLED"] = "maybe"

    problems = check_operator_defaults(None)

    assert [problem.id for problem in problems] == ["automation.E001"]
    assert "AUTO_TERMINATION_ENABLED: maybe" in problems[0].msg


def test_check_passes_documented_defaults(defaults):
    problems = check_operator_defaults(None)

    assert problems == []


def test_negative_days_rejected(defaults):
    row = get_operator_settings()
    row.grace_period_days = -1

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert (
        "Grace period is -1 days: expected 0 to 3650 days."
        in error.value.message_dict["grace_period_days"]
    )


@pytest.mark.parametrize("value", ["7, x", "0", "400", "-3"])
def test_bad_reminder_days_rejected(defaults, value):
    row = get_operator_settings()
    row.trial_reminder_days = value

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert (
        "is not a valid number of days"
        in error.value.message_dict["trial_reminder_days"][0]
    )


def test_bad_staff_email_rejected(defaults):
    row = get_operator_settings()
    row.staff_emails = "ops@example.com, ops(at)example.com"

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert error.value.message_dict["staff_emails"] == [
        "ops(at)example.com is not a valid e-mail address: expected addresses "
        "such as billing@example.com separated by commas."
    ]


def test_termination_before_warning_rejected(defaults):
    row = get_operator_settings()
    row.termination_warning_days = 30
    row.termination_days = 30

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert "expected more than 30" in error.value.message_dict["termination_days"][0]


def test_storage_percent_above_hundred_rejected(defaults):
    row = get_operator_settings()
    row.storage_alert_percent = 101

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert error.value.message_dict["storage_alert_percent"] == [
        "Storage alert is 101 percent: expected 1 to 100 percent."
    ]


def _form_data(row, **changes):
    data = {
        name: value
        for name, value in _values(row).items()
        if name != "auto_termination_enabled"
    }
    data.update(changes)
    return data


def test_list_opens_the_row(client, manager, defaults):
    client.force_login(manager)

    response = client.get(reverse("admin:automation_operatorsettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:automation_operatorsettings_change", args=[1])


def test_manager_changes_settings(client, manager, defaults):
    row = get_operator_settings()
    client.force_login(manager)
    url = reverse("admin:automation_operatorsettings_change", args=[row.pk])

    response = client.post(url, _form_data(row, grace_period_days=14))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.grace_period_days == 14
    assert row.history.first().history_user == manager


def test_manager_sees_error_for_bad_email(client, manager, defaults):
    row = get_operator_settings()
    client.force_login(manager)
    url = reverse("admin:automation_operatorsettings_change", args=[row.pk])

    response = client.post(url, _form_data(row, sender_email="billing-at-example"))

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    row.refresh_from_db()
    assert row.sender_email != "billing-at-example"


def test_billing_clerk_cannot_change_settings(client, billing_clerk, defaults):
    row = get_operator_settings()
    client.force_login(billing_clerk)
    url = reverse("admin:automation_operatorsettings_change", args=[row.pk])

    response = client.post(url, _form_data(row, grace_period_days=1))

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.grace_period_days == 7


def test_reader_may_view_settings(client, reader, defaults):
    row = get_operator_settings()
    client.force_login(reader)

    response = client.get(
        reverse("admin:automation_operatorsettings_change", args=[row.pk])
    )

    assert response.status_code == 200


def test_worker_settings_pass_by_default():
    assert check_worker_settings(None) == []


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("AUTOMATION_INTERVAL_MINUTES", 0, "automation.E002"),
        ("AUTOMATION_INTERVAL_MINUTES", 2000, "automation.E002"),
        ("TASK_QUEUE_URL", "amqp://127.0.0.1", "automation.E003"),
        ("NOTIFICATION_MAX_ATTEMPTS", 0, "automation.E004"),
        ("NOTIFICATION_MAX_ATTEMPTS", 21, "automation.E004"),
    ],
)
def test_bad_worker_setting_reported(settings, name, value, code):
    setattr(settings, name, value)

    problems = check_worker_settings(None)

    assert [problem.id for problem in problems] == [code]
    assert str(value) in problems[0].msg


# Each number setting, a value just outside its range on either side, and the
# message that names it.
OUT_OF_RANGE = [
    ("grace_period_days", 3651, "Grace period is 3651 days: expected 0 to 3650 days."),
    (
        "grace_period_days",
        99999999999,
        "Grace period is 99999999999 days: expected 0 to 3650 days.",
    ),
    (
        "termination_warning_days",
        3651,
        "Termination warning is 3651 days: expected 0 to 3650 days.",
    ),
    ("termination_days", 0, "Termination is 0 days: expected 1 to 3650 days."),
    ("termination_days", 3651, "Termination is 3651 days: expected 1 to 3650 days."),
    (
        "provisioning_timeout_hours",
        0,
        "Provisioning timeout is 0 hours: expected 1 to 720 hours.",
    ),
    (
        "provisioning_timeout_hours",
        721,
        "Provisioning timeout is 721 hours: expected 1 to 720 hours.",
    ),
    (
        "pending_payment_days",
        0,
        "Pending payment alert is 0 days: expected 1 to 3650 days.",
    ),
    (
        "pending_payment_days",
        3651,
        "Pending payment alert is 3651 days: expected 1 to 3650 days.",
    ),
    (
        "storage_alert_percent",
        0,
        "Storage alert is 0 percent: expected 1 to 100 percent.",
    ),
]


@pytest.mark.parametrize(("name", "value", "message"), OUT_OF_RANGE)
def test_number_out_of_range_rejected(defaults, name, value, message):
    row = get_operator_settings()
    setattr(row, name, value)

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert message in error.value.message_dict[name]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("grace_period_days", 0),
        ("grace_period_days", 3650),
        ("termination_warning_days", 3649),
        ("termination_days", 3650),
        ("provisioning_timeout_hours", 720),
        ("pending_payment_days", 3650),
        ("storage_alert_percent", 1),
        ("storage_alert_percent", 100),
    ],
)
def test_number_at_limit_accepted(defaults, name, value):
    row = get_operator_settings()
    row.termination_days = 3650
    setattr(row, name, value)

    row.full_clean()
    row.save()

    row.refresh_from_db()
    assert getattr(row, name) == value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("grace_period_days", 3651),
        ("termination_warning_days", 3651),
        ("termination_days", 3651),
        ("provisioning_timeout_hours", 721),
        ("pending_payment_days", 0),
        ("storage_alert_percent", 101),
    ],
)
def test_database_rejects_out_of_range(defaults, name, value):
    get_operator_settings()

    with pytest.raises(IntegrityError), transaction.atomic():
        OperatorSettings.objects.update(**{name: value})

    assert getattr(get_operator_settings(), name) != value


def test_manager_sees_error_for_huge_grace_period(client, manager, defaults):
    row = get_operator_settings()
    client.force_login(manager)
    url = reverse("admin:automation_operatorsettings_change", args=[row.pk])

    response = client.post(url, _form_data(row, grace_period_days=99999999999))

    assert response.status_code == 200
    assert (
        "Grace period is 99999999999 days: expected 0 to 3650 days."
        in response.content.decode()
    )
    row.refresh_from_db()
    assert row.grace_period_days == 7


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "GRACE_PERIOD_DAYS",
            "99999999999",
            "GRACE_PERIOD_DAYS: Grace period is 99999999999 days: expected 0 to "
            "3650 days.",
        ),
        (
            "PROVISIONING_TIMEOUT_HOURS",
            "721",
            "PROVISIONING_TIMEOUT_HOURS: Provisioning timeout is 721 hours: "
            "expected 1 to 720 hours.",
        ),
        (
            "STORAGE_ALERT_PERCENT",
            "0",
            "STORAGE_ALERT_PERCENT: Storage alert is 0 percent: expected 1 to 100 "
            "percent.",
        ),
        ("PENDING_PAYMENT_DAYS", "1_000", "PENDING_PAYMENT_DAYS: 1_000 is not a whole"),
    ],
)
def test_check_reports_environment_out_of_range(defaults, variable, value, message):
    defaults[variable] = value

    problems = check_operator_defaults(None)

    # PostgreSQL's smallint range adds a second message for a huge value.
    assert {problem.id for problem in problems} == {"automation.E001"}
    assert any(problem.msg.startswith(message) for problem in problems)


def test_rules_run_with_extreme_settings(defaults):
    row = get_operator_settings()
    row.grace_period_days = 3650
    row.payment_reminder_days = "366"
    row.trial_reminder_days = "366"
    row.auto_termination_enabled = True
    row.termination_warning_days = 3649
    row.termination_days = 3650
    row.provisioning_timeout_hours = 720
    row.pending_payment_days = 3650
    row.full_clean()
    row.save()
    provisioned(at(2026, 3, 1))
    provisioned(at(2026, 3, 1), trial_days=0)

    for moment in (at(2000, 1, 1), at(2026, 3, 2), at(2999, 12, 31, 23)):
        report = run_automation(moment, dry_run=True)

        assert report.failures == []
