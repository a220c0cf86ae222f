import pytest
from django.core.exceptions import ValidationError
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
        "Expected 0 or more, not -1." in error.value.message_dict["grace_period_days"]
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
        "Expected 100 percent or less, not 101."
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
    ],
)
def test_bad_worker_setting_reported(settings, name, value, code):
    setattr(settings, name, value)

    problems = check_worker_settings(None)

    assert [problem.id for problem in problems] == [code]
    assert str(value) in problems[0].msg
