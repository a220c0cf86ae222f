"""Staff accounts: always staff, and no more rights than the groups give."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from saas_manager.core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_added_user_is_staff(manager_client):
    response = manager_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "usable_password": "true",
        },
    )

    user = User.objects.get(username="newcomer")
    assert response.status_code == 302
    assert user.is_staff is True
    assert user.is_superuser is False


def test_manager_form_has_no_superuser_box(manager_client):
    colleague = UserFactory()

    response = manager_client.get(
        reverse("admin:auth_user_change", args=[colleague.pk])
    )

    fields = response.context["adminform"].form.fields
    assert "is_superuser" not in fields
    assert "user_permissions" not in fields
    assert "groups" in fields


def test_manager_cannot_post_superuser_flag(manager_client):
    colleague = UserFactory()
    data = {
        "username": colleague.username,
        "email": colleague.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name=roles.SUPPORT).pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }

    response = manager_client.post(
        reverse("admin:auth_user_change", args=[colleague.pk]), data
    )

    colleague.refresh_from_db()
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert colleague.is_superuser is False
    assert list(colleague.groups.values_list("name", flat=True)) == [roles.SUPPORT]


def test_manager_cannot_edit_a_superuser(manager_client):
    root = User.objects.create_superuser("root", "root@example.com", "x-long-pass")

    response = manager_client.post(
        reverse("admin:auth_user_change", args=[root.pk]),
        {"username": "root", "email": "changed@example.com"},
    )

    root.refresh_from_db()
    assert response.status_code == 403
    assert root.email == "root@example.com"
