"""The instance lifecycle: the transition table and one service per transition.

These functions are the only code that changes an instance's state. Each one
checks the table, locks the instance row, saves the changed fields, writes an
InstanceEvent and recomputes the customer's status, all in one transaction.
The back office's buttons, the API, the imports and the automation call them.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from saas_manager.customers.models import Customer
from saas_manager.customers.status import refresh_status
from saas_manager.hosting.models import (
    ActorKind,
    Instance,
    InstanceEvent,
    InstanceState,
    SuspensionKind,
)


@dataclass(frozen=True)
class Actor:
    """The maker of a transition: staff, the automation, a payment or an import."""

    kind: str
    user: object | None = None
    payment: object | None = None

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(ActorKind.STAFF, user=user)

    @classmethod
    def automation(cls) -> "Actor":
        return cls(ActorKind.AUTOMATION)

    @classmethod
    def for_payment(cls, payment, user=None) -> "Actor":
        return cls(ActorKind.PAYMENT, user=user, payment=payment)

    @classmethod
    def importer(cls, user=None) -> "Actor":
        return cls(ActorKind.IMPORT, user=user)


def refresh_customer_status(customer_id: int) -> str:
    """Lock the customer row and store its derived status.

    The lock makes two transactions that change instances of the same
    customer compute the status one after the other, so the later one reads
    the states that the earlier one committed.
    """
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    return refresh_status(customer)


def record_imported_state(instance: Instance, *, note: str) -> InstanceEvent:
    """Record that an import created the instance directly in its state.

    The instance is already saved with the state and dates the file gave. An
    Active or Suspended instance without a billing start gets its start date
    (or today) as billing start, because it has been a paying instance. An
    imported suspension is taken as made by hand, because the file does not
    state whether a payment may lift it.
    """
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        now = timezone.now()
        fields = []
        was_paying = locked.state in (InstanceState.ACTIVE, InstanceState.SUSPENDED)
        if was_paying and locked.billing_start is None:
            locked.billing_start = locked.start_date or timezone.localdate(now)
            fields.append("billing_start")
        if locked.state == InstanceState.SUSPENDED and not locked.suspension_kind:
            locked.suspension_kind = SuspensionKind.MANUAL
            locked.suspended_at = now
            fields += ["suspension_kind", "suspended_at"]
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        event = InstanceEvent.objects.create(
            instance=locked,
            from_state="",
            to_state=locked.state,
            at=now,
            actor_kind=ActorKind.IMPORT,
            reason=note,
            suspension_kind=locked.suspension_kind
            if locked.state == InstanceState.SUSPENDED
            else "",
        )
        refresh_customer_status(locked.customer_id)
    _copy_fields(locked, instance, fields)
    return event


def _copy_fields(source: Instance, target: Instance, fields: list[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))
