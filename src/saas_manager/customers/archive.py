"""Archiving: how a customer that may not be deleted leaves the lists."""

from django.db import transaction
from django.db.models import QuerySet

from saas_manager.customers.models import Customer


def set_archived(customers: QuerySet[Customer], *, archived: bool) -> int:
    """Archive or unarchive the customers, and return how many changed.

    Each customer is saved on its own, not with a queryset update, so that
    every change gets its row in the customer's history.
    """
    changed = 0
    # The ids are read first because the admin's queryset carries annotations,
    # and PostgreSQL rejects FOR UPDATE on a query with GROUP BY.
    ids = list(customers.values_list("pk", flat=True))
    with transaction.atomic():
        rows = Customer.objects.filter(
            pk__in=ids, is_archived=not archived
        ).select_for_update()
        for customer in rows:
            customer.is_archived = archived
            customer.save(update_fields=["is_archived", "updated_at"])
            changed += 1
    return changed
