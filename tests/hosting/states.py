"""Instances set up directly in a state, as the tests of the lifecycle need."""

import datetime

from django.utils import timezone

from saas_manager.hosting.models import Instance, InstanceState, SuspensionKind
from tests.factories import InstanceFactory

ONE_DAY = datetime.timedelta(days=1)


def instance_in(state: str, **fields) -> Instance:
    """Create an instance in `state` with the dates that state implies."""
    today = timezone.localdate()
    values: dict = {"state": state}
    if state == InstanceState.TRIAL:
        values["trial_end_date"] = today - ONE_DAY
    if state in (InstanceState.ACTIVE, InstanceState.SUSPENDED):
        values["billing_start"] = today - datetime.timedelta(days=60)
        values["paid_up_to"] = today - datetime.timedelta(days=61)
    if state == InstanceState.SUSPENDED:
        values["suspension_kind"] = SuspensionKind.MANUAL
        values["suspended_at"] = timezone.now()
    if state == InstanceState.EXPIRED:
        values["trial_end_date"] = today - datetime.timedelta(days=10)
    values.update(fields)
    return InstanceFactory(**values)
