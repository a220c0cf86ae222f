"""Generate demonstration data: customers, packages, servers, instances, payments.

The same seed and the same day give the same records, because every choice
comes from one `random.Random`. Every record is validated with `full_clean`
before it is saved, and the database checks the constraints. Dates are
relative to the day of loading, so whenever the data is loaded some trials
are running, some instances are overdue and the last twelve months carry
payments.
"""

import datetime
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

import phonenumbers
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.util import get_cc_module

from saas_manager.billing.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
)
from saas_manager.billing.paid_up import grace_period
from saas_manager.billing.periods import period_at
from saas_manager.catalog.models import BackupFrequency, BillingCycle, ServicePackage
from saas_manager.core import roles
from saas_manager.core.demo_locales import JOB_TITLES, LOCALES, TAGS
from saas_manager.customers.models import BankAccount, Contact, Customer, Tag
from saas_manager.customers.status import refresh_status
from saas_manager.hosting.models import (
    ActorKind,
    Edition,
    Instance,
    InstanceEvent,
    InstanceState,
    Server,
    SuspensionKind,
)

DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoSignIn:
    """A demonstration account; `group` is None for the superuser."""

    username: str
    password: str
    group: str | None


# Fixed and printed by `load-demo-data`: for demonstration only.
DEMO_SIGN_INS = (
    DemoSignIn("admin", "demo-admin-2026", None),
    DemoSignIn("manager", "demo-manager-2026", roles.MANAGER),
    DemoSignIn("billing", "demo-billing-2026", roles.BILLING),
    DemoSignIn("support", "demo-support-2026", roles.SUPPORT),
    DemoSignIn("reader", "demo-reader-2026", roles.READ_ONLY),
)


# Prices of the USD price list, per package code: (monthly, yearly).
USD_PRICES = {
    "STARTER": (Decimal("32.00"), Decimal("320.00")),
    "BUSINESS": (Decimal("89.00"), Decimal("890.00")),
    "PROFESSIONAL": (Decimal("165.00"), Decimal("1650.00")),
    "ENTERPRISE": (Decimal("440.00"), Decimal("4400.00")),
    "CLASSIC": (Decimal("45.00"), None),
}

# How many of the generated instances are in each state; about 100 in all.
STATE_PLAN = {
    InstanceState.PROVISIONING: 4,
    InstanceState.TRIAL: 12,
    InstanceState.ACTIVE: 56,
    InstanceState.SUSPENDED: 8,
    InstanceState.EXPIRED: 8,
    InstanceState.TERMINATED: 12,
}

USUAL_METHODS = {
    "EUR": (
        PaymentMethod.SEPA_DIRECT_DEBIT,
        PaymentMethod.BANK_TRANSFER,
        PaymentMethod.BANK_TRANSFER,
        PaymentMethod.CREDIT_CARD,
        PaymentMethod.STRIPE,
    ),
    "USD": (PaymentMethod.CREDIT_CARD, PaymentMethod.STRIPE, PaymentMethod.PAYPAL),
}
CARD_METHODS = (PaymentMethod.CREDIT_CARD, PaymentMethod.STRIPE, PaymentMethod.PAYPAL)


@dataclass
class DemoSummary:
    """How many records of each kind were created."""

    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, number: int = 1) -> None:
        self.counts[kind] += number


