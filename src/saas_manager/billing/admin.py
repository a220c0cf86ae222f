"""Back-office pages of payments and refunds.

Recording a payment, changing the status of a pending one, refunding and
cancelling all go through saas_manager.billing.services, which apply what the
money changes to the instance (a conversion, a reactivation) and return a
message that describes it.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.billing.forms import (
    RECORDABLE_STATUSES,
    CancelPaymentForm,
    RecordPaymentForm,
    RefundForm,
    refundable_amount,
)
from saas_manager.billing.models import FIXED_FIELDS, Payment
from saas_manager.billing.services import (
    PaymentEffect,
    PaymentResult,
    cancel_payment,
    complete_payment,
    fail_payment,
    propose_next_payment,
    refund_payment,
)
from saas_manager.core.admin import (
    BaseAdmin,
    change_link,
    money_column,
    values_in_use_filter,
)
from saas_manager.core.currencies import format_money
from saas_manager.core.dialogs import (
    add_service_errors,
    redirect_after_action,
    render_dialog,
)
from saas_manager.hosting.models import Instance

# The colour of each status's label in lists.
STATUS_LABELS = {
    PaymentStatus.PENDING: "warning",
    PaymentStatus.COMPLETED: "success",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.CANCELLED: "default",
}

KIND_LABELS = {
    PaymentKind.PAYMENT: "info",
    PaymentKind.REFUND: "warning",
}

# Statuses after which nothing but the notes may change on the form. A failed
# payment may still be cancelled, with the Cancel button.
FINAL_STATUSES = (PaymentStatus.COMPLETED, PaymentStatus.CANCELLED)
FIXED_STATUSES = (*FINAL_STATUSES, PaymentStatus.FAILED)

# The level of the message that shows staff what a payment did to its instance.
EFFECT_LEVELS = {
    PaymentEffect.DUPLICATE: messages.WARNING,
    PaymentEffect.CONVERTED: messages.SUCCESS,
    PaymentEffect.REACTIVATED: messages.SUCCESS,
    PaymentEffect.STILL_DUE: messages.WARNING,
    PaymentEffect.MANUAL_SUSPENSION_KEPT: messages.WARNING,
    PaymentEffect.TERMINATED_KEPT: messages.WARNING,
}

REFUND_DIALOG = {
    "title": _("Refund this payment?"),
    "description": _(
        "A refund returns part or all of the money. It moves the instance's "
        "paid-up date back."
    ),
    "form_class": RefundForm,
    "form_submit_text": _("Record refund"),
}

CANCEL_DIALOG = {
    "title": _("Cancel this payment?"),
    "description": _(
        "A pending or failed payment becomes Cancelled. A completed payment is "
        "not edited: a cancelling entry takes back what is left of it."
    ),
    "form_class": CancelPaymentForm,
    "form_submit_text": _("Cancel payment"),
}


class PaymentColumns:
    """List columns shared by the payment list and the customer's page."""

    @display(
        description=_("kind"),
        ordering="kind",
        label={kind.value: colour for kind, colour in KIND_LABELS.items()},
    )
    def kind_label(self, payment: Payment):
        return payment.kind, payment.get_kind_display()

    @display(
        description=_("status"),
        ordering="status",
        label={status.value: colour for status, colour in STATUS_LABELS.items()},
    )
    def status_label(self, payment: Payment):
        return payment.status, payment.get_status_display()

    @display(description=_("amount"), ordering="amount")
    def amount_column(self, payment: Payment) -> str:
        # A refund is shown negative, as it counts against revenue.
        amount = payment.amount
        if payment.kind == PaymentKind.REFUND and amount is not None:
            amount = -amount
        return money_column(amount, payment.currency)

    @display(description=_("instance"), ordering="instance__database_name")
    def instance_link(self, payment: Payment) -> str:
        return change_link(payment.instance)

    @display(description=_("period"), ordering="period_start")
    def period(self, payment: Payment) -> str:
        if payment.period_start is None:
            return "-"
        return _("%(start)s to %(end)s") % {
            "start": date_format(payment.period_start),
            "end": date_format(payment.period_end),
        }


