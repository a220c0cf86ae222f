from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from saas_manager.catalog.models import ServicePackage


@admin.register(ServicePackage)
class ServicePackageAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass
