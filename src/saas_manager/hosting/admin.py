from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from saas_manager.hosting.models import Instance, Server


@admin.register(Server)
class ServerAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass


@admin.register(Instance)
class InstanceAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass
