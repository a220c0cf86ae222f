"""The `automate` command: every automation rule once, or a dry run of them."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from saas_manager.automation.runner import run_automation
from saas_manager.notifications.sending import send_due_notifications


def parse_moment(value: str) -> datetime.datetime:
    """Parse an ISO 8601 moment; one without an offset is in settings.TIME_ZONE."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        try:
            moment = datetime.datetime.combine(
                datetime.date.fromisoformat(value), datetime.time()
            )
        except ValueError:
            raise CommandError(
                f"--at {value} is not a valid moment: expected ISO 8601, such as "
                "2026-03-01T06:00:00+01:00 or 2026-03-01."
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Run every automation rule once: trial reminders and expiry, payment "
        "reminders, overdue suspension, reactivation, termination after a long "
        "suspension and the watchdogs. Safe to run again at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what each rule would do, per instance, and change nothing.",
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="Also send the notifications that are due, for running from "
            "cron or a systemd timer without the worker.",
        )
        parser.add_argument(
            "--at",
            metavar="MOMENT",
            help="Run for this moment (ISO 8601) instead of now.",
        )

    def handle(self, *args, **options):
        now = parse_moment(options["at"]) if options["at"] else timezone.now()
        dry_run = options["dry_run"]
        report = run_automation(now, dry_run=dry_run)
        prefix = "would " if dry_run else ""
        for action in report.actions:
            self.stdout.write(
                f"{action.rule}: {action.subject}: {prefix}{action.description}"
            )
        for failure in report.failures:
            self.stderr.write(f"FAILED {failure}")
        summary = (
            f"{'Dry run' if dry_run else 'Run'} for "
            f"{timezone.localtime(now).isoformat()}: "
            f"{len(report.actions)} actions, {len(report.failures)} failures."
        )
        self.stdout.write(summary)
        if options["send"] and not dry_run:
            sent = send_due_notifications(now)
            self.stdout.write(
                f"Notifications: {sent.sent} sent, {sent.retried} to retry, "
                f"{sent.failed} failed."
            )
        if not report.ok:
            raise CommandError(
                f"{len(report.failures)} rule items failed; each is logged with "
                "its instance.",
                returncode=1,
            )
