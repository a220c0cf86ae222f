from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from saas_manager.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass
