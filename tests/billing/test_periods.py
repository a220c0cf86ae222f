import calendar
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_manager.billing.periods import (
    add_months,
    iter_periods,
    period_at,
    period_containing,
)
from saas_manager.catalog.models import BillingCycle

date = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def test_monthly_from_january_31():
    anchor = date(2025, 1, 31)

    periods = [period_at(anchor, BillingCycle.MONTHLY, index) for index in range(6)]

    starts = [period.start for period in periods]
    ends = [period.end for period in periods]
    assert starts == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]
    assert ends == [
        date(2025, 2, 27),
        date(2025, 3, 30),
        date(2025, 4, 29),
        date(2025, 5, 30),
        date(2025, 6, 29),
        date(2025, 7, 30),
    ]


def test_monthly_leap_february():
    anchor = date(2024, 1, 31)

    second = period_at(anchor, BillingCycle.MONTHLY, 1)

    assert second.start == date(2024, 2, 29)
    assert second.end == date(2024, 3, 30)


def test_yearly_from_february_29():
    anchor = date(2024, 2, 29)

    periods = [period_at(anchor, BillingCycle.YEARLY, index) for index in range(5)]

    assert periods[0].end == date(2025, 2, 27)
    assert [period.start for period in periods[1:]] == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert periods[3].end == date(2028, 2, 28)


def test_period_containing_anchor_day():
    anchor = date(2025, 1, 31)

    period = period_containing(anchor, BillingCycle.MONTHLY, date(2025, 3, 30))

    assert period.index == 1
    assert period.start == date(2025, 2, 28)


def test_period_containing_rejects_day_before_anchor():
    with pytest.raises(ValueError, match="before the billing anchor"):
        period_containing(date(2025, 1, 31), BillingCycle.MONTHLY, date(2025, 1, 30))


def test_period_rejects_unknown_cycle():
    with pytest.raises(ValueError, match="weekly is not a billing cycle"):
        period_at(date(2025, 1, 1), "weekly", 0)


def test_period_rejects_negative_index():
    with pytest.raises(ValueError, match="cannot be negative"):
        period_at(date(2025, 1, 1), BillingCycle.MONTHLY, -1)


def test_add_months_across_years():
    assert add_months(date(2024, 12, 31), 2) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


anchors = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))
cycles = st.sampled_from(list(BillingCycle))


@given(anchor=anchors, cycle=cycles, count=st.integers(min_value=1, max_value=40))
def test_periods_leave_no_gap_or_overlap(anchor, cycle, count):
    periods = iter_periods(anchor, cycle)
    previous = next(periods)

    for _ in range(count):
        current = next(periods)

        assert previous.start <= previous.end
        assert previous.end + ONE_DAY == current.start
        previous = current


@given(anchor=anchors, cycle=cycles, index=st.integers(min_value=0, max_value=600))
def test_periods_keep_anchor_day(anchor, cycle, index):
    start = period_at(anchor, cycle, index).start

    last_day = calendar.monthrange(start.year, start.month)[1]
    assert start.day == min(anchor.day, last_day)
    months = (start.year - anchor.year) * 12 + start.month - anchor.month
    step = 1 if cycle == BillingCycle.MONTHLY else 12
    assert months == index * step


@given(anchor=anchors, cycle=cycles, offset=st.integers(min_value=0, max_value=20000))
def test_period_containing_includes_day(anchor, cycle, offset):
    day = anchor + datetime.timedelta(days=offset)

    period = period_containing(anchor, cycle, day)

    assert day in period
    assert period == period_at(anchor, cycle, period.index)
