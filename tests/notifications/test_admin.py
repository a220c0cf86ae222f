import datetime

import pytest
from django.urls import reverse

from saas_manager.notifications.models import (
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
)
from saas_manager.notifications.rendering import render_event
from saas_manager.notifications.services import notify
from tests.factories import ContactFactory, InstanceFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def instance(db):
    instance = InstanceFactory(database_name="acme-prod", customer__name="Acme")
    ContactFactory(customer=instance.customer, email="boss@acme.example")
    return instance


def _template_data(**changes):
    data = {
        "event": NotificationEvent.TERMINATED,
        "subject": "Goodbye {{ instance }}",
        "text_body": "Dear {{ customer }}, {{ instance }} is gone.",
        "html_body": "",
        "preview_instance": "",
    }
    data.update(changes)
    return data


def test_preview_shows_message_unsaved(client, manager, operator, instance):
    client.force_login(manager)
    url = reverse("admin:notifications_notificationtemplate_add")

    response = client.post(
        url, _template_data(preview_instance=instance.pk, _preview="1")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Goodbye acme-prod" in page
    assert "Dear Acme, acme-prod is gone." in page
    assert NotificationTemplate.objects.count() == 0


def test_broken_template_rejected(client, manager, operator, instance):
    client.force_login(manager)
    url = reverse("admin:notifications_notificationtemplate_add")

    response = client.post(url, _template_data(text_body="{% if %}"))

    assert response.status_code == 200
    assert "The template is not valid" in response.content.decode()
    assert NotificationTemplate.objects.count() == 0


def test_saved_template_replaces_default(client, manager, operator, instance):
    client.force_login(manager)
    url = reverse("admin:notifications_notificationtemplate_add")

    response = client.post(url, _template_data())
    message = render_event(
        NotificationEvent.TERMINATED, {"instance": instance, "customer": "Acme"}
    )

    assert response.status_code == 302
    assert message.subject == "Goodbye acme-prod"
    assert "<p>Dear Acme, acme-prod is gone.</p>" in message.html_body


def test_add_form_starts_from_default(client, manager, operator):
    client.force_login(manager)
    url = reverse("admin:notifications_notificationtemplate_add")

    response = client.get(url, {"event": NotificationEvent.TRIAL_REMINDER})

    assert response.status_code == 200
    assert "Your trial of {{ instance }}" in response.content.decode()


def test_support_cannot_change_templates(client, support_agent, operator):
    client.force_login(support_agent)
    url = reverse("admin:notifications_notificationtemplate_add")

    response = client.post(url, _template_data())

    assert response.status_code == 403
    assert NotificationTemplate.objects.count() == 0


def test_list_filters_by_status(client, reader, operator, instance):
    notify(NotificationEvent.TERMINATED, key="a", now=NOW, instance=instance)
    Notification.objects.filter(audience="staff").update(
        status=NotificationStatus.FAILED
    )
    client.force_login(reader)
    url = reverse("admin:notifications_notification_changelist")

    response = client.get(
        url,
        {
            "status__exact": "failed",
            "event__exact": NotificationEvent.TERMINATED,
            "customer__id__exact": instance.customer_id,
        },
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_resend_queues_again(client, manager, operator, instance):
    rows = notify(NotificationEvent.TERMINATED, key="a", now=NOW, instance=instance)
    Notification.objects.update(
        status=NotificationStatus.FAILED, attempts=6, last_error="SMTP down"
    )
    client.force_login(manager)
    url = reverse("admin:notifications_notification_changelist")

    response = client.post(
        url,
        {
            "action": "resend_notifications",
            "_selected_action": [row.pk for row in rows],
        },
    )

    assert response.status_code == 302
    for row in rows:
        row.refresh_from_db()
        assert row.status == NotificationStatus.PENDING
        assert row.attempts == 0
        assert row.last_error == ""


def test_reader_cannot_resend(client, reader, operator, instance):
    rows = notify(NotificationEvent.TERMINATED, key="a", now=NOW, instance=instance)
    Notification.objects.update(status=NotificationStatus.FAILED)
    client.force_login(reader)
    url = reverse("admin:notifications_notification_changelist")

    client.post(
        url,
        {"action": "resend_notifications", "_selected_action": [rows[0].pk]},
    )

    rows[0].refresh_from_db()
    assert rows[0].status == NotificationStatus.FAILED


def test_detail_page_renders(client, reader, operator, instance):
    row = notify(NotificationEvent.TERMINATED, key="a", now=NOW, instance=instance)[0]
    client.force_login(reader)

    response = client.get(
        reverse("admin:notifications_notification_change", args=[row.pk])
    )

    assert response.status_code == 200
    assert "acme-prod is terminated" in response.content.decode()


def test_sidebar_links_for_reader(client, reader, operator):
    client.force_login(reader)

    page = client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:notifications_notification_changelist") in page
    assert reverse("admin:notifications_notificationtemplate_changelist") in page
    assert reverse("admin:automation_operatorsettings_changelist") in page
    assert reverse("admin:automation_alert_changelist") in page


def test_inlines_list_own_notifications(rf, reader, operator, instance):
    from django.contrib import admin

    from saas_manager.hosting.models import Instance
    from saas_manager.notifications.admin import InstanceNotificationInline

    other = InstanceFactory(database_name="other-db")
    notify(NotificationEvent.TERMINATED, key="a", now=NOW, instance=instance)
    notify(NotificationEvent.TERMINATED, key="b", now=NOW, instance=other)
    request = rf.get("/")
    request.user = reader
    inline = InstanceNotificationInline(Instance, admin.site)

    formset = inline.get_formset(request, instance)(instance=instance)

    assert {form.instance.instance_id for form in formset.forms} == {instance.pk}
    assert len(formset.forms) == 2
    assert inline.has_add_permission(request, instance) is False


def test_list_filters_by_date(client, reader, operator, instance):
    notify(NotificationEvent.TERMINATED, key="old", now=NOW, instance=instance)
    later = NOW + datetime.timedelta(days=10)
    notify(NotificationEvent.REACTIVATED, key="new", now=later, instance=instance)
    client.force_login(reader)
    url = reverse("admin:notifications_notification_changelist")

    response = client.get(
        url, {"created_at_from": "2026-05-10", "created_at_to": "2026-05-20"}
    )

    assert response.status_code == 200
    events = {row.event for row in response.context["cl"].result_list}
    assert events == {NotificationEvent.REACTIVATED}
