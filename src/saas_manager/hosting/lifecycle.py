"""The instance lifecycle: the transition table and one service per transition.

These functions are the only code that changes an instance's state. Each one
checks the table, locks the instance row, saves the changed fields, writes an
InstanceEvent and recomputes the customer's status, all in one transaction.
The back office's buttons, the API, the imports and the automation call them.
After the commit, the `state_changed` signal is sent with the event, so that
notifications are only queued for changes that were stored.
"""

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.paid_up import (
    compute_position,
    is_overdue,
    refresh_paid_up_to,
)
from saas_manager.core.history import update_with_history
from saas_manager.customers.status import refresh_status_locked, refresh_statuses
from saas_manager.hosting.models import (
    ActorKind,
    Instance,
    InstanceEvent,
    InstanceState,
    SuspensionKind,
)

logger = logging.getLogger(__name__)

State = InstanceState
ONE_DAY = datetime.timedelta(days=1)
# Instances read, locked and updated per query by record_imported_states.
IMPORT_CHUNK_SIZE = 500
# The fields that recording an imported state may change.
IMPORTED_FIELDS = [
    "billing_start",
    "suspension_kind",
    "suspended_at",
    "paid_up_to",
    "updated_at",
]

# The only allowed transitions, from each state to the states it may become.
# The creation of an instance (always in Provisioning) and the states an
# import writes directly are not transitions, so they are not in the table.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.PROVISIONING: frozenset({State.TRIAL, State.ACTIVE, State.TERMINATED}),
    State.TRIAL: frozenset({State.ACTIVE, State.EXPIRED, State.TERMINATED}),
    State.ACTIVE: frozenset({State.SUSPENDED, State.TERMINATED}),
    State.SUSPENDED: frozenset({State.ACTIVE, State.TERMINATED}),
    State.EXPIRED: frozenset({State.ACTIVE, State.TERMINATED}),
    State.TERMINATED: frozenset(),
}

# Sent after the commit of every transition, with `event` (an InstanceEvent).
state_changed = Signal()


class LifecycleError(Exception):
    """A lifecycle action that the instance's state does not allow.

    The API returns HTTP 409 with `code` for it.
    """

    code = "lifecycle_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(LifecycleError):
    """A transition that the table does not allow."""

    code = "transition_not_allowed"

    def __init__(self, from_state: str, to_state: str) -> None:
        self.from_state = from_state
        self.to_state = to_state
        super().__init__(
            _("An instance in state %(from)s cannot become %(to)s.")
            % {"from": State(from_state).label, "to": State(to_state).label}
        )


class ManualSuspension(LifecycleError):
    """A suspension made by hand, which only a staff member may lift."""

    code = "manual_suspension"


class RuleNotMet(LifecycleError):
    """A transition the table allows but whose business rule does not hold."""

    code = "rule_not_met"


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


def allowed_targets(state: str) -> frozenset[str]:
    """Return the states that an instance in `state` may become."""
    return TRANSITIONS[State(state)]


def can_transition(from_state: str, to_state: str) -> bool:
    return State(to_state) in allowed_targets(from_state)


def check_transition(from_state: str, to_state: str) -> None:
    """Raise TransitionNotAllowed unless the table allows the transition."""
    if not can_transition(from_state, to_state):
        raise TransitionNotAllowed(from_state, to_state)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("The reason is missing. Expected a short explanation.")}
        )
    return reason


