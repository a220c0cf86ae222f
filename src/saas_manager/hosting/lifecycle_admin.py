"""The lifecycle on the instance page: its buttons, dialogs and history table.

The buttons only collect a reason and call the services of
saas_manager.hosting.lifecycle, which check the transition table and record
the event.
"""

import dataclasses
from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldBooleanWidget

from saas_manager.core.dialogs import (
    add_service_errors,
    redirect_after_action,
    render_dialog,
)
from saas_manager.hosting.lifecycle import (
    Actor,
    LifecycleError,
    allowed_targets,
    change_state,
)
from saas_manager.hosting.models import (
    ActorKind,
    Instance,
    InstanceEvent,
    InstanceState,
)


def staff_member_name(user) -> str:
    """Return the staff member's full name, or the username when it has none."""
    return user.get_full_name() or user.username


class TransitionForm(BaseDialogForm):
    """The reason for a state change, asked in the dialog of its button.

    Whether the reason is required is the lifecycle service's rule (a
    suspension or a termination needs one), so the field is optional here
    and the service's message shows when it is missing.
    """

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_(
            "Recorded in the instance's history. Required to suspend or terminate."
        ),
    )


class TerminateForm(TransitionForm):
    """The reason for a termination and the confirmation that it is final."""

    confirm = forms.BooleanField(
        label=_("I understand that Terminated is final"),
        widget=UnfoldBooleanWidget,
        error_messages={
            "required": _(
                "The confirmation is missing. Tick the box to confirm that the "
                "termination cannot be undone."
            )
        },
    )


