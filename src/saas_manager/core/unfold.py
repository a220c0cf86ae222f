"""The back office's look and sidebar (django-unfold's UNFOLD setting)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _may_view(model: str):
    """Return a sidebar permission callback for the view permission of a model."""
    app_label, model_name = model.split(".")

    def check(request) -> bool:
        return request.user.has_perm(f"{app_label}.view_{model_name}")

    return check


def _item(title, icon, url_name, model):
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": _may_view(model),
    }


UNFOLD = {
    "SITE_TITLE": "SaaS Manager",
    "SITE_HEADER": "SaaS Manager",
    "SITE_SYMBOL": "cloud",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("Customers"),
                "items": [
                    _item(
                        _("Customers"),
                        "apartment",
                        "admin:customers_customer_changelist",
                        "customers.customer",
                    ),
                    _item(
                        _("Instances"),
                        "dns",
                        "admin:hosting_instance_changelist",
                        "hosting.instance",
                    ),
                ],
            },
            {
                "title": _("Billing"),
                "items": [
                    _item(
                        _("Payments"),
                        "payments",
                        "admin:billing_payment_changelist",
                        "billing.payment",
                    ),
                    _item(
                        _("Imports"),
                        "upload_file",
                        "admin:imports_importbatch_changelist",
                        "imports.importbatch",
                    ),
                ],
            },
            {
                "title": _("Automation"),
                "items": [
                    _item(
                        _("Notifications"),
                        "mail",
                        "admin:notifications_notification_changelist",
                        "notifications.notification",
                    ),
                    _item(
                        _("Alerts"),
                        "warning",
                        "admin:automation_alert_changelist",
                        "automation.alert",
                    ),
                ],
            },
            {
                "title": _("Configuration"),
                "items": [
                    _item(
                        _("Service packages"),
                        "inventory_2",
                        "admin:catalog_servicepackage_changelist",
                        "catalog.servicepackage",
                    ),
                    _item(
                        _("Servers"),
                        "storage",
                        "admin:hosting_server_changelist",
                        "hosting.server",
                    ),
                    _item(
                        _("Operator settings"),
                        "tune",
                        "admin:automation_operatorsettings_changelist",
                        "automation.operatorsettings",
                    ),
                    _item(
                        _("Notification templates"),
                        "edit_note",
                        "admin:notifications_notificationtemplate_changelist",
                        "notifications.notificationtemplate",
                    ),
                    _item(
                        _("Staff"),
                        "badge",
                        "admin:auth_user_changelist",
                        "auth.user",
                    ),
                ],
            },
        ],
    },
}
