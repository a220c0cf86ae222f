"""What every automation rule shares: its shape, the claim, the outcome.

A rule lists its candidates with one cheap query, then acts on each one in
its own transaction. There it locks the row and checks again that the item
is due. Then it claims the event with a RuleExecution row and acts through
the lifecycle and billing services.

Two runs that reach the same item at once are serialized by the row lock.
The unique constraint of RuleExecution stops the second one even where row
locks are not available: SQLite has none, but it serializes writers.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from saas_manager.automation.models import OperatorSettings, RuleExecution


class AlreadyHandled(Exception):
    """Another run acted on this item and event first; nothing is left to do."""


@dataclass(frozen=True)
class Action:
    """One thing a rule did (or, in a dry run, would do) to one item."""

    rule: str
    subject: str
    description: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.description}"


class Rule:
    """A scheduled rule: candidates from a query, then one item at a time."""

    name: str = ""

    def candidates(self, now: datetime.datetime, config: OperatorSettings) -> Iterable:
        raise NotImplementedError

    def act(
        self, candidate, now: datetime.datetime, config: OperatorSettings
    ) -> list[Action]:
        """Act on one candidate inside a transaction; return what was done."""
        raise NotImplementedError

    def subject_of(self, candidate) -> str:
        """Name a candidate for the log; most rules list instance ids."""
        from saas_manager.hosting.models import Instance

        name = (
            Instance.objects.filter(pk=candidate)
            .values_list("database_name", flat=True)
            .first()
        )
        return f"instance {candidate} ({name})" if name else str(candidate)


def already_claimed(rule: str, instance, event_key: str) -> bool:
    return RuleExecution.objects.filter(
        rule=rule, instance=instance, event_key=event_key
    ).exists()


def claim(
    rule: str,
    instance,
    event_key: str,
    now: datetime.datetime,
    description: str = "",
) -> None:
    """Record that the rule acts on the instance for this event.

    Raises AlreadyHandled when the row exists, which rolls back the caller's
    transaction, so whatever it already did for the event is undone.
    """
    try:
        with transaction.atomic():
            RuleExecution.objects.create(
                rule=rule,
                instance=instance,
                event_key=event_key,
                run_for=now,
                description=description[:300],
            )
    except IntegrityError:
        raise AlreadyHandled(f"{rule} {instance.pk} {event_key}") from None
