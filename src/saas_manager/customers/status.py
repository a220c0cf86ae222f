"""The customer status, derived from its instances and payments."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial

from django.utils import timezone

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.core.history import update_with_history
from saas_manager.customers.models import Customer, CustomerStatus
from saas_manager.hosting.models import InstanceState

# Customers read, locked and updated per query by refresh_statuses.
CHUNK_SIZE = 500


def status_from(states: set[str], was_paying: Callable[[], bool]) -> str:
    """Return the status for a customer's instance states.

    Active when an instance is Active; otherwise Suspended when one is
    Suspended; otherwise Terminated when the customer ever paid (an instance
    has a billing start, or a payment was completed); otherwise Prospect.
    `was_paying` is called only when the states leave the status open.
    """
    if InstanceState.ACTIVE in states:
        return CustomerStatus.ACTIVE
    if InstanceState.SUSPENDED in states:
        return CustomerStatus.SUSPENDED
    if was_paying():
        return CustomerStatus.TERMINATED
    return CustomerStatus.PROSPECT


def derive_status(customer: Customer) -> str:
    """Return the status that the customer's instances and payments give."""
    states = set(customer.instances.values_list("state", flat=True))

    def was_paying() -> bool:
        return (
            customer.instances.filter(billing_start__isnull=False).exists()
            or customer.payments.filter(
                kind=PaymentKind.PAYMENT, status=PaymentStatus.COMPLETED
            ).exists()
        )

    return status_from(states, was_paying)


def refresh_status(customer: Customer) -> str:
    """Store the derived status on the customer if it changed, and return it."""
    status = derive_status(customer)
    if status != customer.status:
        customer.status = status
        customer.save(update_fields=["status", "updated_at"])
    return status


def refresh_status_locked(customer_id: int) -> str:
    """Lock the customer row, then store its derived status and return it.

    The lock makes two transactions that change instances or payments of the
    same customer compute the status one after the other, so the later one
    reads the states that the earlier one committed.
    """
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    return refresh_status(customer)


def refresh_statuses(customer_ids: Iterable[int]) -> None:
    """Lock many customers and store each one's derived status.

    It does what refresh_status_locked does for each customer, with a few
    queries per chunk of customers instead of several per customer. Changed
    statuses are written with one UPDATE per status and their history rows.
    Customers with tags are saved one by one instead, because save() records
    the tags in the history row and the bulk history rows leave them out.
    """
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), CHUNK_SIZE):
        _refresh_chunk(ids[start : start + CHUNK_SIZE])


def _refresh_chunk(ids: list[int]) -> None:
    customers = list(Customer.objects.select_for_update().filter(pk__in=ids))

    states: dict[int, set[str]] = defaultdict(set)
    billed = set()
    rows = Customer.objects.filter(pk__in=ids, instances__isnull=False).values_list(
        "pk", "instances__state", "instances__billing_start"
    )
    for customer_id, state, billing_start in rows:
        states[customer_id].add(state)
        if billing_start is not None:
            billed.add(customer_id)
    paid = set(
        Customer.objects.filter(
            pk__in=ids,
            payments__kind=PaymentKind.PAYMENT,
            payments__status=PaymentStatus.COMPLETED,
        ).values_list("pk", flat=True)
    )
    paying = billed | paid
    tagged = set(
        Customer.tags.through.objects.filter(customer_id__in=ids).values_list(
            "customer_id", flat=True
        )
    )

    now = timezone.now()
    changed = []
    for customer in customers:
        status = status_from(
            states[customer.pk], partial(paying.__contains__, customer.pk)
        )
        if status == customer.status:
            continue
        customer.status = status
        if customer.pk in tagged:
            customer.save(update_fields=["status", "updated_at"])
            continue
        customer.updated_at = now
        changed.append(customer)
    update_with_history(changed, ["status", "updated_at"])
