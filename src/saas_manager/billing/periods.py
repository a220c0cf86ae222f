"""Billing periods: monthly or yearly spans kept on the instance's anchor day.

Period N starts N months (or N years) after the anchor, on the anchor's day of
the month, or on the month's last day when the month is shorter. It is always
computed from the anchor and never from the period before, so an instance
started on 31 January starts its periods on 31 January, 28 or 29 February and
31 March, not on 28 March. Each period ends the day before the next starts,
so both days of a period are included and periods never overlap or leave a
gap.

Money pays at most MAX_PREPAID_YEARS of periods ahead of the billing start
(max_periods), and a billing start is at most LATEST_BILLING_START, so every
date the billing engine computes is a valid date.
"""

import calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from saas_manager.catalog.models import BillingCycle

_MONTHS_PER_PERIOD = {BillingCycle.MONTHLY: 1, BillingCycle.YEARLY: 12}

# How far ahead of the billing start money may pay. No customer prepays for a
# century, and with this bound every period date stays a valid Python date,
# whose last year is 9999, for any billing start up to LATEST_BILLING_START.
# A larger payment, or a lower price that would make the money already paid
# reach further, is rejected by validation.
MAX_PREPAID_YEARS = 100
# The last trial end date or start date an instance may have. Its billing
# start is at most a day later, and a year of margin keeps the period after
# the last one that money may pay within 31 December 9999 for either cycle.
LATEST_BILLING_START = datetime.date(datetime.MAXYEAR - MAX_PREPAID_YEARS - 2, 12, 31)


@dataclass(frozen=True)
class BillingPeriod:
    """One billing period: its number from the anchor and its first and last day."""

    index: int
    start: datetime.date
    end: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def months_per_period(cycle: str) -> int:
    """Return the length of one period of the cycle in months."""
    try:
        return _MONTHS_PER_PERIOD[BillingCycle(cycle)]
    except ValueError:
        raise ValueError(
            _("%(value)s is not a billing cycle. Expected monthly or yearly.")
            % {"value": cycle}
        ) from None


def max_periods(cycle: str) -> int:
    """Return how many periods of the cycle money may pay from the billing start."""
    return MAX_PREPAID_YEARS * 12 // months_per_period(cycle)


def add_months(anchor: datetime.date, months: int) -> datetime.date:
    """Return the day `months` months after the anchor, on the anchor's day.

    When the target month is shorter than the anchor's day, the month's last
    day is returned instead: 31 January plus one month is 28 or 29 February.
    """
    month_index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(month_index, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        # The billing engine stays within max_periods of a billing start no
        # later than LATEST_BILLING_START, so only a caller that skips those
        # bounds gets here.
        raise ValueError(
            f"{months} months after {anchor} is beyond the last date, "
            f"{datetime.date.max}."
        )
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(anchor.day, last_day))


def period_start(anchor: datetime.date, cycle: str, index: int) -> datetime.date:
    """Return the first day of period `index` (0 for the period at the anchor)."""
    return add_months(anchor, index * months_per_period(cycle))


def period_at(anchor: datetime.date, cycle: str, index: int) -> BillingPeriod:
    """Return period `index` counted from the anchor."""
    if index < 0:
        raise ValueError(f"A period index cannot be negative, got {index}.")
    start = period_start(anchor, cycle, index)
    end = period_start(anchor, cycle, index + 1) - datetime.timedelta(days=1)
    return BillingPeriod(index=index, start=start, end=end)


def iter_periods(
    anchor: datetime.date, cycle: str, first_index: int = 0
) -> Iterator[BillingPeriod]:
    """Yield the periods from `first_index` on, without end."""
    index = first_index
    while True:
        yield period_at(anchor, cycle, index)
        index += 1


def period_containing(
    anchor: datetime.date, cycle: str, day: datetime.date
) -> BillingPeriod:
    """Return the period that includes `day`, which cannot be before the anchor."""
    if day < anchor:
        raise ValueError(f"{day} is before the billing anchor {anchor}.")
    months = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    index = max(0, months // months_per_period(cycle))
    # The estimate counts whole calendar months, so it is at most one period
    # late (the day falls before the anchor's day of its month).
    while period_start(anchor, cycle, index) > day:
        index -= 1
    while period_start(anchor, cycle, index + 1) <= day:
        index += 1
    return period_at(anchor, cycle, index)
