"""Back-office pages of customers, their contacts, bank accounts and tags."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from phonenumber_field.modelfields import PhoneNumberField
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.datasets import BaseDataset
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.widgets import UnfoldAdminTextInputWidget

from saas_manager.billing.admin import CustomerPaymentDatasetAdmin
from saas_manager.billing.models import Payment
from saas_manager.core.admin import (
    BaseAdmin,
    PlainAdmin,
    change_link,
    values_in_use_filter,
)
from saas_manager.core.currencies import format_money
from saas_manager.core.dialogs import (
    add_service_errors,
    redirect_after_action,
    render_dialog,
)
from saas_manager.customers.actions import suspend_customer, terminate_customer
from saas_manager.customers.archive import set_archived
from saas_manager.customers.forms import (
    BankAccountForm,
    BankAccountFormSet,
    PhoneNumberFormField,
)
from saas_manager.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerStatus,
    Tag,
)
from saas_manager.customers.overview import CustomerOverview, build_overview
from saas_manager.hosting.admin import STATE_LABELS, CustomerInstanceDatasetAdmin
from saas_manager.hosting.lifecycle import Actor, LifecycleError
from saas_manager.hosting.lifecycle_admin import TerminateForm, TransitionForm
from saas_manager.hosting.models import Instance, InstanceState
from saas_manager.notifications.admin import CustomerNotificationInline

# Phone fields get a form message that names the number typed. The widget is
# the one unfold gives every CharField, which PhoneNumberField is.
PHONE_FORMFIELD_OVERRIDES = {
    PhoneNumberField: {
        "form_class": PhoneNumberFormField,
        "widget": UnfoldAdminTextInputWidget,
    }
}

# The colour of each status's label in lists.
STATUS_LABELS = {
    CustomerStatus.PROSPECT: "info",
    CustomerStatus.ACTIVE: "success",
    CustomerStatus.SUSPENDED: "warning",
    CustomerStatus.TERMINATED: "danger",
}


class ArchivedFilter(admin.SimpleListFilter):
    """Hide archived customers unless the request selects them."""

    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request: HttpRequest, model_admin):
        return [
            ("no", _("Not archived")),
            ("yes", _("Archived")),
            ("all", _("All")),
        ]

    def value(self) -> str:
        return super().value() or "no"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(is_archived=False)
        if self.value() == "yes":
            return queryset.filter(is_archived=True)
        return queryset


class ContactInline(TabularInline):
    model = Contact
    extra = 0
    formfield_overrides = PHONE_FORMFIELD_OVERRIDES
    fields = (
        "name",
        "job_title",
        "email",
        "phone",
        "is_primary",
        "is_billing",
        "is_technical",
        "is_support",
        "opt_in",
    )
    tab = True


class BankAccountInline(TabularInline):
    model = BankAccount
    form = BankAccountForm
    formset = BankAccountFormSet
    extra = 0
    fields = ("iban", "holder")
    tab = True


class CustomerInstancesDataset(BaseDataset):
    model = Instance
    model_admin = CustomerInstanceDatasetAdmin
    title = _("Instances")
    tab = True


class CustomerPaymentsDataset(BaseDataset):
    model = Payment
    model_admin = CustomerPaymentDatasetAdmin
    title = _("Payments")
    tab = True


SUSPEND_CUSTOMER_DIALOG = {
    "title": _("Suspend this customer?"),
    "description": _(
        "Each Active instance of the customer is suspended by hand with this "
        "reason. A payment does not lift such a suspension: reactivate each "
        "instance on its page."
    ),
    "form_class": TransitionForm,
    "form_submit_text": _("Suspend customer"),
}

TERMINATE_CUSTOMER_DIALOG = {
    "title": _("Terminate this customer?"),
    "description": _(
        "Every instance of the customer that is not Terminated yet is "
        "terminated with this reason. Terminated is final. The customer, its "
        "payments and the history are kept."
    ),
    "form_class": TerminateForm,
    "form_submit_text": _("Terminate customer"),
}


@admin.register(Customer)
class CustomerAdmin(BaseAdmin):
    list_display = (
        "name",
        "status_label",
        "country",
        "currency_code",
        "instance_count",
        "tag_names",
        "account_manager_name",
        "created_date",
    )
    list_select_related = ("account_manager",)
    list_filter = (
        ArchivedFilter,
        ("status", ChoicesDropdownFilter),
        ("country", ChoicesDropdownFilter),
        values_in_use_filter("currency", _("currency")),
        ("tags", RelatedDropdownFilter),
        ("account_manager", RelatedDropdownFilter),
        ("created_at", RangeDateFilter),
    )
    search_fields = (
        "name",
        "legal_name",
        "vat_number",
        "company_registry",
        "email",
        "external_reference",
        "contacts__name",
        "contacts__email",
        "bank_accounts__iban",
    )
    autocomplete_fields = ("tags",)
    formfield_overrides = PHONE_FORMFIELD_OVERRIDES
    readonly_fields = ("status", "is_archived", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "legal_name",
                    "vat_number",
                    "company_registry",
                    "industry",
                    "website",
                    "external_reference",
                    "tags",
                )
            },
        ),
        (
            _("Contact details"),
            {"fields": ("email", "phone", "language", "currency")},
        ),
        (
            _("Address"),
            {
                "fields": (
                    "street",
                    "street2",
                    "postal_code",
                    "city",
                    "region",
                    "country",
                )
            },
        ),
        (
            _("Account"),
            {"fields": ("account_manager", "support_owner", "notes")},
        ),
        (
            _("Record"),
            {"fields": ("status", "is_archived", "created_at", "updated_at")},
        ),
    )
    inlines = (ContactInline, BankAccountInline, CustomerNotificationInline)
    change_form_datasets = (CustomerInstancesDataset, CustomerPaymentsDataset)
    change_form_before_template = "admin/customers/customer/overview.html"
    actions = ("archive", "unarchive")
    actions_detail = (
        "suspend_customer_detail",
        "terminate_customer_detail",
        "archive_detail",
        "unarchive_detail",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(instance_total=Count("instances", distinct=True))
            .prefetch_related("tags")
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name not in ("account_manager", "support_owner"):
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs["queryset"] = get_user_model().objects.filter(
            is_staff=True, is_active=True
        )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.label_from_instance = staff_name
        return field

    def get_changeform_datasets(self, request: HttpRequest):
        # The tables list a stored customer's records, so the add page has none.
        if not request.resolver_match.kwargs.get("object_id"):
            return ()
        return [
            dataset
            for dataset in super().get_changeform_datasets(request)
            if request.user.has_perm(
                f"{dataset.model._meta.app_label}.view_{dataset.model._meta.model_name}"
            )
        ]

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["customer_overview"] = overview_context(build_overview(obj))
            context["customer_status"] = {
                "label": obj.get_status_display(),
                "variant": STATUS_LABELS.get(obj.status, "default"),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    @display(
        description=_("status"),
        ordering="status",
        label={status.value: colour for status, colour in STATUS_LABELS.items()},
    )
    def status_label(self, customer: Customer):
        return customer.status, customer.get_status_display()

    @display(description=_("currency"), ordering="currency")
    def currency_code(self, customer: Customer) -> str:
        return customer.currency

    @display(description=_("instances"), ordering="instance_total")
    def instance_count(self, customer: Customer) -> int:
        return customer.instance_total

    @display(description=_("account manager"), ordering="account_manager__username")
    def account_manager_name(self, customer: Customer) -> str:
        if customer.account_manager is None:
            return "-"
        return staff_name(customer.account_manager)

    @display(description=_("created"), ordering="created_at")
    def created_date(self, customer: Customer):
        return timezone.localdate(customer.created_at)

    @display(description=_("tags"))
    def tag_names(self, customer: Customer) -> str:
        return ", ".join(tag.name for tag in customer.tags.all()) or "-"

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        customer = self.get_object(request, unquote(object_id))
        if customer is not None and self.has_delete_permission(request, customer):
            reason = deletion_blocker(customer)
            if reason:
                self.message_user(request, reason, messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:customers_customer_change", args=[customer.pk])
                )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        description=_("Archive the selected customers"), permissions=["change"]
    )
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = set_archived(queryset, archived=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d customer archived.",
                "%(count)d customers archived.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unarchive the selected customers"), permissions=["change"]
    )
    def unarchive(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = set_archived(queryset, archived=False)
        self.message_user(
            request,
            ngettext(
                "%(count)d customer unarchived.",
                "%(count)d customers unarchived.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @action(
        description=_("Archive"),
        url_path="archive",
        permissions=["change"],
        icon="archive",
        dialog={
            "title": _("Archive this customer?"),
            "description": _(
                "An archived customer keeps its instances, payments and "
                "history, and is left out of the customer list until it is "
                "unarchived."
            ),
            "form_submit_text": _("Archive"),
        },
    )
    def archive_detail(self, request: HttpRequest, form, object_id):
        return self._set_archived_from_page(request, object_id, archived=True)

    @action(
        description=_("Unarchive"),
        url_path="unarchive",
        permissions=["change"],
        icon="unarchive",
        dialog={
            "title": _("Unarchive this customer?"),
            "description": _("The customer is listed again with the others."),
            "form_submit_text": _("Unarchive"),
        },
    )
    def unarchive_detail(self, request: HttpRequest, form, object_id):
        return self._set_archived_from_page(request, object_id, archived=False)

    def get_actions_detail(self, request: HttpRequest, object_id):
        # Offer the buttons that apply: Archive on a customer in the lists,
        # Unarchive on an archived one, Suspend when an instance is Active,
        # Terminate when one is not Terminated yet.
        actions = super().get_actions_detail(request, object_id)
        customer = self.get_object(request, unquote(str(object_id)))
        if customer is None:
            return actions
        hidden = {"unarchive_detail" if not customer.is_archived else "archive_detail"}
        states = set(customer.instances.values_list("state", flat=True))
        if InstanceState.ACTIVE not in states:
            hidden.add("suspend_customer_detail")
        if not states - {InstanceState.TERMINATED}:
            hidden.add("terminate_customer_detail")
        hidden_names = {f"customers_customer_{name}" for name in hidden}
        return [item for item in actions if item.action_name not in hidden_names]

    # Unfold's system check looks a dotted permission up in the database,
    # which fails before the first migrate, so the actions name a method.
    def has_lifecycle_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm("hosting.change_instance")

    @action(
        description=_("Suspend customer"),
        url_path="suspend",
        permissions=["lifecycle"],
        icon="pause_circle",
        variant=ActionVariant.WARNING,
        dialog=SUSPEND_CUSTOMER_DIALOG,
    )
    def suspend_customer_detail(self, request: HttpRequest, form, object_id):
        return self._cascade(request, form, object_id, suspend=True)

    @action(
        description=_("Terminate customer"),
        url_path="terminate",
        permissions=["lifecycle"],
        icon="cancel",
        variant=ActionVariant.DANGER,
        dialog=TERMINATE_CUSTOMER_DIALOG,
    )
    def terminate_customer_detail(self, request: HttpRequest, form, object_id):
        return self._cascade(request, form, object_id, suspend=False)

    def _cascade(self, request: HttpRequest, form, object_id, *, suspend: bool):
        """Run a customer action on its instances and report which moved.

        The customer actions move all the instances or none, so a rejected
        one leaves every instance as it was.
        """
        customer = self.get_object(request, unquote(str(object_id)))
        if customer is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(object_id)
            )
        service = suspend_customer if suspend else terminate_customer
        try:
            moved = service(
                customer,
                actor=Actor.staff(request.user),
                reason=form.cleaned_data["reason"],
            )
        except LifecycleError as error:
            self.message_user(request, error.message, messages.ERROR)
        except ValidationError as error:
            add_service_errors(form, error)
            dialog = SUSPEND_CUSTOMER_DIALOG if suspend else TERMINATE_CUSTOMER_DIALOG
            return render_dialog(request, dialog, form)
        else:
            self.message_user(
                request, cascade_message(customer, moved, suspend), messages.SUCCESS
            )
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        return redirect_after_action(request, url)

    def _set_archived_from_page(self, request: HttpRequest, object_id, archived):
        customer = self.get_object(request, unquote(str(object_id)))
        if customer is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(object_id)
            )
        set_archived(Customer.objects.filter(pk=customer.pk), archived=archived)
        message = (
            _("Customer %(name)s is archived.")
            if archived
            else _("Customer %(name)s is no longer archived.")
        )
        self.message_user(request, message % {"name": customer}, messages.SUCCESS)
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        if request.headers.get("HX-Request"):
            # The dialog posts with htmx, which follows this header.
            return HttpResponse(headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)


def cascade_message(customer: Customer, moved: list[Instance], suspended: bool):
    """Return the sentence that lists the instances a customer action moved."""
    values = {
        "name": customer,
        "count": len(moved),
        "instances": ", ".join(str(instance) for instance in moved),
    }
    if not moved:
        if suspended:
            message = _("Customer %(name)s has no Active instance to suspend.")
        else:
            message = _("Customer %(name)s has no instance left to terminate.")
        return message % values
    if suspended:
        message = ngettext(
            "Customer %(name)s: %(count)d instance suspended: %(instances)s.",
            "Customer %(name)s: %(count)d instances suspended: %(instances)s.",
            len(moved),
        )
    else:
        message = ngettext(
            "Customer %(name)s: %(count)d instance terminated: %(instances)s.",
            "Customer %(name)s: %(count)d instances terminated: %(instances)s.",
            len(moved),
        )
    return message % values


def staff_name(user) -> str:
    """Return the staff member's full name, or the username when it has none."""
    return user.get_full_name() or user.username


