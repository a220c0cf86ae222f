from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    SAVED = "saved", _("Saved")
    REJECTED = "rejected", _("Rejected")


class ImportMode(models.TextChoices):
    ALL_OR_NONE = "all_or_none", _("All rows or none")
    PARTIAL = "partial", _("Valid rows, report the others")


class ImportBatch(models.Model):
    """One run of a file through the import pipeline, kept as a business event."""

    file_name = models.CharField(_("file name"), max_length=255)
    mapping = models.CharField(_("mapping"), max_length=100)
    mapping_document = models.JSONField(
        _("mapping document"),
        default=dict,
        blank=True,
        help_text=_("The mapping file as it was used."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus, default=ImportStatus.PREVIEWED
    )
    mode = models.CharField(
        _("mode"), max_length=12, choices=ImportMode, default=ImportMode.ALL_OR_NONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    summary = models.JSONField(
        _("counts by record"),
        default=dict,
        blank=True,
        help_text=_("Created, updated and unchanged counts per record of the mapping."),
    )
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size in bytes"), default=0)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    as_of = models.DateField(
        _("reference date"),
        null=True,
        blank=True,
        help_text=_(
            "The date that durations in the file, such as tenure, count back from."
        ),
    )
    content = models.BinaryField(
        _("file content"),
        blank=True,
        default=b"",
        editable=False,
        help_text=_("Kept from a preview until it is confirmed."),
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected rows"), default=0)
    skipped_count = models.PositiveIntegerField(
        _("skipped rows"), default=0, help_text=_("Rows that produce no record.")
    )
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    updated_count = models.PositiveIntegerField(_("records updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("records unchanged"), default=0)
    rounded_count = models.PositiveIntegerField(_("amounts rounded"), default=0)
    errors = models.JSONField(
        _("row errors"),
        default=list,
        blank=True,
        help_text=_("The first errors of the run; error count has the total."),
    )
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.JSONField(
        _("warnings"),
        default=list,
        blank=True,
        help_text=_("The first warnings of the run; warning count has the total."),
    )
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration in ms"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # The imports list filters on the status.
            models.Index(fields=["status"], name="import_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.mapping})"

    @property
    def file_rejected(self) -> bool:
        """Whether an error of the whole file (line 0) rejected the import."""
        return any(problem.get("line") == 0 for problem in self.errors)
