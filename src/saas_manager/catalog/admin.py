"""Back-office pages of the service packages."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from saas_manager.catalog.models import ServicePackage
from saas_manager.core.admin import BaseAdmin, money_column, values_in_use_filter


@admin.register(ServicePackage)
class ServicePackageAdmin(BaseAdmin):
    list_display = (
        "name",
        "code",
        "monthly_price_column",
        "yearly_price_column",
        "trial_days",
        "max_users",
        "storage_gb",
        "backup_frequency",
        "instance_count",
        "is_active",
        "sort_order",
    )
    list_display_links = ("name", "code")
    list_filter = (
        "is_active",
        values_in_use_filter("currency", _("currency")),
        ("backup_frequency", ChoicesDropdownFilter),
        "has_custom_domain",
        "has_ssl_certificate",
        "has_api_access",
        "has_priority_support",
    )
    search_fields = ("name", "code", "description")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("name", "code", "description", "sort_order", "is_active")},
        ),
        (
            _("Prices"),
            {"fields": ("currency", "monthly_price", "yearly_price", "trial_days")},
        ),
        (
            _("Limits"),
            {"fields": ("max_users", "storage_gb", "backup_frequency")},
        ),
        (
            _("Features"),
            {
                "fields": (
                    "has_custom_domain",
                    "has_ssl_certificate",
                    "has_api_access",
                    "has_priority_support",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(instance_total=Count("instances"))

    @display(description=_("monthly price"), ordering="monthly_price")
    def monthly_price_column(self, package: ServicePackage) -> str:
        return money_column(package.monthly_price, package.currency)

    @display(description=_("yearly price"), ordering="yearly_price")
    def yearly_price_column(self, package: ServicePackage) -> str:
        return money_column(package.yearly_price, package.currency)

    @display(description=_("instances"), ordering="instance_total")
    def instance_count(self, package: ServicePackage) -> int:
        return package.instance_total