def overview_context(overview: CustomerOverview) -> dict:
    """Return the overview's figures formatted for the customer page."""
    last = overview.last_payment
    return {
        "currencies": [
            {
                "currency": row.currency,
                "revenue": format_money(row.revenue, row.currency),
                "payments": format_money(row.payments, row.currency),
                "refunds": format_money(row.refunds, row.currency),
                "recurring_revenue": format_money(row.recurring_revenue, row.currency),
                "amount_overdue": format_money(row.amount_overdue, row.currency),
                "is_overdue": row.amount_overdue > 0,
                "last_payment_date": row.last_payment_date,
            }
            for row in overview.currencies
        ],
        "states": [
            {
                "value": state.value,
                "label": state.label,
                "variant": STATE_LABELS[state],
                "count": overview.instances_by_state.get(state.value, 0),
            }
            for state in InstanceState
        ],
        "last_payment": None
        if last is None
        else {
            "amount": format_money(last.amount, last.currency),
            "date": last.date,
            "method": last.get_method_display(),
            "instance": last.instance,
            "url": reverse("admin:billing_payment_change", args=[last.pk]),
        },
    }


def deletion_blocker(customer: Customer) -> str:
    """Return why the customer cannot be deleted, or "" when it can."""
    payments = customer.payments.count()
    instances = customer.instances.count()
    if not payments and not instances:
        return ""
    return _(
        "Customer %(name)s cannot be deleted because it has %(payments)s and "
        "%(instances)s. Archive it instead: its records are kept and it leaves "
        "the customer list."
    ) % {
        "name": customer,
        "payments": ngettext("%d payment", "%d payments", payments) % payments,
        "instances": ngettext("%d instance", "%d instances", instances) % instances,
    }


