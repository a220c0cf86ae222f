from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action

from saas_manager.hosting.models import Instance
from saas_manager.notifications.models import Notification, NotificationTemplate
from saas_manager.notifications.rendering import (
    TemplateSources,
    compile_sources,
    default_sources,
    render_sources,
)
from saas_manager.notifications.samples import sample_context
from saas_manager.notifications.services import resend

NOTIFICATION_COLUMNS = [
    "created_at",
    "event",
    "audience",
    "subject",
    "status",
    "sent_at",
]


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "audience",
        "customer",
        "instance",
        "subject",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = [
        "event",
        "status",
        "audience",
        ("customer", admin.RelatedOnlyFieldListFilter),
        ("created_at", RangeDateFilter),
    ]
    list_filter_submit = True
    list_select_related = ["customer", "instance"]
    search_fields = ["subject", "key", "customer__name", "instance__database_name"]
    date_hierarchy = "created_at"
    actions = ["resend_notifications"]
    readonly_fields = [
        "key",
        "event",
        "audience",
        "customer",
        "instance",
        "recipients",
        "subject",
        "text_body",
        "html_preview",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    exclude = ["html_body"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("HTML body"))
    def html_preview(self, obj):
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;height:24rem;'
            'border:1px solid #e5e7eb;background:#fff"></iframe>',
            obj.html_body,
        )

    @action(description=_("Send again"), permissions=["change"])
    def resend_notifications(self, request, queryset):
        now = timezone.now()
        count = 0
        for notification in queryset.select_related("customer__account_manager"):
            resend(notification, now)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d notification is queued to be sent again.",
                "%(count)d notifications are queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class NotificationTemplateForm(forms.ModelForm):
    preview_instance = forms.ModelChoiceField(
        label=_("preview with instance"),
        queryset=Instance.objects.select_related("customer", "package"),
        required=False,
        help_text=_(
            "The instance whose data fills the preview. Press Preview to see the "
            "message before saving."
        ),
    )

    class Meta:
        model = NotificationTemplate
        fields = ["event", "subject", "text_body", "html_body"]
        widgets = {"subject": forms.TextInput(attrs={"size": 80})}

    def clean(self):
        cleaned = super().clean()
        sources = TemplateSources(
            cleaned.get("subject") or "",
            cleaned.get("text_body") or "",
            cleaned.get("html_body") or "",
        )
        try:
            compile_sources(sources)
        except TemplateSyntaxError as error:
            raise forms.ValidationError(
                _("The template is not valid: %(error)s. Correct it and try again.")
                % {"error": error}
            ) from None
        return cleaned


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(SimpleHistoryAdmin, ModelAdmin):
    """The operator's templates, each previewed with a real instance."""

    form = NotificationTemplateForm
    change_form_template = "notifications/admin/template_change_form.html"
    list_display = ["event", "subject", "updated_at"]
    fields = ["event", "subject", "text_body", "html_body", "preview_instance"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        event = initial.get("event")
        if event:
            defaults = default_sources(event)
            initial.setdefault("subject", defaults.subject.strip())
            initial.setdefault("text_body", defaults.text_body)
            initial.setdefault("html_body", defaults.html_body)
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return self._preview_view(request, object_id, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_view(self, request, object_id, extra_context):
        obj = self.get_object(request, object_id) if object_id else None
        add = obj is None
        if add and not self.has_add_permission(request):
            raise PermissionDenied
        if not add and not self.has_change_permission(request, obj):
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=not add)
        form = form_class(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            preview = self._render_preview(form)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview notification template"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "preview": preview,
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=""
        )

    def _render_preview(self, form):
        instance = form.cleaned_data.get("preview_instance")
        if instance is None:
            instance = Instance.objects.select_related("customer", "package").first()
        if instance is None:
            return {"error": _("There is no instance yet to fill the preview.")}
        event = form.cleaned_data["event"]
        sources = TemplateSources(
            form.cleaned_data["subject"],
            form.cleaned_data["text_body"],
            form.cleaned_data.get("html_body") or "",
        )
        context = sample_context(event, instance)
        try:
            message = render_sources(sources, context, instance.customer.language)
        except Exception as error:
            # A template typed by staff can fail in any filter or tag; the
            # preview shows the error instead of a server error page.
            return {"error": f"{type(error).__name__}: {error}"}
        return {"instance": instance, "message": message}


class _NotificationInline(TabularInline):
    """A read-only list of the notifications of a customer or an instance."""

    model = Notification
    fields = NOTIFICATION_COLUMNS
    readonly_fields = NOTIFICATION_COLUMNS
    ordering = ["-created_at", "-id"]
    extra = 0
    per_page = 10
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("notifications")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CustomerNotificationInline(_NotificationInline):
    fk_name = "customer"


class InstanceNotificationInline(_NotificationInline):
    fk_name = "instance"
