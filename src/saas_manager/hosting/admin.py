"""Back-office pages of servers and instances, with the lifecycle buttons."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display
from unfold.widgets import (
    UnfoldAdminPasswordWidget,
    UnfoldBooleanSwitchWidget,
)

from saas_manager.core.admin import (
    BaseAdmin,
    change_link,
    money_column,
    values_in_use_filter,
    without,
)
from saas_manager.hosting.lifecycle_admin import (
    InstanceLifecycleAdmin,
    history_table,
)
from saas_manager.hosting.models import (
    MAX_MASTER_PASSWORD_LENGTH,
    Instance,
    InstanceState,
    Server,
)
from saas_manager.notifications.admin import InstanceNotificationInline

# The colour of each state's label in lists.
STATE_LABELS = {
    InstanceState.PROVISIONING: "info",
    InstanceState.TRIAL: "primary",
    InstanceState.ACTIVE: "success",
    InstanceState.SUSPENDED: "warning",
    InstanceState.EXPIRED: "default",
    InstanceState.TERMINATED: "danger",
}


class ServerForm(forms.ModelForm):
    """The server form, whose master password is written but never shown.

    An empty password field keeps the stored password, so that saving the
    form for another change does not erase it.
    """

    master_password = forms.CharField(
        label=_("Odoo master password"),
        required=False,
        strip=False,
        max_length=MAX_MASTER_PASSWORD_LENGTH,
        error_messages={
            "max_length": _(
                "The Odoo master password has %(show_value)d characters. "
                "Expected at most %(limit_value)d."
            )
        },
        widget=UnfoldAdminPasswordWidget(
            attrs={"autocomplete": "new-password"}, render_value=False
        ),
        help_text=_("Stored encrypted. Leave empty to keep the stored password."),
    )
    clear_master_password = forms.BooleanField(
        label=_("Remove the stored master password"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )

    class Meta:
        model = Server
        fields = (
            "name",
            "base_url",
            "odoo_versions",
            "max_instances",
            "is_active",
            "country",
            "city",
            "data_centre",
            "master_password",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stored_master_password = self.instance.master_password

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("clear_master_password") and cleaned_data.get(
            "master_password"
        ):
            self.add_error(
                "clear_master_password",
                _(
                    "Either type a new master password or remove the stored "
                    "one, not both."
                ),
            )
        return cleaned_data

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.cleaned_data.get("clear_master_password"):
            self.instance.master_password = ""
        elif not self.cleaned_data.get("master_password"):
            self.instance.master_password = self.stored_master_password


@admin.register(Server)
class ServerAdmin(BaseAdmin):
    form = ServerForm
    list_display = (
        "name",
        "country",
        "city",
        "data_centre",
        "odoo_versions",
        "capacity",
        "is_active",
    )
    list_filter = (
        "is_active",
        ("country", ChoicesDropdownFilter),
    )
    search_fields = ("name", "city", "data_centre", "base_url", "odoo_versions")
    readonly_fields = ("has_master_password", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "base_url",
                    "odoo_versions",
                    "max_instances",
                    "is_active",
                )
            },
        ),
        (_("Location"), {"fields": ("country", "city", "data_centre")}),
        (
            _("Secrets"),
            {
                "fields": (
                    "has_master_password",
                    "master_password",
                    "clear_master_password",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A read-only page would print the decrypted password as text.
        hidden = {"master_password", "clear_master_password"}
        return [
            (name, {**options, "fields": without(options["fields"], hidden)})
            for name, options in fieldsets
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_instances=Count(
                    "instances", filter=~Q(instances__state=InstanceState.TERMINATED)
                )
            )
        )

    @display(description=_("instances / capacity"), ordering="live_instances")
    def capacity(self, server: Server) -> str:
        limit = server.max_instances if server.max_instances is not None else "∞"
        return f"{server.live_instances} / {limit}"

    @display(description=_("master password stored"), boolean=True)
    def has_master_password(self, server: Server) -> bool:
        return bool(server.master_password)


class InstanceColumns:
    """List columns shared by the instance list and the customer's page."""

    @display(
        description=_("state"),
        ordering="state",
        label={state.value: colour for state, colour in STATE_LABELS.items()},
    )
    def state_label(self, instance: Instance):
        return instance.state, instance.get_state_display()

    @display(description=_("customer"), ordering="customer__name")
    def customer_link(self, instance: Instance) -> str:
        return change_link(instance.customer)

    @display(description=_("price"), ordering="price")
    def price_column(self, instance: Instance) -> str:
        return money_column(instance.price, instance.currency)


