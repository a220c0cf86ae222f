"""The moment a run of the rules is for, and which moments a run accepts.

The rules act on the records as they are now, so a real run for a moment in
the past judges today's instances by an old date. An instance suspended
yesterday for an overdue payment is not overdue on 1 January 1900, so such a
run reactivates it, and the next normal run suspends it again. A real run
therefore accepts a moment from the latest moment the automation ran for
(or an instance changed state) up to now plus FUTURE_TOLERANCE. A dry run
changes nothing and accepts any moment in the supported range.
"""

import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# The calendar the rules compute in. The settings add or take away at most
# ten years of days, which keeps every date well inside Python's years 1 to
# 9999 and the databases' own ranges.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
# A real run may be for a moment a little ahead of this machine's clock, such
# as a rounded minute typed by hand or another machine's clock running ahead.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


class MomentRejected(ValueError):
    """A moment that the run does not accept; the message names the range."""


def parse_moment(option: str, value: str) -> datetime.datetime:
    """Parse an ISO 8601 moment; one without an offset is in settings.TIME_ZONE.

    Raises MomentRejected when the value is not a moment, or when its date
    is outside EARLIEST_DATE to LATEST_DATE, before any arithmetic on it.
    """
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        try:
            moment = datetime.datetime.combine(
                datetime.date.fromisoformat(value), datetime.time()
            )
        except ValueError:
            raise MomentRejected(
                _(
                    "%(option)s %(value)s is not a valid moment: expected ISO "
                    "8601, such as 2026-03-01T06:00:00+01:00 or 2026-03-01."
                )
                % {"option": option, "value": value}
            ) from None
    # Checked on the date as written: converting year 9999 or year 1 to
    # another offset can leave the calendar.
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise MomentRejected(
            _(
                "%(option)s %(value)s is outside the supported range: expected a "
                "moment from %(earliest)s to %(latest)s."
            )
            % {
                "option": option,
                "value": value,
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def latest_moment_acted_for() -> datetime.datetime | None:
    """Return the latest moment a real run was for or an instance changed state.

    Rule executions count too, because they were stored before the runs
    themselves were, and a change of state by staff or a payment shows the
    records are already as of that moment.
    """
    from saas_manager.automation.models import AutomationRun, RuleExecution
    from saas_manager.hosting.models import InstanceEvent

    moments = [
        AutomationRun.objects.aggregate(latest=Max("run_for"))["latest"],
        RuleExecution.objects.aggregate(latest=Max("run_for"))["latest"],
        InstanceEvent.objects.aggregate(latest=Max("at"))["latest"],
    ]
    known = [moment for moment in moments if moment is not None]
    return max(known, default=None)


def _shown(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def check_real_run_moment(
    option: str, value: str, moment: datetime.datetime, now: datetime.datetime
) -> None:
    """Raise MomentRejected unless a real run may act for `moment`.

    The accepted range is from latest_moment_acted_for() to `now` plus
    FUTURE_TOLERANCE, both included.
    """
    earliest = latest_moment_acted_for()
    latest = now + FUTURE_TOLERANCE
    if (earliest is None or moment >= earliest) and moment <= latest:
        return
    values = {
        "earliest": _shown(earliest) if earliest else "",
        "latest": _shown(latest),
        "minutes": int(FUTURE_TOLERANCE.total_seconds() // 60),
    }
    if earliest is None:
        accepted = _("a moment no later than %(latest)s (now plus %(minutes)d minutes)")
    elif earliest > latest:
        # The records are ahead of this machine's clock, so no moment fits.
        accepted = _(
            "none, because the latest moment the automation ran for or an "
            "instance changed state, %(earliest)s, is later than now plus "
            "%(minutes)d minutes (%(latest)s); check the clock"
        )
    else:
        accepted = _(
            "a moment from %(earliest)s (the latest moment the automation ran "
            "for or an instance changed state) to %(latest)s (now plus "
            "%(minutes)d minutes)"
        )
    raise MomentRejected(
        _(
            "%(option)s %(value)s is not accepted for a real run: expected "
            "%(accepted)s. Add --dry-run to see what a run at another moment "
            "from %(first)s to %(last)s would do."
        )
        % {
            "option": option,
            "value": value,
            "accepted": accepted % values,
            "first": EARLIEST_DATE.isoformat(),
            "last": LATEST_DATE.isoformat(),
        }
    )