def _transition(
    instance: Instance,
    to_state: str,
    *,
    actor: Actor,
    reason: str,
    at: datetime.datetime | None,
    from_states: frozenset[str] | None = None,
    suspension_kind: str = "",
    prepare: Callable[[Instance, datetime.date], list[str]] | None = None,
    default_reason: Callable[[Instance], str] | None = None,
) -> InstanceEvent:
    """Move the instance to `to_state` in one transaction and record the event.

    `from_states` narrows the table for a service that only handles some
    sources (convert only starts from Trial). `prepare` runs on the locked
    row before saving, checks its business rule and returns the other fields
    it changed. `default_reason` gives the reason from the locked row when
    none was given.
    """
    moment = at or timezone.now()
    today = timezone.localdate(moment)
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        from_state = locked.state
        check_transition(from_state, to_state)
        if from_states is not None and from_state not in from_states:
            raise TransitionNotAllowed(from_state, to_state)
        fields = prepare(locked, today) if prepare else []
        if not reason and default_reason is not None:
            reason = default_reason(locked)
        locked.state = to_state
        if to_state == State.SUSPENDED:
            locked.suspension_kind = suspension_kind
            locked.suspended_at = moment
        else:
            locked.suspension_kind = ""
            locked.suspended_at = None
        if to_state == State.ACTIVE and locked.billing_start is None:
            locked.billing_start = _billing_start(locked, from_state, today)
            fields.append("billing_start")
        fields += ["state", "suspension_kind", "suspended_at"]
        # simple_history reads the user of the change from this attribute.
        locked._history_user = actor.user
        locked.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        event = InstanceEvent.objects.create(
            instance=locked,
            from_state=from_state,
            to_state=to_state,
            at=moment,
            actor_kind=actor.kind,
            actor_user=actor.user,
            payment=actor.payment,
            reason=reason,
            suspension_kind=suspension_kind,
        )
        if "billing_start" in fields:
            refresh_paid_up_to(locked)
            fields.append("paid_up_to")
        refresh_status_locked(locked.customer_id)
        transaction.on_commit(
            lambda: state_changed.send(sender=InstanceEvent, event=event)
        )
    logger.info(
        "Instance %s moved from %s to %s (actor %s)",
        locked.pk,
        from_state,
        to_state,
        actor.kind,
    )
    for name in dict.fromkeys(fields):
        setattr(instance, name, getattr(locked, name))
    instance.updated_at = locked.updated_at
    return event


def _billing_start(
    instance: Instance, from_state: str, today: datetime.date
) -> datetime.date:
    """Return the first billed day of an instance that first becomes Active.

    A trial that converts before its end is billed from the day after the
    trial end date, so the customer keeps the trial days. Otherwise billing
    starts today: an Expired trial that pays weeks later owes nothing for
    those weeks.
    """
    trial_end = instance.trial_end_date
    if from_state == State.TRIAL and trial_end is not None and today <= trial_end:
        return trial_end + ONE_DAY
    return today


def has_completed_payment(instance: Instance) -> bool:
    return instance.payments.filter(
        kind=PaymentKind.PAYMENT, status=PaymentStatus.COMPLETED
    ).exists()


