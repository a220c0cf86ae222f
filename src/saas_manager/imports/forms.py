"""The upload page's forms."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldBooleanWidget,
)

from saas_manager.imports.mapping import (
    MappingError,
    decode_json,
    load_mapping,
    parse_mapping,
    shipped_mapping_names,
)

_FROM_FILE = ""


def _mapping_choices():
    choices = [(name, name) for name in shipped_mapping_names()]
    return [*choices, (_FROM_FILE, gettext_lazy("A mapping file uploaded below"))]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=UnfoldAdminFileFieldWidget,
    )
    mapping = forms.ChoiceField(
        label=gettext_lazy("Mapping"),
        choices=_mapping_choices,
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    mapping_file = forms.FileField(
        label=gettext_lazy("Mapping file"),
        required=False,
        help_text=gettext_lazy(
            "A JSON mapping, used when no shipped mapping is chosen."
        ),
        widget=UnfoldAdminFileFieldWidget,
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Save the valid rows and report the others"),
        required=False,
        help_text=gettext_lazy(
            "Without this, one rejected row means that nothing is saved."
        ),
        widget=UnfoldBooleanWidget,
    )
    as_of = forms.DateField(
        label=gettext_lazy("Reference date"),
        required=False,
        help_text=gettext_lazy(
            "The date that durations in the file, such as a tenure in months, "
            "count back from. Empty uses the mapping's."
        ),
        widget=UnfoldAdminSingleDateWidget,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "%(name)s is %(size)d bytes; the maximum upload is %(limit)d "
                    "bytes (IMPORT_MAX_UPLOAD_BYTES). Split the file and upload "
                    "each part."
                ),
                code="too_large",
                params={"name": upload.name, "size": upload.size, "limit": limit},
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("mapping")
        mapping_file = cleaned.get("mapping_file")
        try:
            if name:
                cleaned["mapping_object"] = load_mapping(name)
            elif mapping_file is not None:
                cleaned["mapping_object"] = _parse_uploaded_mapping(mapping_file)
            else:
                raise MappingError(
                    _("Choose a shipped mapping or upload a mapping file.")
                )
        except MappingError as error:
            self.add_error("mapping_file" if not name else "mapping", str(error))
        return cleaned


def _parse_uploaded_mapping(upload):
    if upload.size > 1024 * 1024:
        raise MappingError(_("A mapping file is at most 1 MiB."))
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise MappingError(
            _("%(name)s is not valid JSON: %(reason)s")
            % {"name": upload.name, "reason": error}
        ) from error
    document = decode_json(text, upload.name)
    return parse_mapping(document, default_name=upload.name.rsplit(".", 1)[0])


class ConfirmForm(forms.Form):
    batch = forms.IntegerField(widget=forms.HiddenInput)
