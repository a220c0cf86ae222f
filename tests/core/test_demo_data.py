import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum.eu import vat as eu_vat

from saas_manager.billing.models import Payment, PaymentKind, PaymentStatus
from saas_manager.billing.paid_up import compute_position, instance_is_overdue
from saas_manager.catalog.models import ServicePackage
from saas_manager.core import demo
from saas_manager.customers.models import Contact, Customer
from saas_manager.customers.status import derive_status
from saas_manager.hosting.models import (
    Instance,
    InstanceEvent,
    InstanceState,
    Server,
    SuspensionKind,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demonstration data once for the module, and roll it back after."""
    output = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        call_command("load_demo_data", "--if-empty", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def test_customer_count(loaded):
    count = Customer.objects.count()

    assert 45 <= count <= 60


def test_contacts_per_customer(loaded):
    per_customer = [customer.contacts.count() for customer in Customer.objects.all()]

    assert min(per_customer) >= 1
    assert max(per_customer) <= 3


def test_contacts_have_primary(loaded):
    without_primary = Customer.objects.exclude(contacts__is_primary=True)

    assert not without_primary.exists()


def test_packages_one_archived(loaded):
    packages = ServicePackage.objects.all()

    assert packages.count() == 5
    assert packages.filter(is_active=False).count() == 1
    assert set(packages.values_list("currency", flat=True)) == {"EUR"}


def test_archived_package_keeps_instances(loaded):
    archived = ServicePackage.objects.get(is_active=False)

    assert archived.instances.exists()


def test_servers_in_three_countries(loaded):
    countries = {server.country.code for server in Server.objects.all()}

    assert countries == {"DE", "FR", "US"}


def test_instance_count(loaded):
    count = Instance.objects.count()

    assert 90 <= count <= 110


def test_every_state_present(loaded):
    states = set(Instance.objects.values_list("state", flat=True))

    assert states == set(InstanceState.values)


def test_payments_in_two_currencies(loaded):
    currencies = set(Payment.objects.values_list("currency", flat=True))

    assert currencies == {"EUR", "USD"}


def test_payment_in_instance_currency(loaded):
    mismatched = [
        payment
        for payment in Payment.objects.select_related("instance")
        if payment.instance and payment.instance.currency != payment.currency
    ]

    assert mismatched == []


def test_payments_span_twelve_months(loaded):
    today = timezone.localdate()
    months = {
        (date.year, date.month)
        for date in Payment.objects.filter(status=PaymentStatus.COMPLETED).values_list(
            "date", flat=True
        )
    }

    assert len(months) >= 12
    assert min(months) >= ((today - datetime.timedelta(days=400)).timetuple()[:2])


def test_refunds_point_to_completed_payments(loaded):
    refunds = Payment.objects.filter(kind=PaymentKind.REFUND)

    assert refunds.count() >= 3
    for refund in refunds:
        assert refund.refund_of.kind == PaymentKind.PAYMENT
        assert refund.refund_of.status == PaymentStatus.COMPLETED
        assert refund.amount <= refund.refund_of.amount


def test_failed_payments_present(loaded):
    failed = Payment.objects.filter(status=PaymentStatus.FAILED)

    assert failed.count() >= 3


def test_pending_payments_present(loaded):
    pending = Payment.objects.filter(status=PaymentStatus.PENDING)

    assert pending.exists()


def test_every_record_passes_full_clean(loaded):
    labels = ("customers", "catalog", "hosting", "billing")
    models = [
        model
        for label in labels
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]
    empty_models = []

    for model in models:
        records = list(model.objects.all())
        for record in records:
            record.full_clean()
        if not records:
            empty_models.append(model.__name__)

    assert empty_models == []


def test_eu_customers_have_valid_vat(loaded):
    eu_customers = [
        customer
        for customer in Customer.objects.all()
        if customer.country.code.lower() in eu_vat.MEMBER_STATES
    ]

    assert eu_customers
    for customer in eu_customers:
        assert eu_vat.is_valid(customer.vat_number), customer


def test_usd_customers_billed_in_usd(loaded):
    usd_instances = Instance.objects.filter(customer__currency="USD")

    assert usd_instances.exists()
    assert set(usd_instances.values_list("currency", flat=True)) == {"USD"}


def test_trials_end_in_future(loaded):
    today = timezone.localdate()
    trials = Instance.objects.filter(state=InstanceState.TRIAL)

    assert trials.exists()
    for instance in trials:
        assert instance.trial_end_date >= today, instance


def test_expired_trials_ended(loaded):
    today = timezone.localdate()
    expired = Instance.objects.filter(state=InstanceState.EXPIRED)

    for instance in expired:
        assert instance.trial_end_date < today, instance
        assert instance.billing_start is None, instance


def test_active_instances_not_overdue(loaded):
    active = Instance.objects.filter(state=InstanceState.ACTIVE)

    for instance in active:
        assert instance.billing_start is not None, instance
        assert instance.paid_up_to is not None, instance
        assert not instance_is_overdue(instance), instance


def test_paid_up_matches_billing_engine(loaded):
    billed = Instance.objects.exclude(billing_start=None)

    assert billed.exists()
    for instance in billed:
        assert instance.paid_up_to == compute_position(instance).paid_up_to, instance


def test_overdue_suspensions_are_overdue(loaded):
    suspended = Instance.objects.filter(
        state=InstanceState.SUSPENDED, suspension_kind=SuspensionKind.OVERDUE
    )

    assert suspended.exists()
    for instance in suspended:
        assert instance_is_overdue(instance), instance


def test_last_event_is_state(loaded):
    for instance in Instance.objects.prefetch_related("events"):
        events = list(instance.events.all())

        assert events, instance
        assert events[-1].to_state == instance.state, instance
        assert events[0].from_state == "", instance


def test_events_not_in_future(loaded):
    future = InstanceEvent.objects.filter(at__gt=timezone.now())

    assert not future.exists()


def test_customer_status_derived(loaded):
    for customer in Customer.objects.all():
        assert customer.status == derive_status(customer), customer


def test_customer_statuses_varied(loaded):
    statuses = set(Customer.objects.values_list("status", flat=True))

    assert {"active", "prospect"} <= statuses


def test_contact_emails_reserved_domain(loaded):
    emails = Contact.objects.values_list("email", flat=True)

    assert all(email.endswith(".example") for email in emails)


def test_sign_ins_in_groups(loaded):
    for sign_in in demo.DEMO_SIGN_INS:
        user = User.objects.get(username=sign_in.username)
        groups = set(user.groups.values_list("name", flat=True))

        assert user.is_staff
        assert user.check_password(sign_in.password)
        assert groups == ({sign_in.group} if sign_in.group else set())
        assert user.is_superuser == (sign_in.group is None)


def test_output_prints_sign_ins(loaded):
    for sign_in in demo.DEMO_SIGN_INS:
        assert f"username {sign_in.username}" in loaded
        assert f"password {sign_in.password}" in loaded
    assert "for demonstration only" in loaded


def test_if_empty_second_time_changes_nothing(loaded):
    counts = (Customer.objects.count(), Instance.objects.count())
    payments = Payment.objects.count()
    output = StringIO()

    call_command("load_demo_data", "--if-empty", stdout=output)

    assert (Customer.objects.count(), Instance.objects.count()) == counts
    assert Payment.objects.count() == payments
    assert "no demonstration data was loaded" in output.getvalue()


def test_if_empty_hides_changed_password(loaded):
    manager = User.objects.get(username="manager")
    manager.set_password("a-new-password-2026")
    manager.save()
    output = StringIO()

    call_command("load_demo_data", "--if-empty", stdout=output)

    assert "username manager" not in output.getvalue()
    assert "username billing" in output.getvalue()


def test_without_if_empty_rejects_loaded_database(loaded):
    with pytest.raises(CommandError, match="customers already"):
        call_command("load_demo_data", stdout=StringIO())