@admin.register(Instance)
class InstanceAdmin(InstanceLifecycleAdmin, InstanceColumns, BaseAdmin):
    list_display = (
        "database_name",
        "customer_link",
        "package",
        "server",
        "state_label",
        "odoo_version",
        "billing_cycle",
        "price_column",
        "trial_end_date",
        "paid_up_to",
    )
    list_select_related = ("customer", "package", "server")
    list_filter = (
        ("state", ChoicesDropdownFilter),
        ("package", RelatedDropdownFilter),
        ("server", RelatedDropdownFilter),
        values_in_use_filter("odoo_version", _("Odoo version")),
        ("edition", ChoicesDropdownFilter),
        ("billing_cycle", ChoicesDropdownFilter),
        values_in_use_filter("currency", _("currency")),
        ("trial_end_date", RangeDateFilter),
        ("paid_up_to", RangeDateFilter),
    )
    search_fields = (
        "database_name",
        "url",
        "custom_domain",
        "customer__name",
        "customer__external_reference",
    )
    autocomplete_fields = ("customer",)
    readonly_fields = (
        "state",
        "suspension_kind",
        "suspended_at",
        "billing_start",
        "paid_up_to",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "customer",
                    "database_name",
                    "package",
                    "server",
                    "odoo_version",
                    "edition",
                    "url",
                    "custom_domain",
                )
            },
        ),
        (
            _("Billing"),
            {
                "fields": (
                    "billing_cycle",
                    "price",
                    "currency",
                    "payment_method",
                    "trial_end_date",
                    "start_date",
                    "billing_start",
                    "paid_up_to",
                )
            },
        ),
        (
            _("Usage"),
            {
                "fields": (
                    "users_count",
                    "storage_mb",
                    "last_backup_at",
                    "usage_measured_at",
                )
            },
        ),
        (
            _("Record"),
            {
                "fields": (
                    "state",
                    "suspension_kind",
                    "suspended_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (InstanceNotificationInline,)
    change_form_before_template = "admin/hosting/instance/state.html"
    change_form_outer_after_template = "admin/hosting/instance/history.html"
    actions = ("suspend_selected", "reactivate_selected", "terminate_selected")
    actions_detail = (
        "record_payment",
        "start_trial",
        "activate",
        "expire",
        "suspend",
        "terminate",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The buttons read the package's trial days on every instance page.
        # The list's list_select_related is skipped once a select_related is
        # set, so its relations are named here too.
        return (
            super()
            .get_queryset(request)
            .select_related("customer", "package", "server")
        )

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["instance_state"] = {
                "label": obj.get_state_display(),
                "variant": STATE_LABELS.get(obj.state, "default"),
                "suspension_kind": obj.get_suspension_kind_display(),
                "suspended_at": obj.suspended_at,
                "paid_up_to": obj.paid_up_to,
                "trial_end_date": obj.trial_end_date
                if obj.state == InstanceState.TRIAL
                else None,
            }
            context["instance_history"] = history_table(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


class CustomerInstanceDatasetAdmin(InstanceColumns, ModelAdmin):
    """The instances of one customer, listed on the customer's page.

    Not registered: the customer page's dataset builds it with the customer's
    id in `extra_context["object"]`.
    """

    actions = None
    show_full_result_count = False
    list_per_page = 20
    list_display = (
        "database_name",
        "package",
        "server",
        "state_label",
        "odoo_version",
        "billing_cycle",
        "price_column",
        "trial_end_date",
        "paid_up_to",
    )
    search_fields = ("database_name", "custom_domain")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The dataset's change list ignores list_select_related.
        return (
            super()
            .get_queryset(request)
            .filter(customer_id=self.extra_context["object"])
            .select_related("package", "server")
        )
