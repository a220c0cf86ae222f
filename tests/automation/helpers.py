"""Moments and records that the automation tests share."""

import datetime
import zoneinfo

import time_machine
from django.conf import settings

from saas_manager.automation.runner import run_automation
from saas_manager.hosting.lifecycle import Actor, finish_provisioning
from tests.factories import ContactFactory, InstanceFactory


def at(year, month, day, hour=6, minute=0) -> datetime.datetime:
    """Return a moment in the operator's time zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zone)


def run(moment: datetime.datetime, **options):
    """Run the automation for `moment` with the clock set to it."""
    with time_machine.travel(moment, tick=False):
        return run_automation(moment, **options)


def provisioned(moment: datetime.datetime, *, trial_days=14, **fields):
    """Create an instance at `moment` and finish its provisioning then.

    The customer has a primary contact and a billing contact.
    """
    with time_machine.travel(moment, tick=False):
        instance = InstanceFactory(package__trial_days=trial_days, **fields)
        ContactFactory(
            customer=instance.customer,
            email="owner@customer.example",
            is_primary=True,
        )
        ContactFactory(
            customer=instance.customer,
            email="accounts@customer.example",
            is_primary=False,
            is_billing=True,
        )
        finish_provisioning(instance, actor=Actor.automation(), at=moment)
    instance.refresh_from_db()
    return instance


def descriptions(report) -> list[str]:
    return [str(action) for action in report.actions]
