"""The base admin class of the back office, shared filters, and the staff pages."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from saas_manager.core.currencies import format_money

admin.site.unregister(User)
admin.site.unregister(Group)


class PlainAdmin(ModelAdmin):
    """The list and form settings of every back-office page."""

    list_filter_submit = True
    list_per_page = 50
    # The total count is a second COUNT query on every filtered list page.
    show_full_result_count = False
    warn_unsaved_form = True


class BaseAdmin(SimpleHistoryAdmin, PlainAdmin):
    """The admin of a model with django-simple-history records.

    Reverting to an old version from the history page is disabled, because a
    revert writes the stored fields back directly and so would skip the rules
    that states, prices and payments follow.
    """

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves the old version on POST even when the Revert
        # button is hidden, and checks only the view permission.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )


class ValuesInUseFilter(DropdownFilter):
    """A dropdown of the values that a column contains in stored rows.

    For fields such as currency, whose choices list every ISO 4217 code while
    the rows use only a few of them. Subclasses set `field_name`.
    """

    field_name: str

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        values = (
            model_admin.model._default_manager.order_by()
            .values_list(self.field_name, flat=True)
            .distinct()
        )
        return [(value, value) for value in sorted(values) if value]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(**{self.field_name: self.value()})
        return queryset


def values_in_use_filter(field_name: str, title: str) -> type[ValuesInUseFilter]:
    """Return a ValuesInUseFilter class for one field."""
    return type(
        f"{field_name.title().replace('_', '')}InUseFilter",
        (ValuesInUseFilter,),
        {"field_name": field_name, "parameter_name": field_name, "title": title},
    )


def money_column(amount, currency: str) -> str:
    """Format an amount for a list column, with a dash for no amount."""
    if amount is None:
        return "-"
    # A no-break space keeps the amount and its currency on one line.
    return format_money(amount, currency).replace(" ", "\u00a0")


def change_link(obj) -> str:
    """Link to the admin page of a record, or a dash for no record."""
    if obj is None:
        return "-"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}" class="text-primary-600">{}</a>', url, obj)


def without(fields, names: set[str]) -> tuple:
    """Return the fieldset's field names less the given ones."""
    return tuple(field for field in fields if field not in names)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    """Staff accounts.

    Only a superuser grants superuser status or single permissions, or edits a
    superuser, so that a Manager cannot give anyone more than the groups do.
    """

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "group_names",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    list_filter_submit = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("groups"))
    def group_names(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**options, "fields": without(options["fields"], hidden)})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change:
            # Only staff users may sign in to the back office.
            obj.is_staff = True
        super().save_model(request, obj, form, change)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
