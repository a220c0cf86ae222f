from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from saas_manager.customers.models import Contact, Customer, Tag


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin, ModelAdmin):
    pass