def finish_provisioning(
    instance: Instance,
    *,
    actor: Actor,
    reason: str = "",
    target: str | None = None,
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Move a Provisioning instance to Trial or Active.

    It becomes Trial when its package has trial days and no completed payment
    was made for it, and Active otherwise. `target` lets staff choose Active
    to skip a trial, or Trial, which the same rule must allow. A new trial
    ends `trial_days` days after today, counting today, unless a trial end
    date was already set. An empty start date becomes today.
    """
    paid = has_completed_payment(instance)
    trial_days = instance.package.trial_days
    trial_allowed = trial_days > 0 and not paid
    chosen = target or (State.TRIAL if trial_allowed else State.ACTIVE)
    if chosen == State.TRIAL and not trial_allowed:
        raise RuleNotMet(
            _(
                "Instance %(instance)s cannot start a trial: package %(package)s "
                "has %(days)d trial days and a payment was made: %(paid)s."
            )
            % {
                "instance": instance,
                "package": instance.package,
                "days": trial_days,
                "paid": _("yes") if paid else _("no"),
            }
        )

    def prepare(locked: Instance, today: datetime.date) -> list[str]:
        fields = []
        if locked.start_date is None:
            locked.start_date = today
            fields.append("start_date")
        if chosen == State.TRIAL and locked.trial_end_date is None:
            locked.trial_end_date = today + datetime.timedelta(days=trial_days - 1)
            fields.append("trial_end_date")
        return fields

    return _transition(
        instance,
        chosen,
        actor=actor,
        reason=reason,
        at=at,
        from_states=frozenset({State.PROVISIONING}),
        prepare=prepare,
    )


def convert(
    instance: Instance,
    *,
    actor: Actor,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Convert a Trial instance to Active (a completed payment, or by hand)."""
    return _transition(
        instance,
        State.ACTIVE,
        actor=actor,
        reason=reason,
        at=at,
        from_states=frozenset({State.TRIAL}),
    )


def expire(
    instance: Instance,
    *,
    actor: Actor,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Move a Trial instance whose trial end date has passed to Expired."""

    def prepare(locked: Instance, today: datetime.date) -> list[str]:
        trial_end = locked.trial_end_date
        if trial_end is not None and trial_end >= today:
            raise RuleNotMet(
                _(
                    "The trial of instance %(instance)s ends on %(date)s, so it "
                    "cannot expire before %(next)s."
                )
                % {"instance": locked, "date": trial_end, "next": trial_end + ONE_DAY}
            )
        return []

    return _transition(
        instance,
        State.EXPIRED,
        actor=actor,
        reason=reason,
        at=at,
        prepare=prepare,
    )


def suspend(
    instance: Instance,
    *,
    actor: Actor,
    reason: str = "",
    kind: str = SuspensionKind.MANUAL,
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Suspend an Active instance, by hand with a reason or for an overdue payment.

    An overdue suspension is only allowed while the instance is overdue, and
    its reason defaults to the paid-up date.
    """
    kind = SuspensionKind(kind)
    if kind == SuspensionKind.MANUAL:
        reason = _require_reason(reason)

    def prepare(locked: Instance, today: datetime.date) -> list[str]:
        overdue = is_overdue(locked.paid_up_to, today)
        if kind == SuspensionKind.OVERDUE and not overdue:
            raise RuleNotMet(
                _("Instance %(instance)s is not overdue: it is paid up to %(date)s.")
                % {"instance": locked, "date": locked.paid_up_to or _("never")}
            )
        return []

    def overdue_reason(locked: Instance) -> str:
        return _("Overdue: paid up to %(date)s.") % {"date": locked.paid_up_to}

    return _transition(
        instance,
        State.SUSPENDED,
        actor=actor,
        reason=reason,
        at=at,
        suspension_kind=kind,
        prepare=prepare,
        default_reason=overdue_reason,
    )


def reactivate(
    instance: Instance,
    *,
    actor: Actor,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Make a Suspended or Expired instance Active again.

    A suspension made by hand is lifted only by a staff member. Whether a
    payment suffices is decided by the billing services that call this.
    """

    def prepare(locked: Instance, today: datetime.date) -> list[str]:
        manual = locked.suspension_kind == SuspensionKind.MANUAL
        if locked.state == State.SUSPENDED and manual and actor.kind != ActorKind.STAFF:
            raise ManualSuspension(
                _(
                    "Instance %(instance)s was suspended by hand, so only a staff "
                    "member can reactivate it."
                )
                % {"instance": locked}
            )
        return []

    return _transition(
        instance,
        State.ACTIVE,
        actor=actor,
        reason=reason,
        at=at,
        from_states=frozenset({State.SUSPENDED, State.EXPIRED}),
        prepare=prepare,
    )


def terminate(
    instance: Instance,
    *,
    actor: Actor,
    reason: str,
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Terminate an instance that is not Terminated yet. Terminated is final."""
    return _transition(
        instance,
        State.TERMINATED,
        actor=actor,
        reason=_require_reason(reason),
        at=at,
    )


def change_state(
    instance: Instance,
    to_state: str,
    *,
    actor: Actor,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> InstanceEvent:
    """Move the instance to `to_state` through the service for that transition.

    The API and the tests use it to request a state by name. A suspension
    made this way is a manual one.
    """
    to_state = State(to_state)
    from_state = State(instance.state)
    if to_state in (State.TRIAL, State.ACTIVE) and from_state == State.PROVISIONING:
        return finish_provisioning(
            instance, actor=actor, reason=reason, target=to_state, at=at
        )
    if to_state == State.ACTIVE and from_state == State.TRIAL:
        return convert(instance, actor=actor, reason=reason, at=at)
    if to_state == State.ACTIVE:
        return reactivate(instance, actor=actor, reason=reason, at=at)
    if to_state == State.EXPIRED:
        return expire(instance, actor=actor, reason=reason, at=at)
    if to_state == State.SUSPENDED:
        return suspend(instance, actor=actor, reason=reason, at=at)
    if to_state == State.TERMINATED:
        return terminate(instance, actor=actor, reason=reason, at=at)
    raise TransitionNotAllowed(from_state, to_state)


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
        fields = _complete_imported(locked, now)
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        event = _imported_event(locked, now, note)
        event.save()
        refresh_paid_up_to(locked)
        fields.append("paid_up_to")
        refresh_status_locked(locked.customer_id)
    for name in fields:
        setattr(instance, name, getattr(locked, name))
    return event


def record_imported_states(
    instances: Sequence[Instance], *, note: str
) -> list[InstanceEvent]:
    """Record what record_imported_state records, for many instances at once.

    Each instance gets the same fields, event, paid-up day and customer
    status, with a few queries per chunk of instances instead of several per
    instance. An instance's changed fields are saved together, with one
    history row, in one UPDATE per distinct set of values. Instances that
    already have payments get their paid-up day from refresh_paid_up_to, one
    by one, and for the others it follows from their billing start alone.
    Each customer's status is refreshed once.
    """
    now = timezone.now()
    by_pk = {instance.pk: instance for instance in instances}
    ids = sorted(by_pk)
    events: list[InstanceEvent] = []
    with transaction.atomic():
        for start in range(0, len(ids), IMPORT_CHUNK_SIZE):
            chunk = ids[start : start + IMPORT_CHUNK_SIZE]
            events += _record_imported_chunk(chunk, by_pk, now, note)
        refresh_statuses(instance.customer_id for instance in instances)
    return events


def _record_imported_chunk(
    ids: list[int], originals: dict[int, Instance], now, note: str
) -> list[InstanceEvent]:
    locked = list(Instance.objects.select_for_update().filter(pk__in=ids))
    with_payments = set(
        Instance.objects.filter(pk__in=ids, payments__isnull=False).values_list(
            "pk", flat=True
        )
    )
    changed = []
    for instance in locked:
        fields = _complete_imported(instance, now)
        if instance.pk not in with_payments:
            position = compute_position(instance, net=[])
            if instance.paid_up_to != position.paid_up_to:
                instance.paid_up_to = position.paid_up_to
                fields.append("paid_up_to")
        if fields:
            instance.updated_at = now
            changed.append(instance)
    update_with_history(changed, IMPORTED_FIELDS)
    events = InstanceEvent.objects.bulk_create(
        [_imported_event(instance, now, note) for instance in locked]
    )
    for instance in locked:
        if instance.pk in with_payments:
            refresh_paid_up_to(instance)
        original = originals[instance.pk]
        for name in IMPORTED_FIELDS:
            setattr(original, name, getattr(instance, name))
    return events


def _complete_imported(locked: Instance, now: datetime.datetime) -> list[str]:
    """Set the fields an imported state implies and return their names."""
    fields = []
    was_paying = locked.state in (State.ACTIVE, State.SUSPENDED)
    if was_paying and locked.billing_start is None:
        locked.billing_start = locked.start_date or timezone.localdate(now)
        fields.append("billing_start")
    if locked.state == State.SUSPENDED and not locked.suspension_kind:
        locked.suspension_kind = SuspensionKind.MANUAL
        locked.suspended_at = now
        fields += ["suspension_kind", "suspended_at"]
    return fields


def _imported_event(
    locked: Instance, now: datetime.datetime, note: str
) -> InstanceEvent:
    return InstanceEvent(
        instance=locked,
        from_state="",
        to_state=locked.state,
        at=now,
        actor_kind=ActorKind.IMPORT,
        reason=note,
        suspension_kind=locked.suspension_kind
        if locked.state == State.SUSPENDED
        else "",
    )
