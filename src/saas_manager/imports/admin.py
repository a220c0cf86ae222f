"""The Imports list and the upload page: preview a file, then confirm it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from unfold.admin import ModelAdmin

from saas_manager.imports.cells import RowError
from saas_manager.imports.forms import ConfirmForm, UploadForm
from saas_manager.imports.mapping import MappingError, parse_mapping
from saas_manager.imports.models import ImportBatch, ImportMode, ImportStatus
from saas_manager.imports.pipeline import Options, run_import

# The preview lists this many errors; the batch keeps all of them.
PREVIEW_ERROR_LIMIT = 200


@admin.register(ImportBatch)
class ImportBatchAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "file_name",
        "mapping",
        "status",
        "mode",
        "row_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "created_by",
    ]
    list_filter = ["status", "mode", "mapping"]
    search_fields = ["file_name", "mapping", "sha256"]
    change_list_template = "imports/change_list.html"
    exclude = ["content"]

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name for field in self.model._meta.fields if field.name != "content"
        ]

    def has_change_permission(self, request, obj=None) -> bool:
        # A batch is the record of a run, so it is read-only afterwards.
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:imports_importbatch_upload")

    def get_urls(self):
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="imports_importbatch_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Preview an uploaded file, or save a previewed one once confirmed."""
        if not request.user.has_perm("imports.add_importbatch"):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        batch = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            batch = run_import(
                upload.read(),
                file_name=upload.name,
                mapping=form.cleaned_data["mapping_object"],
                options=Options(
                    partial=form.cleaned_data["partial"],
                    dry_run=True,
                    as_of=form.cleaned_data["as_of"],
                    user=request.user,
                ),
            )
        return self._render(request, form, batch)

    def _confirm(self, request):
        confirm = ConfirmForm(request.POST)
        if not confirm.is_valid():
            raise PermissionDenied
        batch = get_object_or_404(
            ImportBatch,
            pk=confirm.cleaned_data["batch"],
            status=ImportStatus.PREVIEWED,
            created_by=request.user,
        )
        try:
            mapping = parse_mapping(batch.mapping_document, default_name=batch.mapping)
        except MappingError as error:
            messages.error(request, str(error))
            return redirect("admin:imports_importbatch_upload")
        batch = run_import(
            bytes(batch.content),
            file_name=batch.file_name,
            mapping=mapping,
            options=Options(
                partial=batch.mode == ImportMode.PARTIAL,
                as_of=batch.as_of,
                user=request.user,
            ),
            batch=batch,
        )
        if batch.status == ImportStatus.SAVED:
            messages.success(
                request,
                _(
                    "Imported %(file)s: %(created)d records created, %(updated)d "
                    "updated, %(unchanged)d unchanged, %(rejected)d rows rejected."
                )
                % {
                    "file": batch.file_name,
                    "created": batch.created_count,
                    "updated": batch.updated_count,
                    "unchanged": batch.unchanged_count,
                    "rejected": batch.rejected_count,
                },
            )
        else:
            messages.error(
                request,
                _(
                    "%(file)s was rejected: %(count)d rows have errors, so nothing "
                    "was saved."
                )
                % {"file": batch.file_name, "count": batch.rejected_count},
            )
        return redirect(reverse("admin:imports_importbatch_change", args=[batch.pk]))

    def _render(self, request, form, batch):
        errors = [RowError(**problem) for problem in batch.errors] if batch else []
        warnings = [RowError(**problem) for problem in batch.warnings] if batch else []
        can_confirm = batch is not None and batch.status == ImportStatus.PREVIEWED
        if can_confirm and batch.mode == ImportMode.ALL_OR_NONE and errors:
            can_confirm = False
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload a file to import"),
            "form": form,
            "batch": batch,
            "errors": errors[:PREVIEW_ERROR_LIMIT],
            "hidden_error_count": max(0, batch.error_count - PREVIEW_ERROR_LIMIT)
            if batch
            else 0,
            "warnings": warnings[:PREVIEW_ERROR_LIMIT],
            "can_confirm": can_confirm,
            "confirm_form": ConfirmForm(initial={"batch": batch.pk}) if batch else None,
        }
        return TemplateResponse(request, "imports/upload.html", context)