def billing_period(
    billing_start: datetime.date, cycle: str, index: int
) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the period numbered `index` from 0."""
    period = period_at(billing_start, cycle, index)
    return period.start, period.end


def create_sign_ins() -> list[User]:
    """Create the demonstration accounts that are missing, and return all.

    An account that exists keeps its password and groups, so that a changed
    password survives a second run.
    """
    users = []
    for sign_in in DEMO_SIGN_INS:
        user, created = User.objects.get_or_create(
            username=sign_in.username,
            defaults={
                "email": f"{sign_in.username}@saas-manager.example",
                "is_staff": True,
                "is_superuser": sign_in.group is None,
            },
        )
        if created:
            user.set_password(sign_in.password)
            user.save(update_fields=["password"])
            if sign_in.group:
                user.groups.add(Group.objects.get(name=sign_in.group))
        users.append(user)
    return users


def load(seed: int = DEMO_SEED, today: datetime.date | None = None) -> DemoSummary:
    """Create the demonstration records in one transaction and return the counts."""
    generator = _Generator(Random(seed), today or timezone.localdate())
    with transaction.atomic():
        generator.run()
    return generator.summary


class _Generator:
    def __init__(self, rng: Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        # The operator setting that decides when an instance is overdue.
        self.grace = grace_period()
        self.summary = DemoSummary()
        self.ibans: set[str] = set()
        self.references: set[tuple[str, str]] = set()
        self.database_names: set[str] = set()

    def run(self) -> None:
        self.users = {user.username: user for user in create_sign_ins()}
        self.tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        self.packages = self._create_packages()
        self.servers = self._create_servers()
        customers = self._create_customers()
        states = [state for state, count in STATE_PLAN.items() for _ in range(count)]
        self.rng.shuffle(states)
        # Every customer gets one instance, the rest go to random customers.
        owners = customers + [
            self.rng.choice(customers) for _ in range(len(states) - len(customers))
        ]
        for customer, state in zip(owners, states, strict=True):
            self._create_instance(customer, state)
        self.packages["CLASSIC"].is_active = False
        self._save(self.packages["CLASSIC"])
        self._add_refunds()
        for customer in customers:
            refresh_status(customer)

    def _save(self, record, kind: str | None = None):
        # Django checks a CheckConstraint with one query each, which would
        # triple the loading time. The database enforces the same constraints
        # on insert, and the tests run the complete full_clean on every record.
        record.full_clean(validate_constraints=False)
        record.save()
        if kind:
            self.summary.add(kind)
        return record

    # Catalog and servers

    def _create_packages(self) -> dict[str, ServicePackage]:
        rows = (
            ("STARTER", "Starter", "29.00", "290.00", 14, 5, 10, "weekly", ""),
            ("BUSINESS", "Business", "79.00", "790.00", 14, 20, 50, "daily", "ds"),
            (
                "PROFESSIONAL",
                "Professional",
                "149.00",
                "1490.00",
                30,
                50,
                200,
                "daily",
                "dsa",
            ),
            (
                "ENTERPRISE",
                "Enterprise",
                "399.00",
                "3990.00",
                0,
                None,
                1000,
                "hourly",
                "dsap",
            ),
            ("CLASSIC", "Classic (legacy)", "39.00", None, 0, 10, 20, "daily", "s"),
        )
        packages = {}
        for order, row in enumerate(rows, start=1):
            code, name, monthly, yearly, trial, users, storage, backup, features = row
            packages[code] = self._save(
                ServicePackage(
                    code=code,
                    name=name,
                    description=f"{name}: Odoo hosting with {backup} backups.",
                    sort_order=order * 10,
                    currency="EUR",
                    monthly_price=Decimal(monthly),
                    yearly_price=Decimal(yearly) if yearly else None,
                    trial_days=trial,
                    max_users=users,
                    storage_gb=storage,
                    backup_frequency=BackupFrequency(backup),
                    has_custom_domain="d" in features,
                    has_ssl_certificate="s" in features,
                    has_api_access="a" in features,
                    has_priority_support="p" in features,
                ),
                "packages",
            )
        return packages

    def _create_servers(self) -> dict[str, Server]:
        rows = (
            ("fra-1", "DE", "Frankfurt", "Equinix FR5", "16.0, 17.0, 18.0", 60),
            ("rbx-1", "FR", "Roubaix", "OVHcloud RBX", "17.0, 18.0, saas~18.3", 50),
            ("iad-1", "US", "Virginia", "Equinix DC2", "17.0, 18.0", 40),
        )
        servers = {}
        for name, country, city, centre, versions, capacity in rows:
            servers[name] = self._save(
                Server(
                    name=name,
                    country=country,
                    city=city,
                    data_centre=centre,
                    base_url=f"https://{name}.odoo-hosting.example",
                    odoo_versions=versions,
                    max_instances=capacity,
                    master_password=f"demo-{self.rng.getrandbits(64):016x}",
                ),
                "servers",
            )
        return servers

    # Customers

    def _create_customers(self) -> list[Customer]:
        customers = []
        number = 10000
        for country, locale in LOCALES.items():
            for trading_name, industry in locale.companies:
                number += 1
                customers.append(
                    self._create_customer(
                        country, locale, trading_name, industry, number
                    )
                )
        return customers

    def _create_customer(self, country, locale, trading_name, industry, number):
        rng = self.rng
        city, postal_code, region = rng.choice(locale.cities)
        # The reserved .example top-level domain keeps demonstration mail
        # away from real mailboxes.
        domain = f"{slugify(trading_name)}.example"
        customer = Customer(
            name=trading_name,
            legal_name=f"{trading_name} {rng.choice(locale.legal_forms)}",
            vat_number=self._vat_number(locale.vat_pattern),
            company_registry="",
            industry=industry,
            website=f"https://www.{domain}",
            email=f"info@{domain}",
            phone=self._phone_number(country, phonenumbers.PhoneNumberType.FIXED_LINE),
            street=f"{rng.choice(locale.streets)} {rng.randint(1, 120)}",
            city=city,
            region=region,
            postal_code=postal_code,
            country=country,
            language=rng.choice(locale.languages),
            currency=locale.currency,
            external_reference=f"CRM-{number}",
            account_manager=self.users[rng.choice(("manager", "billing"))],
            support_owner=self.users["support"],
        )
        customer.company_registry = self._registry_number(customer, city)
        if rng.random() < 0.15:
            customer.notes = "Prefers to be called before any maintenance window."
        self._save(customer, "customers")
        customer.tags.set(rng.sample(self.tags, rng.choice((0, 0, 1, 2))))
        self._create_contacts(customer, locale, domain)
        if country not in ("US", "CA"):
            self._save(
                BankAccount(
                    customer=customer,
                    iban=self._iban(country),
                    holder=customer.legal_name,
                ),
                "bank accounts",
            )
        return customer

    def _create_contacts(self, customer, locale, domain) -> None:
        rng = self.rng
        count = rng.choice((1, 2, 2, 3))
        role_sets = {
            1: (("primary", "billing", "technical"),),
            2: (("primary", "technical"), ("billing",)),
            3: (("primary",), ("billing",), ("technical", "support")),
        }[count]
        used_names = set()
        for contact_roles in role_sets:
            while True:
                first = rng.choice(locale.first_names)
                last = rng.choice(locale.last_names)
                if (first, last) not in used_names:
                    used_names.add((first, last))
                    break
            local_part = slugify(first) + "." + slugify(last.replace("'", ""))
            local_part = local_part.replace("-", ".")
            contact = Contact(
                customer=customer,
                name=f"{first} {last}",
                job_title=rng.choice(JOB_TITLES[contact_roles[0]]),
                email=f"{local_part}@{domain}",
                phone=self._phone_number(
                    customer.country.code, phonenumbers.PhoneNumberType.MOBILE
                ),
                opt_in=rng.random() > 0.1,
                **{f"is_{role}": True for role in contact_roles},
            )
            self._save(contact, "contacts")

    def _registry_number(self, customer: Customer, city: str) -> str:
        """Return a company registry number in the country's usual form."""
        country, vat_number = customer.country.code, customer.vat_number
        digits = "".join(self.rng.choice(string.digits) for _ in range(8))
        if country == "FR" and vat_number:
            return f"RCS {city} {vat_number[4:7]} {vat_number[7:10]} {vat_number[10:]}"
        if country == "BE" and vat_number:
            return f"{vat_number[2:6]}.{vat_number[6:9]}.{vat_number[9:]}"
        forms = {
            "DE": f"HRB {digits[:6]}",
            "AT": f"FN {digits[:6]}a",
            "CH": f"CHE-{digits[:3]}.{digits[3:6]}.{digits[5:8]}",
            "NL": f"KvK {digits}",
            "GB": f"Companies House {digits}",
            "IE": f"CRO {digits[:6]}",
            "US": f"EIN {digits[:2]}-{digits[2:]}0",
        }
        return forms.get(country, "")

    def _vat_number(self, pattern: str) -> str:
        """Return a VAT number of the pattern with valid check digits, or ""."""
        if not pattern:
            return ""
        country = pattern[:2]
        if country.lower() in eu_vat.MEMBER_STATES:
            module = eu_vat
        else:
            module = get_cc_module(country.lower(), "vat")
        # Random digits meet a check digit about once in ten tries, and the
        # French key about once in a thousand.
        for _ in range(20000):
            number = "".join(self._fill_character(char) for char in pattern)
            if module.is_valid(number):
                return number
        return ""

    def _fill_character(self, char: str) -> str:
        if char == "#":
            return self.rng.choice(string.digits)
        if char == "@":
            return self.rng.choice("ABCDEFGHJNPQRSUVW")
        return char

    def _iban(self, country: str) -> str:
        """Return an IBAN of the country's format with valid check digits."""
        structure = iban._ibandb.info(country + "00")[0][1]["bban"]
        for _ in range(1000):
            bban = ""
            for length, kind in re.findall(r"(\d+)!?([nac])", structure):
                # Letters only where the format demands them, as banks do.
                alphabet = string.ascii_uppercase if kind == "a" else string.digits
                bban += "".join(self.rng.choice(alphabet) for _ in range(int(length)))
            number = f"{country}{iban.calc_check_digits(country + '00' + bban)}{bban}"
            if iban.is_valid(number) and number not in self.ibans:
                self.ibans.add(number)
                return number
        raise RuntimeError(f"No valid IBAN for {country} after 1000 tries.")

    def _phone_number(self, country: str, number_type) -> str:
        """Return a valid number of the type: the country's example, varied."""
        example = phonenumbers.example_number_for_type(country, number_type)
        national = str(example.national_number)
        for _ in range(200):
            tail = "".join(self.rng.choice(string.digits) for _ in range(4))
            candidate = phonenumbers.PhoneNumber(
                country_code=example.country_code,
                national_number=int(national[:-4] + tail),
            )
            if phonenumbers.is_valid_number(candidate):
                return phonenumbers.format_number(
                    candidate, phonenumbers.PhoneNumberFormat.E164
                )
        return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)

    # Instances

    def _create_instance(self, customer: Customer, state: str) -> None:
        rng = self.rng
        package = self._pick_package(state)
        cycle = BillingCycle.MONTHLY
        if package.yearly_price and rng.random() < 0.25:
            cycle = BillingCycle.YEARLY
        if customer.currency == "USD":
            candidates = [self.servers["iad-1"]]
        else:
            candidates = [self.servers["fra-1"], self.servers["rbx-1"]]
            rng.shuffle(candidates)
        server = next(
            (server for server in candidates if not server.is_full()), candidates[0]
        )
        database_name = self._database_name(customer)
        instance = Instance(
            customer=customer,
            package=package,
            server=server,
            database_name=database_name,
            url=f"https://{database_name}.odoo-hosting.example",
            odoo_version=rng.choice([*server.versions, "17.0", "18.0", "18.0"]),
            edition=Edition.ENTERPRISE
            if package.code in ("PROFESSIONAL", "ENTERPRISE") or rng.random() < 0.2
            else Edition.COMMUNITY,
            billing_cycle=cycle,
            price=self._price(package, cycle, customer.currency),
            currency=customer.currency,
            payment_method=rng.choice(USUAL_METHODS[customer.currency]),
        )
        if package.has_custom_domain and rng.random() < 0.4:
            base = database_name.removesuffix("-staging")
            instance.custom_domain = f"erp.{base}.example"
            if Instance.objects.filter(custom_domain=instance.custom_domain).exists():
                instance.custom_domain = ""
        # NOTE: states and events are written directly, dated in the past,
        # rather than replayed through hosting.lifecycle and billing.services
        # (which accept `at`), because a replay makes some 600 locked
        # transitions and takes several times longer. The paid-up day still
        # comes from the billing engine, which Payment.save runs, and the
        # tests check each state against the rules the services apply.
        history = _StateHistory(self, instance, state)
        history.plan()
        self._save(instance, "instances")
        history.write()

    def _pick_package(self, state: str) -> ServicePackage:
        codes = ["STARTER"] * 6 + ["BUSINESS"] * 7 + ["PROFESSIONAL"] * 4
        if state in (InstanceState.TRIAL, InstanceState.EXPIRED):
            # Only packages with trial days offer a trial.
            return self.packages[self.rng.choice(codes)]
        codes += ["ENTERPRISE"]
        if state in (InstanceState.ACTIVE, InstanceState.SUSPENDED):
            codes += ["CLASSIC"] * 2
        return self.packages[self.rng.choice(codes)]

    def _price(self, package, cycle, currency) -> Decimal:
        if currency == "USD":
            monthly, yearly = USD_PRICES[package.code]
            price = monthly if cycle == BillingCycle.MONTHLY else yearly
        else:
            price = package.price_for(cycle)
        assert price is not None
        return price

    def _database_name(self, customer: Customer) -> str:
        base = slugify(customer.name)[:50].strip("-")
        for suffix in ("", "-staging", "-2", "-3", "-4", "-5", "-6"):
            name = base + suffix
            if name not in self.database_names:
                self.database_names.add(name)
                return name
        raise RuntimeError(f"Too many instances for {customer}.")

    # Payments

    def pay_period(
        self,
        instance: Instance,
        index: int,
        status: str = PaymentStatus.COMPLETED,
        method: str | None = None,
        delay_days: int | None = None,
    ) -> Payment:
        """Record a payment of the instance's price for one billing period."""
        start, end = billing_period(
            instance.billing_start, instance.billing_cycle, index
        )
        if delay_days is None:
            delay_days = self.rng.randint(0, 4)
        date = min(start + datetime.timedelta(days=delay_days), self.today)
        method = method or instance.payment_method or PaymentMethod.BANK_TRANSFER
        paid = status == PaymentStatus.COMPLETED
        payment = Payment(
            customer=instance.customer,
            instance=instance,
            amount=instance.price,
            currency=instance.currency,
            method=method,
            status=status,
            transaction_reference=self._transaction_reference(method, date),
            date=date,
            period_start=start if paid else None,
            period_end=end if paid else None,
            notes="" if paid else self._failure_note(status, method),
        )
        return self._save(payment, f"payments ({status})")

    def _failure_note(self, status: str, method: str) -> str:
        if status == PaymentStatus.FAILED:
            if method in CARD_METHODS:
                return "Card declined: insufficient funds."
            return "Direct debit returned: account closed (AC04)."
        if status == PaymentStatus.PENDING:
            return "Transfer announced by the customer, not yet on the statement."
        return "Entered twice by mistake; cancelled."

    def _transaction_reference(self, method: str, date: datetime.date) -> str:
        rng = self.rng
        while True:
            if method == PaymentMethod.STRIPE:
                alphabet = string.ascii_letters + string.digits
                reference = "ch_" + "".join(rng.choice(alphabet) for _ in range(24))
            elif method == PaymentMethod.PAYPAL:
                alphabet = string.ascii_uppercase + string.digits
                reference = "".join(rng.choice(alphabet) for _ in range(17))
            elif method == PaymentMethod.CREDIT_CARD:
                reference = f"AUTH-{rng.randint(10**9, 10**10 - 1)}"
            else:
                prefix = "SDD" if method == PaymentMethod.SEPA_DIRECT_DEBIT else "TRF"
                reference = f"{prefix}-{date:%Y%m%d}-{rng.randint(10000, 99999)}"
            if (method, reference) not in self.references:
                self.references.add((method, reference))
                return reference

    def _add_refunds(self) -> None:
        """Pay a few periods twice and refund the second payment."""
        paid = list(
            Payment.objects.filter(
                status=PaymentStatus.COMPLETED,
                instance__state=InstanceState.ACTIVE,
                period_start__isnull=False,
            ).order_by("pk")
        )
        for original in self.rng.sample(paid, 4):
            duplicate = self._save(
                Payment(
                    customer=original.customer,
                    instance=original.instance,
                    amount=original.amount,
                    currency=original.currency,
                    method=PaymentMethod.BANK_TRANSFER,
                    status=PaymentStatus.COMPLETED,
                    transaction_reference=self._transaction_reference(
                        PaymentMethod.BANK_TRANSFER, original.date
                    ),
                    date=original.date + datetime.timedelta(days=1),
                    notes="Paid a second time by bank transfer.",
                ),
                "payments (completed)",
            )
            refund_date = min(
                duplicate.date + datetime.timedelta(days=self.rng.randint(2, 6)),
                self.today,
            )
            self._save(
                Payment(
                    customer=original.customer,
                    instance=original.instance,
                    kind=PaymentKind.REFUND,
                    refund_of=duplicate,
                    amount=duplicate.amount,
                    currency=duplicate.currency,
                    method=PaymentMethod.BANK_TRANSFER,
                    status=PaymentStatus.COMPLETED,
                    transaction_reference=self._transaction_reference(
                        PaymentMethod.BANK_TRANSFER, refund_date
                    ),
                    date=refund_date,
                    notes="Refund of a duplicate payment.",
                ),
                "refunds",
            )


