"""`saas-manager load-demo-data`: fill an empty database with demonstration data."""

import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from saas_manager.core import demo
from saas_manager.customers.models import Customer


class Command(BaseCommand):
    help = (
        "Load generated demonstration customers, packages, servers, instances "
        "and payments, and create one sign-in per staff group and a superuser."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, without an error, when a customer exists already.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEMO_SEED,
            help="Seed of the random generator; the same seed gives the same data "
            "on the same day (default: %(default)s).",
        )

    def handle(self, *args, **options):
        existing = Customer.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(
                f"The database has {existing} customers already, so no "
                "demonstration data was loaded."
            )
            self._print_sign_ins(only_unchanged=True)
            return
        if existing:
            raise CommandError(
                f"The database has {existing} customers already. Demonstration "
                "data is loaded only into a database without customers; pass "
                "--if-empty to skip loading instead."
            )

        started = time.monotonic()
        summary = demo.load(seed=options["seed"])
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(f"Loaded demonstration data in {elapsed:.1f} s:")
        )
        for kind, count in sorted(summary.counts.items()):
            self.stdout.write(f"  {count:5d} {kind}")
        self._print_sign_ins(only_unchanged=False)

    def _print_sign_ins(self, *, only_unchanged: bool) -> None:
        """Print the demonstration sign-ins; optionally only unchanged ones."""
        users = {
            user.username: user
            for user in User.objects.filter(
                username__in=[sign_in.username for sign_in in demo.DEMO_SIGN_INS]
            )
        }
        rows = []
        for sign_in in demo.DEMO_SIGN_INS:
            user = users.get(sign_in.username)
            if user is None:
                continue
            # A password changed since loading is not printed, because it is
            # no longer the demonstration one.
            if only_unchanged and not user.check_password(sign_in.password):
                continue
            rows.append(sign_in)
        if not rows:
            return
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                "Demonstration sign-ins (for demonstration only: change or delete "
                "them before real use):"
            )
        )
        for sign_in in rows:
            role = sign_in.group or "superuser"
            self.stdout.write(
                f"  {role:<10}  username {sign_in.username:<8}  "
                f"password {sign_in.password}"
            )