class BulkTransitionForm(forms.Form):
    """The reason (and, to terminate, the confirmation) for a bulk action."""

    reason = TransitionForm.base_fields["reason"]

    def __init__(self, *args, confirm: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if confirm:
            self.fields["confirm"] = TerminateForm.base_fields["confirm"]


def lifecycle_button(to_state: str, description, icon: str, variant) -> object:
    """Return an unfold detail action that opens the dialog for one target state.

    The action has the attributes that unfold's `@action` decorator sets. Its
    URL path is `transition/<state>`, the same one that
    InstanceAdmin.transition_view serves for every state, so each button and a
    direct request for any state run the same checks.
    """

    def button(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.transition_view(request, object_id, to_state)

    button.__name__ = f"to_{to_state}"
    button.allowed_permissions = ("lifecycle",)
    button.short_description = description
    button.url_path = f"transition/{to_state}"
    button.icon = icon
    button.variant = variant
    # Any dialog value makes unfold load the button's URL into its modal.
    button.dialog = {"title": description}
    button.attrs = {}
    return button


def button_label(instance: Instance, to_state: str) -> str | None:
    """Return the label of the button to `to_state`, or None to hide it.

    A button shows only for a transition the table allows from the current
    state, and not when its rule cannot hold: a trial needs trial days in
    the package, and a trial expires only after its end date.
    """
    state = instance.state
    if to_state not in allowed_targets(state):
        return None
    trial_days = instance.package.trial_days
    if to_state == InstanceState.TRIAL:
        return gettext("Start trial") if trial_days > 0 else None
    if to_state == InstanceState.EXPIRED:
        trial_end = instance.trial_end_date
        if trial_end is not None and trial_end >= timezone.localdate():
            return None
        return gettext("Expire trial")
    if to_state == InstanceState.ACTIVE:
        if state == InstanceState.PROVISIONING:
            if trial_days > 0:
                return gettext("Activate without trial")
            return gettext("Finish provisioning")
        if state == InstanceState.TRIAL:
            return gettext("Convert to Active")
        return gettext("Reactivate")
    if to_state == InstanceState.SUSPENDED:
        return gettext("Suspend")
    return gettext("Terminate")


def transition_dialog(instance: Instance, to_state: str) -> dict:
    """Return the title, text and submit label of the dialog for a transition."""
    values = {
        "instance": instance,
        "state": InstanceState(to_state).label,
        "days": instance.package.trial_days,
        "date": instance.trial_end_date or "-",
    }
    state = instance.state
    texts = {
        InstanceState.TRIAL: (
            _("Start the trial of %(instance)s?"),
            _("Provisioning is finished and a trial of %(days)d days starts today."),
        ),
        InstanceState.SUSPENDED: (
            _("Suspend %(instance)s?"),
            _(
                "A suspension made by hand is lifted only by hand: a payment "
                "does not end it. The reason is recorded in the history."
            ),
        ),
        InstanceState.EXPIRED: (
            _("Expire the trial of %(instance)s?"),
            _("The trial ended on %(date)s. The instance stops until it is paid."),
        ),
        InstanceState.TERMINATED: (
            _("Terminate %(instance)s?"),
            _(
                "Terminated is final: the instance can never become Active "
                "again. Its payments and history are kept."
            ),
        ),
    }
    if to_state == InstanceState.ACTIVE:
        texts[InstanceState.ACTIVE] = {
            InstanceState.PROVISIONING: (
                _("Activate %(instance)s?"),
                _("Provisioning is finished and billing starts today, no trial."),
            ),
            InstanceState.TRIAL: (
                _("Convert %(instance)s to Active?"),
                _(
                    "Billing starts the day after the trial ends (%(date)s), or "
                    "today if the trial has ended."
                ),
            ),
            InstanceState.EXPIRED: (
                _("Reactivate %(instance)s?"),
                _("Its trial expired on %(date)s. Billing starts today."),
            ),
        }.get(
            state,
            (
                _("Reactivate %(instance)s?"),
                _("The instance becomes Active again. Its billing periods go on."),
            ),
        )
    title, description = texts.get(
        to_state,
        (_("Move %(instance)s to %(state)s?"), ""),
    )
    return {
        "title": title % values,
        "description": description % values if description else "",
        "form_submit_text": button_label(instance, to_state)
        or InstanceState(to_state).label,
    }


def event_rows(instance: Instance) -> list[list]:
    """Return the instance's events, newest first, as rows of the history table."""
    events = instance.events.select_related("actor_user", "payment").order_by(
        "-at", "-id"
    )
    return [
        [
            date_format(timezone.localtime(event.at), "DATETIME_FORMAT"),
            event.get_from_state_display() or gettext("(new)"),
            event.get_to_state_display(),
            event_actor(event),
            event.reason or "-",
            event.get_suspension_kind_display() or "-",
        ]
        for event in events
    ]


def event_actor(event: InstanceEvent) -> str:
    """Return who made the change: the staff member, a payment, the automation."""
    if event.actor_kind == ActorKind.PAYMENT and event.payment is not None:
        url = reverse("admin:billing_payment_change", args=[event.payment_id])
        return format_html(
            '<a href="{}" class="text-primary-600">{}</a>',
            url,
            gettext("Payment #%(id)s") % {"id": event.payment_id},
        )
    if event.actor_user is not None:
        name = staff_member_name(event.actor_user)
        if event.actor_kind == ActorKind.STAFF:
            return name
        return f"{event.get_actor_kind_display()} ({name})"
    return event.get_actor_kind_display()


def instance_names(instances: Iterable[Instance]) -> str:
    return ", ".join(str(instance) for instance in instances)


def history_table(instance: Instance) -> dict:
    """Return the headers and rows of the history table on the instance page."""
    return {
        "headers": [
            gettext("time"),
            gettext("from"),
            gettext("to"),
            gettext("actor"),
            gettext("reason"),
            gettext("suspension kind"),
        ],
        "rows": event_rows(instance),
    }


# The titles of the intermediate pages of the bulk actions.
BULK_TITLES = {
    InstanceState.SUSPENDED: _("Suspend the selected instances"),
    InstanceState.ACTIVE: _("Reactivate the selected instances"),
    InstanceState.TERMINATED: _("Terminate the selected instances"),
}


class InstanceLifecycleAdmin:
    """The lifecycle buttons, their dialogs and the bulk actions of InstanceAdmin.

    Mixed into the ModelAdmin of Instance, which lists the buttons in
    `actions_detail` and the bulk actions in `actions`.
    """

    start_trial = lifecycle_button(
        InstanceState.TRIAL, _("Start trial"), "hourglass_top", ActionVariant.DEFAULT
    )
    activate = lifecycle_button(
        InstanceState.ACTIVE, _("Activate"), "play_circle", ActionVariant.SUCCESS
    )
    expire = lifecycle_button(
        InstanceState.EXPIRED, _("Expire trial"), "timer_off", ActionVariant.DEFAULT
    )
    suspend = lifecycle_button(
        InstanceState.SUSPENDED, _("Suspend"), "pause_circle", ActionVariant.WARNING
    )
    terminate = lifecycle_button(
        InstanceState.TERMINATED, _("Terminate"), "cancel", ActionVariant.DANGER
    )

    def get_urls(self):
        # Every state, also one that no button offers, is served here, so a
        # request for a transition that the table rejects gets its message.
        transition = path(
            "<path:object_id>/transition/<str:to_state>/",
            self.admin_site.admin_view(self.transition_view),
            name="hosting_instance_transition",
        )
        return [transition, *super().get_urls()]

    def get_actions_detail(self, request: HttpRequest, object_id):
        actions = super().get_actions_detail(request, object_id)
        instance = self.get_object(request, unquote(str(object_id)))
        if instance is None:
            return actions
        shown = []
        for item in actions:
            to_state = button_target(item.method)
            if to_state is None:
                shown.append(item)
                continue
            label = button_label(instance, to_state)
            if label is not None:
                shown.append(dataclasses.replace(item, description=label))
        return shown

    def transition_view(
        self, request: HttpRequest, object_id: str, to_state: str
    ) -> HttpResponse:
        """Show the dialog of a state change (GET) or make the change (POST).

        A change that the lifecycle rejects is reported as an error message
        on the instance page and changes nothing. A missing reason or
        confirmation shows the dialog again with the message.
        """
        if to_state not in InstanceState.values:
            raise Http404(
                gettext("%(value)s is not an instance state.") % {"value": to_state}
            )
        instance = self.get_object(request, unquote(str(object_id)))
        if instance is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(object_id)
            )
        if not self.has_change_permission(request, instance):
            raise PermissionDenied
        form_class = (
            TerminateForm if to_state == InstanceState.TERMINATED else TransitionForm
        )
        form = form_class(
            request=request, object_id=instance.pk, data=request.POST or None
        )
        dialog = transition_dialog(instance, to_state)
        if request.method != "POST" or not form.is_valid():
            return render_dialog(request, dialog, form)
        from_state = InstanceState(instance.state)
        try:
            change_state(
                instance,
                to_state,
                actor=Actor.staff(request.user),
                reason=form.cleaned_data["reason"],
            )
        except LifecycleError as error:
            self.message_user(request, error.message, messages.ERROR)
        except ValidationError as error:
            add_service_errors(form, error)
            return render_dialog(request, dialog, form)
        else:
            message = gettext("Instance %(instance)s moved from %(from)s to %(to)s.")
            values = {
                "instance": instance,
                "from": from_state.label,
                "to": instance.get_state_display(),
            }
            self.message_user(request, message % values, messages.SUCCESS)
        url = reverse("admin:hosting_instance_change", args=[instance.pk])
        return redirect_after_action(request, url)

    # Unfold's system check looks a dotted permission up in the database,
    # which fails before the first migrate, so the actions name methods.
    def has_lifecycle_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm("hosting.change_instance")

    def has_record_payment_permission(
        self, request: HttpRequest, object_id=None
    ) -> bool:
        return request.user.has_perm("billing.add_payment")

    @action(
        description=_("Record payment"),
        url_path="record-payment",
        permissions=["record_payment"],
        icon="payments",
    )
    def record_payment(self, request: HttpRequest, object_id: str) -> HttpResponse:
        url = reverse("admin:billing_payment_add")
        return HttpResponseRedirect(f"{url}?instance={unquote(str(object_id))}")

    @admin.action(
        description=_("Suspend the selected instances"), permissions=["change"]
    )
    def suspend_selected(self, request: HttpRequest, queryset: QuerySet):
        return self._bulk_transition(
            request, queryset, InstanceState.SUSPENDED, "suspend_selected"
        )

    @admin.action(
        description=_("Reactivate the selected instances"), permissions=["change"]
    )
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet):
        return self._bulk_transition(
            request, queryset, InstanceState.ACTIVE, "reactivate_selected"
        )

    @admin.action(
        description=_("Terminate the selected instances"), permissions=["change"]
    )
    def terminate_selected(self, request: HttpRequest, queryset: QuerySet):
        return self._bulk_transition(
            request, queryset, InstanceState.TERMINATED, "terminate_selected"
        )

    def _bulk_transition(
        self, request: HttpRequest, queryset: QuerySet, to_state: str, name: str
    ) -> TemplateResponse | None:
        """Ask for the reason on an intermediate page, then move each instance.

        Each instance moves in its own transaction, so one that is rejected
        does not keep the others from moving. The messages list the instances
        that moved and, one by one, those rejected with the reason.
        """
        confirm = to_state == InstanceState.TERMINATED
        data = request.POST if "apply" in request.POST else None
        form = BulkTransitionForm(data, confirm=confirm)
        instances = list(queryset.order_by("database_name"))
        if form.is_bound and form.is_valid():
            try:
                moved, rejected = move_each(
                    instances,
                    to_state,
                    actor=Actor.staff(request.user),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                self._report_bulk(request, to_state, moved, rejected)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": BULK_TITLES[to_state],
            "opts": self.opts,
            "form": form,
            "instances": instances,
            "action_name": name,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "to_state": InstanceState(to_state).label,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/hosting/instance/bulk_transition.html", context
        )

    def _report_bulk(self, request, to_state, moved, rejected) -> None:
        label = InstanceState(to_state).label
        if moved:
            message = ngettext(
                "%(count)d instance moved to %(state)s: %(names)s.",
                "%(count)d instances moved to %(state)s: %(names)s.",
                len(moved),
            ) % {"count": len(moved), "state": label, "names": instance_names(moved)}
            self.message_user(request, message, messages.SUCCESS)
        for instance, reason in rejected:
            message = gettext("%(instance)s was not moved to %(state)s: %(reason)s")
            values = {"instance": instance, "state": label, "reason": reason}
            self.message_user(request, message % values, messages.ERROR)


