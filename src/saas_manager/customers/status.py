"""The customer status, derived from its instances and payments."""

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.customers.models import Customer, CustomerStatus
from saas_manager.hosting.models import InstanceState


def derive_status(customer: Customer) -> str:
    """Return the status that the customer's instances and payments give.

    Active when an instance is Active; otherwise Suspended when one is
    Suspended; otherwise Terminated when the customer ever paid (an instance
    has a billing start, or a payment was completed); otherwise Prospect.
    """
    states = set(customer.instances.values_list("state", flat=True))
    if InstanceState.ACTIVE in states:
        return CustomerStatus.ACTIVE
    if InstanceState.SUSPENDED in states:
        return CustomerStatus.SUSPENDED
    was_paying = (
        customer.instances.filter(billing_start__isnull=False).exists()
        or customer.payments.filter(
            kind=PaymentKind.PAYMENT, status=PaymentStatus.COMPLETED
        ).exists()
    )
    if was_paying:
        return CustomerStatus.TERMINATED
    return CustomerStatus.PROSPECT


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
