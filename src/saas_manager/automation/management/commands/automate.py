"""The `automate` command: every automation rule once, or a dry run of them."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from saas_manager.automation import moments
from saas_manager.automation.runner import run_automation
from saas_manager.notifications.sending import send_due_notifications


def parse_moment(value: str) -> datetime.datetime:
    """Parse the value of --at; one without an offset is in settings.TIME_ZONE."""
    try:
        return moments.parse_moment("--at", value)
    except moments.MomentRejected as error:
        raise CommandError(str(error)) from None


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
            help="Run for this moment (ISO 8601) instead of now. A real run "
            "accepts a moment from the latest one the automation ran for to now "
            f"plus {moments.FUTURE_TOLERANCE.total_seconds() // 60:.0f} minutes; "
            "a dry run accepts any moment from "
            f"{moments.EARLIEST_DATE} to {moments.LATEST_DATE}.",
        )

    def _moment(
        self, value: str, *, dry_run: bool, clock: datetime.datetime
    ) -> datetime.datetime:
        """Return the moment of --at, or raise CommandError before any rule runs."""
        moment = parse_moment(value)
        if not dry_run:
            try:
                moments.check_real_run_moment("--at", value, moment, clock)
            except moments.MomentRejected as error:
                raise CommandError(str(error)) from None
        return moment

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        now = timezone.now()
        if options["at"]:
            now = self._moment(options["at"], dry_run=dry_run, clock=now)
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