def button_target(method) -> str | None:
    """Return the target state of a lifecycle button, or None for another action."""
    url_path = getattr(method, "url_path", "")
    if not url_path.startswith("transition/"):
        return None
    return url_path.removeprefix("transition/")


def move_each(
    instances: list[Instance], to_state: str, *, actor: Actor, reason: str
) -> tuple[list[Instance], list[tuple[Instance, str]]]:
    """Move each instance and return those moved and those rejected with why.

    A missing reason raises ValidationError before any instance moves,
    because the services check the reason before the state.
    """
    moved = []
    rejected = []
    for instance in instances:
        if to_state == InstanceState.ACTIVE and instance.state not in (
            InstanceState.SUSPENDED,
            InstanceState.EXPIRED,
        ):
            # change_state would convert a trial or finish provisioning,
            # which is not what "reactivate" requests.
            message = gettext(
                "Instance %(instance)s is %(state)s. Only a Suspended or "
                "Expired instance can be reactivated."
            ) % {"instance": instance, "state": instance.get_state_display()}
            rejected.append((instance, message))
            continue
        try:
            change_state(instance, to_state, actor=actor, reason=reason)
        except LifecycleError as error:
            rejected.append((instance, error.message))
        except ValidationError as error:
            if "reason" in getattr(error, "error_dict", {}):
                raise
            rejected.append((instance, " ".join(error.messages)))
        else:
            moved.append(instance)
    return moved, rejected
