"""The sidebar lists a page only to staff who may view its records."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from tests.admin.conftest import signed_in_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Each sidebar entry and the view permission it needs.
ITEMS = {
    "Customers": "customers.view_customer",
    "Instances": "hosting.view_instance",
    "Payments": "billing.view_payment",
    "Imports": "imports.view_importbatch",
    "Notifications": "notifications.view_notification",
    "Alerts": "automation.view_alert",
    "Service packages": "catalog.view_servicepackage",
    "Servers": "hosting.view_server",
    "Operator settings": "automation.view_operatorsettings",
    "Notification templates": "notifications.view_notificationtemplate",
    "Staff": "auth.view_user",
}


def visible_items(user) -> dict[str, list[str]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        str(group["title"]): [
            str(item["title"]) for item in group["items"] if item["has_permission"]
        ]
        for group in admin.site.get_sidebar_list(request)
    }


def user_with(*permissions: str):
    user = UserFactory()
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # has_perm caches the permissions of the object it was asked first.
    return type(user).objects.get(pk=user.pk)


def test_sidebar_groups_items_under_four_headings(manager):
    items = visible_items(manager)

    assert items == {
        "Customers": ["Customers", "Instances"],
        "Billing": ["Payments", "Imports"],
        "Automation": ["Notifications", "Alerts"],
        "Configuration": [
            "Service packages",
            "Servers",
            "Operator settings",
            "Notification templates",
            "Staff",
        ],
    }


@pytest.mark.parametrize(("title", "permission"), ITEMS.items())
def test_sidebar_item_needs_its_view_permission(title, permission):
    user = user_with(permission)

    items = visible_items(user)

    shown = [name for names in items.values() for name in names]
    assert shown == [title]


def test_sidebar_shows_nothing_without_permissions():
    user = user_with()

    items = visible_items(user)

    assert all(names == [] for names in items.values())


@pytest.mark.parametrize("role", ["billing_clerk", "support_agent", "reader"])
def test_sidebar_hides_staff_from_other_groups(request, role):
    user = request.getfixturevalue(role)
    client = signed_in_client(user)

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert reverse("admin:auth_user_changelist") not in response.text
    assert reverse("admin:hosting_server_changelist") in response.text


def test_sidebar_shows_staff_to_managers(manager):
    client = signed_in_client(manager)

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert reverse("admin:auth_user_changelist") in response.text
