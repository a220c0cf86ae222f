"""`saas-manager import FILE --mapping MAPPING`: import a CSV file."""

import argparse
import datetime
import stat
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from saas_manager.imports.cells import RowError
from saas_manager.imports.mapping import (
    MappingError,
    load_mapping,
    shipped_mapping_names,
)
from saas_manager.imports.models import ImportStatus
from saas_manager.imports.pipeline import Options, run_import


def _date(value: str) -> datetime.date:
    # argparse prints an ArgumentTypeError as one line of usage; any other
    # exception raised here would print a traceback.
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            _("%(value)r is not a date; expected a date such as 2024-12-31.")
            % {"value": value}
        ) from error


def _byte_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(
            _("%(value)r is not a number of bytes; expected a whole number above 0.")
            % {"value": value}
        )
    return count


def _read_file(path: Path, limit: int) -> bytes:
    """Read at most limit bytes of a regular file, or raise CommandError."""
    try:
        status = path.stat()
    except OSError as error:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from error
    if not stat.S_ISREG(status.st_mode):
        raise CommandError(
            _(
                "%(path)s is not a regular file (it is a directory, a device or "
                "a pipe); give the path of a CSV file."
            )
            % {"path": path}
        )
    try:
        with path.open("rb") as file:
            # Reading one byte more than the limit detects a file that is too
            # large, even one that grew after stat().
            content = file.read(limit + 1)
    except OSError as error:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from error
    if len(content) > limit:
        raise CommandError(
            _(
                "%(path)s is %(size)d bytes; the maximum is %(limit)d bytes "
                "(IMPORT_MAX_UPLOAD_BYTES). Split the file, or give --max-bytes "
                "to raise the limit for this run."
            )
            % {"path": path, "size": max(status.st_size, len(content)), "limit": limit}
        )
    return content


class Command(BaseCommand):
    help = (
        "Import a CSV file with a mapping. All rows are saved or none, unless "
        "--partial is given. Exits with status 1 when the import is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file to import.")
        parser.add_argument(
            "--mapping",
            required=True,
            help="A shipped mapping ({}) or the path of a JSON mapping file.".format(
                ", ".join(shipped_mapping_names())
            ),
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Save the valid rows and report the others, instead of saving "
            "nothing when a row is rejected.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what the import would do and save nothing.",
        )
        parser.add_argument(
            "--as-of",
            type=_date,
            help="The reference date (YYYY-MM-DD) that durations in the file, "
            "such as a tenure in months, count back from. Overrides the mapping's "
            "as_of.",
        )
        parser.add_argument(
            "--max-bytes",
            type=_byte_count,
            help="The largest file, in bytes, that this run reads. Defaults to "
            "IMPORT_MAX_UPLOAD_BYTES, the upload page's limit.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        limit = options["max_bytes"] or settings.IMPORT_MAX_UPLOAD_BYTES
        content = _read_file(path, limit)
        try:
            mapping = load_mapping(options["mapping"])
        except MappingError as error:
            raise CommandError(str(error)) from error
        batch = run_import(
            content,
            file_name=path.name,
            mapping=mapping,
            options=Options(
                partial=options["partial"],
                dry_run=options["dry_run"],
                as_of=options["as_of"],
            ),
        )
        for problem in batch.errors:
            self.stderr.write(str(RowError(**problem)))
        if batch.error_count > len(batch.errors):
            self.stderr.write(
                _("%(count)d more errors are not stored; fix the ones above first.")
                % {"count": batch.error_count - len(batch.errors)}
            )
        for problem in batch.warnings:
            self.stderr.write(
                _("warning: %(problem)s") % {"problem": RowError(**problem)}
            )
        if batch.warning_count > len(batch.warnings):
            self.stderr.write(
                _("%(count)d more warnings are not stored.")
                % {"count": batch.warning_count - len(batch.warnings)}
            )
        self.stdout.write(self._summary(batch))
        if batch.status == ImportStatus.REJECTED:
            if batch.file_rejected:
                message = _("Import rejected: the file as a whole; nothing was saved.")
            elif batch.rejected_count:
                message = _(
                    "Import rejected: %(count)d rows have errors; nothing was saved."
                ) % {"count": batch.rejected_count}
            else:
                message = _("Import rejected; nothing was saved.")
            raise CommandError(message, returncode=1)

    def _summary(self, batch) -> str:
        lines = [
            _("%(status)s: %(file)s with %(mapping)s, %(rows)d rows in %(ms)d ms.")
            % {
                "status": batch.get_status_display(),
                "file": batch.file_name,
                "mapping": batch.mapping,
                "rows": batch.row_count,
                "ms": batch.duration_ms,
            }
        ]
        if batch.status == ImportStatus.SAVED:
            counts_line = _(
                "  %(record)s: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged"
            )
        else:
            # Nothing was saved, so the counts are what a saved run would do.
            counts_line = _(
                "  %(record)s: %(created)d would be created, %(updated)d would be "
                "updated, %(unchanged)d unchanged"
            )
        for record, counts in batch.summary.items():
            lines.append(counts_line % {"record": record, **counts})
        if batch.file_rejected:
            lines.append(_("  rows rejected: the whole file (the line 0 error above)"))
            return "\n".join(lines)
        lines.append(
            _(
                "  rows rejected: %(rejected)d, skipped: %(skipped)d, amounts rounded: "
                "%(rounded)d"
            )
            % {
                "rejected": batch.rejected_count,
                "skipped": batch.skipped_count,
                "rounded": batch.rounded_count,
            }
        )
        return "\n".join(lines)
