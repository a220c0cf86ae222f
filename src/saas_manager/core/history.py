"""Bulk writes that keep the audit history of django-simple-history."""

from collections import defaultdict
from collections.abc import Sequence

from django.db import models, transaction

# Primary keys per UPDATE statement, well below SQLite's limit of 32,766
# bound parameters (SQLite 3.32 and later).
UPDATE_CHUNK_SIZE = 500


def update_with_history(
    objects: Sequence[models.Model], fields: Sequence[str], user=None
) -> None:
    """Store the given fields of each object and write one history row each.

    Objects that share the same values are updated with one UPDATE ... WHERE
    pk IN (...), which costs far less than Django's bulk_update and its CASE
    expression per object when few distinct values are written, such as
    statuses or dates. Like bulk_update, it sends no save signals and sets no
    auto_now field, so the caller sets updated_at itself. The history rows
    are of type "~" (changed), as save() would write them, but without the
    many-to-many fields that a HistoricalRecords(m2m_fields=...) keeps.
    """
    if not objects:
        return
    model = type(objects[0])
    groups: dict[tuple, list[int]] = defaultdict(list)
    for obj in objects:
        values = tuple(getattr(obj, name) for name in fields)
        groups[values].append(obj.pk)
    with transaction.atomic(savepoint=False):
        for values, keys in groups.items():
            changes = dict(zip(fields, values, strict=True))
            for start in range(0, len(keys), UPDATE_CHUNK_SIZE):
                chunk = keys[start : start + UPDATE_CHUNK_SIZE]
                model._default_manager.filter(pk__in=chunk).update(**changes)
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            objects, batch_size=UPDATE_CHUNK_SIZE, update=True, default_user=user
        )