@admin.register(Payment)
class PaymentAdmin(PaymentColumns, BaseAdmin):
    list_display = (
        "date",
        "customer_link",
        "instance_link",
        "kind_label",
        "amount_column",
        "method",
        "status_label",
        "transaction_reference",
        "period",
    )
    list_select_related = ("customer", "instance")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("method", ChoicesDropdownFilter),
        values_in_use_filter("currency", _("currency")),
        ("date", RangeDateFilter),
    )
    search_fields = (
        "transaction_reference",
        "customer__name",
        "instance__database_name",
        "notes",
    )
    autocomplete_fields = ("customer", "instance", "refund_of")
    readonly_fields = ("period_start", "period_end", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "customer",
                    "instance",
                    "kind",
                    "refund_of",
                    "is_cancellation",
                    "amount",
                    "currency",
                    "method",
                    "status",
                    "transaction_reference",
                    "date",
                )
            },
        ),
        (_("Billing period"), {"fields": ("period_start", "period_end")}),
        (_("Notes"), {"fields": ("notes",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "instance",
                    "customer",
                    "amount",
                    "currency",
                    "method",
                    "status",
                    "transaction_reference",
                    "date",
                )
            },
        ),
        (_("Notes"), {"fields": ("notes",)}),
    )
    change_form_before_template = "admin/billing/payment/proposal.html"
    actions_detail = ("refund_detail", "cancel_detail")

    @display(description=_("customer"), ordering="customer__name")
    def customer_link(self, payment: Payment) -> str:
        return change_link(payment.customer)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ()
        fields = list(super().get_readonly_fields(request, obj))
        if obj.status == PaymentStatus.PENDING:
            return fields
        # The payment is fixed once it left Pending: a mistake in it is
        # corrected with a refund or a cancelling entry.
        fields += [name.removesuffix("_id") for name in FIXED_FIELDS]
        if obj.status in FIXED_STATUSES:
            fields.append("status")
        return fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RecordPaymentForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.user = request.user
        elif "status" in form.base_fields:
            # Cancelling requires a reason, so it has its own button.
            form.base_fields["status"].choices = [
                (status.value, status.label) for status in RECORDABLE_STATUSES
            ]
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """Propose the next unpaid period's amount of the instance in the URL."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("status", PaymentStatus.COMPLETED)
        initial.setdefault("date", timezone.localdate())
        instance = instance_from_request(request)
        if instance is None:
            # Django copies the query string as it is, and an id that is not
            # a number would make the instance field fail to render.
            initial.pop("instance", None)
            return initial
        initial["customer"] = instance.customer_id
        initial["currency"] = instance.currency
        initial["method"] = instance.payment_method or PaymentMethod.BANK_TRANSFER
        proposal = proposal_for(instance)
        if proposal is not None:
            initial["amount"] = proposal.amount
        return initial

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if add:
            instance = instance_from_request(request)
            context["payment_proposal"] = proposal_context(instance)
            context["payment_add"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Payment, form, change: bool):
        if not change:
            # RecordPaymentForm stored the payment through record_payment
            # while it was validated.
            return
        if "status" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        new_status = obj.status
        obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if new_status == PaymentStatus.COMPLETED:
            obj.record_result = complete_payment(obj, user=request.user)
        elif new_status == PaymentStatus.FAILED:
            obj.record_result = fail_payment(obj, user=request.user)

    def log_addition(self, request: HttpRequest, obj: Payment, message):
        result = getattr(obj, "record_result", None)
        if result is not None and not result.created:
            # A duplicate: nothing was added.
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Payment, post_url_continue=None):
        result: PaymentResult | None = getattr(obj, "record_result", None)
        if result is None:
            return super().response_add(request, obj, post_url_continue)
        if result.created:
            self.message_user(request, recorded_message(obj), messages.SUCCESS)
        if result.message:
            level = EFFECT_LEVELS.get(result.effect, messages.INFO)
            self.message_user(request, result.message, level)
        if "_addanother" in request.POST:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(
            reverse("admin:billing_payment_change", args=[obj.pk])
        )

    def response_change(self, request: HttpRequest, obj: Payment):
        response = super().response_change(request, obj)
        result: PaymentResult | None = getattr(obj, "record_result", None)
        if result is not None and result.message:
            level = EFFECT_LEVELS.get(result.effect, messages.INFO)
            self.message_user(request, result.message, level)
        return response

    def get_actions_detail(self, request: HttpRequest, object_id):
        actions = super().get_actions_detail(request, object_id)
        payment = self.get_object(request, unquote(str(object_id)))
        if payment is None:
            return actions
        hidden = set()
        if not can_refund(payment):
            hidden.add("billing_payment_refund_detail")
        if not can_cancel(payment):
            hidden.add("billing_payment_cancel_detail")
        return [item for item in actions if item.action_name not in hidden]

    # Unfold's system check looks a dotted permission up in the database,
    # which fails before the first migrate, so the actions name methods.
    def has_refund_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm("billing.add_payment")

    def has_cancel_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm("billing.change_payment")

    @action(
        description=_("Refund"),
        url_path="refund",
        permissions=["refund"],
        icon="undo",
        variant=ActionVariant.WARNING,
        dialog=REFUND_DIALOG,
    )
    def refund_detail(self, request: HttpRequest, form, object_id) -> HttpResponse:
        payment = self.get_object(request, unquote(str(object_id)))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(object_id)
            )
        data = form.cleaned_data
        try:
            result = refund_payment(
                payment,
                data["amount"],
                date=data["date"],
                transaction_reference=data["transaction_reference"],
                notes=data["notes"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return render_dialog(request, REFUND_DIALOG, form)
        if result.effect == PaymentEffect.DUPLICATE:
            self.message_user(request, result.message, messages.WARNING)
        else:
            self.message_user(request, refund_message(result), messages.SUCCESS)
        url = reverse("admin:billing_payment_change", args=[payment.pk])
        return redirect_after_action(request, url)

    @action(
        description=_("Cancel"),
        url_path="cancel",
        permissions=["cancel"],
        icon="block",
        variant=ActionVariant.DANGER,
        dialog=CANCEL_DIALOG,
    )
    def cancel_detail(self, request: HttpRequest, form, object_id) -> HttpResponse:
        payment = self.get_object(request, unquote(str(object_id)))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(object_id)
            )
        try:
            result = cancel_payment(
                payment, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return render_dialog(request, CANCEL_DIALOG, form)
        self.message_user(request, cancel_message(payment, result), messages.SUCCESS)
        url = reverse("admin:billing_payment_change", args=[payment.pk])
        return redirect_after_action(request, url)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status != PaymentStatus.PENDING:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        # The bulk delete skips both the per-payment check above and the
        # recomputation of the paid-up date in Payment.delete().
        actions.pop("delete_selected", None)
        return actions


def instance_from_request(request: HttpRequest) -> Instance | None:
    """Return the instance named by `?instance=<id>`, or None."""
    value = request.GET.get("instance", "")
    if not value.isdigit():
        return None
    return Instance.objects.select_related("customer").filter(pk=value).first()


def proposal_for(instance: Instance):
    """Return the next payment proposed for the instance, or None for none."""
    try:
        return propose_next_payment(instance)
    except ValidationError:
        # A price of zero leaves nothing to pay, so nothing is proposed.
        return None


def proposal_context(instance: Instance | None) -> dict | None:
    """Return what the add form shows about the instance's next payment."""
    if instance is None:
        return None
    proposal = proposal_for(instance)
    context = {
        "instance": instance,
        "state": instance.get_state_display(),
        "paid_up_to": instance.paid_up_to,
        "currency": instance.currency,
        "price": format_money(instance.price, instance.currency),
        "cycle": instance.get_billing_cycle_display(),
    }
    if proposal is not None:
        context.update(
            {
                "period_start": proposal.period.start,
                "period_end": proposal.period.end,
                "amount": format_money(proposal.amount, proposal.currency),
            }
        )
    return context