@admin.register(Contact)
class ContactAdmin(BaseAdmin):
    list_display = (
        "name",
        "customer_link",
        "job_title",
        "email",
        "phone",
        "role_names",
        "opt_in",
    )
    list_select_related = ("customer",)
    list_filter = ("is_primary", "is_billing", "is_technical", "is_support", "opt_in")
    search_fields = ("name", "email", "job_title", "customer__name")
    autocomplete_fields = ("customer",)
    formfield_overrides = PHONE_FORMFIELD_OVERRIDES
    fieldsets = (
        (None, {"fields": ("customer", "name", "job_title", "email", "phone")}),
        (
            _("Roles"),
            {
                "fields": (
                    "is_primary",
                    "is_billing",
                    "is_technical",
                    "is_support",
                    "opt_in",
                )
            },
        ),
        (_("Record"), {"fields": ("external_reference",)}),
    )

    @display(description=_("customer"), ordering="customer__name")
    def customer_link(self, contact: Contact) -> str:
        return change_link(contact.customer)

    @display(description=_("roles"))
    def role_names(self, contact: Contact) -> str:
        labels = {
            "primary": _("primary"),
            "billing": _("billing"),
            "technical": _("technical"),
            "support": _("support"),
        }
        return ", ".join(str(labels[role]) for role in contact.roles) or "-"


@admin.register(BankAccount)
class BankAccountAdmin(BaseAdmin):
    form = BankAccountForm
    list_display = ("iban", "holder", "customer_link")
    list_select_related = ("customer",)
    search_fields = ("iban", "holder", "customer__name")
    autocomplete_fields = ("customer",)

    @display(description=_("customer"), ordering="customer__name")
    def customer_link(self, account: BankAccount) -> str:
        return change_link(account.customer)


@admin.register(Tag)
class TagAdmin(PlainAdmin):
    """Tags. The Tag model keeps no simple-history records, so its history
    page is Django's log of changes made in the back office.
    """

    list_display = ("name", "customer_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(customer_total=Count("customer"))

    @display(description=_("customers"), ordering="customer_total")
    def customer_count(self, tag: Tag) -> int:
        return tag.customer_total
