"""Customer-level actions, which cascade to the customer's instances."""

import datetime

from django.db import transaction

from saas_manager.customers.models import Customer
from saas_manager.hosting.lifecycle import Actor, suspend, terminate
from saas_manager.hosting.models import Instance, InstanceState, SuspensionKind


def suspend_customer(
    customer: Customer,
    *,
    actor: Actor,
    reason: str,
    at: datetime.datetime | None = None,
) -> list[Instance]:
    """Suspend each Active instance of the customer by hand, with the reason.

    Returns the instances that moved. Either all of them move or, when one
    fails, none does.
    """
    with transaction.atomic():
        instances = list(
            customer.instances.filter(state=InstanceState.ACTIVE).order_by("pk")
        )
        for instance in instances:
            suspend(
                instance,
                actor=actor,
                reason=reason,
                kind=SuspensionKind.MANUAL,
                at=at,
            )
    return instances


def terminate_customer(
    customer: Customer,
    *,
    actor: Actor,
    reason: str,
    at: datetime.datetime | None = None,
) -> list[Instance]:
    """Terminate every instance of the customer that is not Terminated yet.

    Returns the instances that moved. Either all of them move or, when one
    fails, none does.
    """
    with transaction.atomic():
        instances = list(
            customer.instances.exclude(state=InstanceState.TERMINATED).order_by("pk")
        )
        for instance in instances:
            terminate(instance, actor=actor, reason=reason, at=at)
    return instances