def can_refund(payment: Payment) -> bool:
    """Tell whether a completed payment has money left to refund."""
    if payment.kind != PaymentKind.PAYMENT:
        return False
    if payment.status != PaymentStatus.COMPLETED:
        return False
    return refundable_amount(payment) > 0


def can_cancel(payment: Payment) -> bool:
    """Tell whether cancel_payment accepts the payment."""
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return True
    return can_refund(payment)


def recorded_message(payment: Payment) -> str:
    return gettext("Payment %(payment)s of %(amount)s is recorded.") % {
        "payment": payment.pk,
        "amount": format_money(payment.amount, payment.currency),
    }


def refund_message(result: PaymentResult) -> str:
    """Return the sentence for a stored refund and the paid-up date it leaves."""
    refund = result.payment
    message = gettext(
        "Refund %(refund)s of %(amount)s is recorded for payment %(payment)s."
    ) % {
        "refund": refund.pk,
        "amount": format_money(refund.amount, refund.currency),
        "payment": refund.refund_of_id,
    }
    position = result.position
    if refund.instance_id and position is not None and position.is_billed:
        message += " " + gettext(
            "Instance %(instance)s is now paid up to %(date)s."
        ) % {"instance": refund.instance, "date": position.paid_up_to}
    return message


def cancel_message(payment: Payment, result: PaymentResult) -> str:
    if result.payment.pk == payment.pk:
        return gettext("Payment %(payment)s is cancelled.") % {"payment": payment.pk}
    return gettext(
        "Cancelling entry %(entry)s takes back %(amount)s of payment %(payment)s."
    ) % {
        "entry": result.payment.pk,
        "amount": format_money(result.payment.amount, result.payment.currency),
        "payment": payment.pk,
    }


class CustomerPaymentDatasetAdmin(PaymentColumns, ModelAdmin):
    """The payments of one customer, listed on the customer's page.

    Not registered: the customer page's dataset builds it with the customer's
    id in `extra_context["object"]`.
    """

    actions = None
    show_full_result_count = False
    list_per_page = 10
    list_display = (
        "date",
        "kind_label",
        "amount_column",
        "method",
        "status_label",
        "instance_link",
        "transaction_reference",
        "period",
    )
    list_display_links = ("date",)
    search_fields = ("transaction_reference", "instance__database_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The dataset's change list ignores list_select_related.
        return (
            super()
            .get_queryset(request)
            .filter(customer_id=self.extra_context["object"])
            .select_related("instance")
        )