class _StateHistory:
    """The dates, payments and events that bring one instance to its state."""

    def __init__(self, generator: _Generator, instance: Instance, state: str) -> None:
        self.generator = generator
        self.rng = generator.rng
        self.today = generator.today
        self.instance = instance
        self.state = state
        # (date, from state, to state, actor kind, reason, suspension kind)
        self.events: list[tuple] = []
        self.paid_periods = 0
        self.created_on = self.today
        # Days before the billing start that the converting payment arrived,
        # or None when the instance did not convert from a trial.
        self.conversion_lead_days: int | None = None
        self.pending_current = False
        # The period whose payment failed before an overdue suspension.
        self.failed_period: int | None = None

    def plan(self) -> None:
        """Set the instance's state and dates; payments come after saving."""
        instance, rng, today = self.instance, self.rng, self.today
        trial_days = instance.package.trial_days
        instance.state = self.state
        if self.state == InstanceState.PROVISIONING:
            self.created_on = today - datetime.timedelta(days=rng.randint(0, 1))
            self._event(self.created_on, "", InstanceState.PROVISIONING, "Ordered.")
            return
        if self.state in (InstanceState.TRIAL, InstanceState.EXPIRED):
            if self.state == InstanceState.TRIAL:
                start = today - datetime.timedelta(days=rng.randint(0, trial_days - 1))
            else:
                ended = today - datetime.timedelta(days=rng.randint(1, 90))
                start = ended - datetime.timedelta(days=trial_days)
            self._start_trial(start)
            if self.state == InstanceState.EXPIRED:
                self._event(
                    instance.trial_end_date + datetime.timedelta(days=1),
                    InstanceState.TRIAL,
                    InstanceState.EXPIRED,
                    "The trial ended without a payment.",
                    actor=ActorKind.AUTOMATION,
                )
            return
        if (
            self.state == InstanceState.TERMINATED
            and trial_days > 2
            and rng.random() < 0.3
        ):
            start = today - datetime.timedelta(days=rng.randint(60, 300))
            self._start_trial(start)
            self._event(
                start + datetime.timedelta(days=rng.randint(2, trial_days - 1)),
                InstanceState.TRIAL,
                InstanceState.TERMINATED,
                "The prospect chose another provider.",
            )
            return
        self._plan_paying()

    def _plan_paying(self) -> None:
        instance, rng, today = self.instance, self.rng, self.today
        trial_days = instance.package.trial_days
        earliest = 90 if self.state != InstanceState.ACTIVE else 15
        billing_start = today - datetime.timedelta(days=rng.randint(earliest, 365))
        instance.billing_start = billing_start
        if trial_days and rng.random() < 0.6:
            self._start_trial(billing_start - datetime.timedelta(days=trial_days + 1))
            # The first payment arrives during the trial and converts it.
            self.conversion_lead_days = rng.randint(1, min(5, trial_days))
            self._event(
                billing_start - datetime.timedelta(days=self.conversion_lead_days),
                InstanceState.TRIAL,
                InstanceState.ACTIVE,
                "Converted: the first payment arrived.",
                actor=ActorKind.PAYMENT,
            )
        else:
            self.created_on = billing_start - datetime.timedelta(days=1)
            instance.start_date = billing_start
            self._event(self.created_on, "", InstanceState.PROVISIONING, "Ordered.")
            self._event(
                billing_start,
                InstanceState.PROVISIONING,
                InstanceState.ACTIVE,
                "Provisioning finished.",
                actor=ActorKind.AUTOMATION,
            )
        periods_started = 0
        while (
            billing_period(billing_start, instance.billing_cycle, periods_started)[0]
            <= today
        ):
            periods_started += 1
        if self.state == InstanceState.ACTIVE:
            self._plan_active(periods_started)
        elif self.state == InstanceState.SUSPENDED:
            self._plan_suspended(periods_started)
        else:
            self._plan_terminated(periods_started)

    def _plan_active(self, periods_started: int) -> None:
        self.paid_periods = periods_started
        current_start, _ = billing_period(
            self.instance.billing_start,
            self.instance.billing_cycle,
            periods_started - 1,
        )
        # A period that began within the grace period may still be unpaid.
        if (
            self.today - current_start < self.generator.grace
            and self.rng.random() < 0.3
        ):
            self.paid_periods -= 1
            self.pending_current = True

    def _plan_suspended(self, periods_started: int) -> None:
        instance = self.instance
        # Paying this many periods leaves the instance overdue today.
        overdue_counts = [
            count
            for count in range(1, periods_started)
            if billing_period(
                instance.billing_start, instance.billing_cycle, count - 1
            )[1]
            + self.generator.grace
            < self.today
        ]
        if self.rng.random() < 0.25 or not overdue_counts:
            self.paid_periods = periods_started
            on = self.today - datetime.timedelta(days=self.rng.randint(2, 20))
            reason = "Suspended at the customer's request during an audit."
            kind = SuspensionKind.MANUAL
            actor = ActorKind.STAFF
        else:
            self.paid_periods = self.rng.choice(overdue_counts)
            _, paid_up_to = billing_period(
                instance.billing_start, instance.billing_cycle, self.paid_periods - 1
            )
            on = paid_up_to + self.generator.grace + datetime.timedelta(days=1)
            reason = (
                f"Overdue: paid up to {paid_up_to}, grace period "
                f"{self.generator.grace.days} days."
            )
            kind = SuspensionKind.OVERDUE
            actor = ActorKind.AUTOMATION
            self.failed_period = self.paid_periods
        instance.suspension_kind = kind
        self._event(
            on,
            InstanceState.ACTIVE,
            InstanceState.SUSPENDED,
            reason,
            actor=actor,
            suspension_kind=kind,
        )

    def _plan_terminated(self, periods_started: int) -> None:
        instance = self.instance
        self.paid_periods = self.rng.randint(1, max(1, periods_started - 1))
        _, paid_up_to = billing_period(
            instance.billing_start, instance.billing_cycle, self.paid_periods - 1
        )
        self._event(
            min(paid_up_to, self.today),
            InstanceState.ACTIVE,
            InstanceState.TERMINATED,
            "The customer cancelled the subscription.",
        )

    def _start_trial(self, start: datetime.date) -> None:
        instance = self.instance
        instance.start_date = start
        instance.trial_end_date = start + datetime.timedelta(
            days=instance.package.trial_days
        )
        self.created_on = start - datetime.timedelta(days=1)
        self._event(self.created_on, "", InstanceState.PROVISIONING, "Ordered.")
        self._event(
            start,
            InstanceState.PROVISIONING,
            InstanceState.TRIAL,
            "Provisioning finished.",
            actor=ActorKind.AUTOMATION,
        )

    def _event(
        self,
        on: datetime.date,
        from_state: str,
        to_state: str,
        reason: str,
        actor: str = ActorKind.STAFF,
        suspension_kind: str = "",
    ) -> None:
        self.events.append((on, from_state, to_state, actor, reason, suspension_kind))

    def _moment(self, on: datetime.date) -> datetime.datetime:
        """Return a time during office hours of the day, in the operator's zone."""
        local = datetime.datetime.combine(
            on, datetime.time(self.rng.randint(8, 17), self.rng.randint(0, 59))
        )
        return min(timezone.make_aware(local), timezone.now())

    def write(self) -> None:
        """Record the payments, usage and events of the saved instance."""
        generator, instance = self.generator, self.instance
        payments = []
        for index in range(self.paid_periods):
            delay_days = None
            if index == 0 and self.conversion_lead_days is not None:
                delay_days = -self.conversion_lead_days
            elif self.rng.random() < 0.05 and instance.payment_method in CARD_METHODS:
                generator.pay_period(instance, index, PaymentStatus.FAILED)
            payments.append(
                generator.pay_period(instance, index, delay_days=delay_days)
            )
        # Payment.save stored the paid-up day that the billing engine applied.
        instance.refresh_from_db(fields=["paid_up_to"])
        if self.pending_current:
            generator.pay_period(
                instance,
                self.paid_periods,
                PaymentStatus.PENDING,
                method=PaymentMethod.BANK_TRANSFER,
            )
        if self.failed_period is not None:
            generator.pay_period(
                instance, self.failed_period, PaymentStatus.FAILED, delay_days=1
            )
        self._set_usage()
        moments = [self._moment(min(event[0], self.today)) for event in self.events]
        if instance.state == InstanceState.SUSPENDED:
            instance.suspended_at = moments[-1]
        generator._save(instance)
        for moment, event in zip(moments, self.events, strict=True):
            _, from_state, to_state, actor, reason, suspension_kind = event
            payment = None
            if actor == ActorKind.PAYMENT and payments:
                payment = payments[0]
            generator._save(
                InstanceEvent(
                    instance=instance,
                    from_state=from_state,
                    to_state=to_state,
                    at=moment,
                    actor_kind=actor,
                    actor_user=generator.users["support"]
                    if actor == ActorKind.STAFF
                    else None,
                    payment=payment,
                    reason=reason,
                    suspension_kind=suspension_kind,
                ),
                "instance events",
            )
        created_at = self._moment(self.created_on)
        Instance.objects.filter(pk=instance.pk).update(created_at=created_at)
        Customer.objects.filter(
            pk=instance.customer_id, created_at__gt=created_at
        ).update(created_at=created_at)

    def _set_usage(self) -> None:
        """Store a recent measurement, a few of them over the package's limits."""
        instance, rng = self.instance, self.rng
        if instance.state in (
            InstanceState.PROVISIONING,
            InstanceState.EXPIRED,
            InstanceState.TERMINATED,
        ):
            return
        package = instance.package
        max_users = package.max_users or 80
        instance.users_count = rng.randint(
            1, max_users + (2 if rng.random() < 0.1 else 0)
        )
        storage_limit_mb = (package.storage_gb or 100) * 1024
        instance.storage_mb = rng.randint(200, int(storage_limit_mb * 0.95))
        now = timezone.now()
        hours_since_backup = 200 if rng.random() < 0.05 else rng.randint(1, 20)
        instance.last_backup_at = now - datetime.timedelta(hours=hours_since_backup)
        instance.usage_measured_at = now - datetime.timedelta(
            minutes=rng.randint(5, 90)
        )
