from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from saas_manager.automation.models import (
    Alert,
    AutomationRun,
    OperatorSettings,
    RuleExecution,
)
from saas_manager.automation.operator import get_operator_settings


@admin.register(OperatorSettings)
class OperatorSettingsAdmin(SimpleHistoryAdmin, ModelAdmin):
    """The single settings row: the list opens the row itself."""

    fieldsets = [
        (
            _("Billing"),
            {"fields": ["grace_period_days", "payment_reminder_days"]},
        ),
        (_("Trials"), {"fields": ["trial_reminder_days"]}),
        (
            _("Termination after a long suspension"),
            {
                "fields": [
                    "auto_termination_enabled",
                    "termination_warning_days",
                    "termination_days",
                ]
            },
        ),
        (
            _("Watchdogs"),
            {
                "fields": [
                    "provisioning_timeout_hours",
                    "pending_payment_days",
                    "storage_alert_percent",
                ]
            },
        ),
        (_("Notifications"), {"fields": ["sender_email", "staff_emails"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row = get_operator_settings()
        return redirect(
            reverse("admin:automation_operatorsettings_change", args=[row.pk])
        )


class ReadOnlyAdmin(ModelAdmin):
    """A list written by the automation only: staff read it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["kind", "detail", "instance", "payment", "raised_at", "cleared_at"]
    list_filter = ["kind", ("cleared_at", admin.EmptyFieldListFilter), "raised_at"]
    list_select_related = ["instance", "payment"]
    search_fields = ["detail", "instance__database_name"]
    date_hierarchy = "raised_at"


@admin.register(RuleExecution)
class RuleExecutionAdmin(ReadOnlyAdmin):
    list_display = ["rule", "instance", "event_key", "run_for", "description"]
    list_filter = ["rule", "run_for"]
    list_select_related = ["instance"]
    search_fields = ["instance__database_name", "event_key"]
    date_hierarchy = "run_for"


@admin.register(AutomationRun)
class AutomationRunAdmin(ReadOnlyAdmin):
    list_display = ["run_for", "started_at", "finished_at", "actions", "failures"]
    list_filter = ["run_for"]
    date_hierarchy = "run_for"
