"""One run of every automation rule, for one moment, or a dry run of it.

A dry run does exactly what a real run does, inside one transaction that is
rolled back at the end, so its output is what a real run at that moment
would do and it stores nothing. The rules only write to the database while
they run (mail goes out later, from the stored notifications), which is what
makes the rollback complete. The services log what they do as in a real
run, and those records start with DRY_RUN_PREFIX (see dry_run.py).

A real run stores an AutomationRun row with the moment it ran for.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saas_manager.automation.dry_run import dry_run_logging
from saas_manager.automation.models import AutomationRun
from saas_manager.automation.operator import get_operator_settings
from saas_manager.automation.rules.base import Action, AlreadyHandled, Rule
from saas_manager.automation.rules.payments import (
    OverdueSuspension,
    PaymentReminders,
    Reactivation,
)
from saas_manager.automation.rules.termination import Termination, TerminationWarning
from saas_manager.automation.rules.trials import TrialExpiry, TrialReminders
from saas_manager.automation.rules.watchdogs import Watchdogs
from saas_manager.notifications.services import (
    notify_instance_event,
    pending_instance_events,
)

logger = logging.getLogger(__name__)

NOTICES = "notices"


class MissedNotices(Rule):
    """Tell the changes of state that no notification was stored for yet.

    A payment that reactivates an instance, or staff who terminate one,
    change the state outside the automation. Their notifications are stored
    after the commit, so this step stores those that a crash lost.
    """

    name = NOTICES

    def candidates(self, now, config):
        return [event.pk for event in pending_instance_events(now)]

    def act(self, candidate, now, config):
        from saas_manager.hosting.models import InstanceEvent

        event = InstanceEvent.objects.select_related(
            "instance__customer", "instance__package", "payment"
        ).get(pk=candidate)
        created = notify_instance_event(event, now)
        if not created:
            return []
        description = _("notify: %(event)s") % {"event": created[0].get_event_display()}
        return [Action(self.name, str(event.instance), description)]


# The order matters within one run: a trial expires before reactivation
# looks at Expired instances, and a suspension happens before the warning
# about a long suspension is considered.
RULES: list[Rule] = [
    TrialReminders(),
    TrialExpiry(),
    PaymentReminders(),
    OverdueSuspension(),
    Reactivation(),
    TerminationWarning(),
    Termination(),
    Watchdogs(),
    MissedNotices(),
]


@dataclass(frozen=True)
class Failure:
    rule: str
    subject: str
    error: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.error}"


@dataclass
class RunReport:
    now: datetime.datetime
    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def run_rule(rule: Rule, now: datetime.datetime, config, report: RunReport) -> None:
    """Act on each due item of one rule, each in its own transaction.

    An item that fails is logged with its subject and rolled back alone, and
    the rule goes on with the next item.
    """
    try:
        candidates = list(rule.candidates(now, config))
    except Exception as error:
        logger.exception("Rule %s failed to list its due items", rule.name)
        report.failures.append(
            Failure(rule.name, "-", f"{type(error).__name__}: {error}")
        )
        return
    for candidate in candidates:
        try:
            with transaction.atomic():
                actions = rule.act(candidate, now, config)
        except AlreadyHandled:
            continue
        except Exception as error:
            subject = rule.subject_of(candidate)
            logger.exception("Rule %s failed on %s", rule.name, subject)
            report.failures.append(
                Failure(rule.name, subject, f"{type(error).__name__}: {error}")
            )
            continue
        for action in actions:
            if not report.dry_run:
                logger.info("%s", action)
            report.actions.append(action)


def run_automation(
    now: datetime.datetime, *, dry_run: bool = False, rules: list[Rule] | None = None
) -> RunReport:
    """Run every rule once for the moment `now`; a dry run stores nothing.

    `now` is not checked here, so tests may run the rules for any moment;
    the automate command checks the moment it is given first.
    """
    report = RunReport(now=now, dry_run=dry_run)
    config = get_operator_settings()
    if not dry_run:
        # Stored before the rules run, so that a run for an earlier moment
        # started meanwhile is already rejected.
        run = AutomationRun.objects.create(run_for=now, started_at=timezone.now())
        for rule in rules or RULES:
            run_rule(rule, now, config, report)
        run.finished_at = timezone.now()
        run.actions = len(report.actions)
        run.failures = len(report.failures)
        run.save(update_fields=["finished_at", "actions", "failures"])
        return report
    with dry_run_logging(), transaction.atomic():
        for rule in rules or RULES:
            run_rule(rule, now, config, report)
        transaction.set_rollback(True)
    return report
