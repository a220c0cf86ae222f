from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    SAVED = "saved", _("Saved")
    REJECTED = "rejected", _("Rejected")


class ImportBatch(models.Model):
    """One run of a file through the import pipeline, kept as a business event."""

    file_name = models.CharField(_("file name"), max_length=255)
    mapping = models.CharField(_("mapping"), max_length=100)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus, default=ImportStatus.PREVIEWED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.mapping})"
