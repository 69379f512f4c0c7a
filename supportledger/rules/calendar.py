"""The business calendar: when the vendor is open, in its own time zone.

A day is a *business day* when its weekday has business hours and it is
neither a public holiday of the policy's country (the ``holidays`` package)
nor an extra closure, or when it is an extra working day (a Hungarian
working Saturday) that is not also an extra closure. An extra working day
has the hours of the first day of the week that has any.

Business hours are local wall-clock times; each day's opening and closing
are converted to UTC on their own, so a day on which the clocks change
(Europe/Warsaw: last Sunday of March and of October) is handled exactly: an
instant is compared with that day's real boundaries and business minutes
are real elapsed minutes.

Instants passed in must be aware; instants returned are aware, in the
policy time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from supportledger.rules.types import WEEKDAYS, Policy

__all__ = ["BusinessCalendar", "add_months", "public_holidays"]

_ONE_DAY = timedelta(days=1)
_SEARCH_LIMIT_DAYS = 3 * 366
"""How far the calendar looks for the next business day before giving up:
a calendar with no opening in three years is a configuration error."""


@lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of ``country`` (ISO 3166 code) in ``year``.

    Cached per country and year: building a year of holidays costs
    milliseconds and the rating hot path asks for it on every piece of work.
    """
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the end of the month.

    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``; ``months`` may be
    negative.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last = 31 if month == 12 else (date(year, month + 1, 1) - _ONE_DAY).day
    return date(year, month, min(day.day, last))


class BusinessCalendar:
    """Business days and hours of one vendor (DESIGN 3.7).

    ``business_hours`` maps a ``WEEKDAYS`` key (``"mon"`` ... ``"sun"``) to
    local ``(opens, closes)``, ``opens < closes``; a missing day is closed.
    ``holidays`` is an ISO country code for the ``holidays`` package, or
    ``None`` for no public holidays. ``closures`` are extra closed dates (days
    off); ``extra_working_days`` are dates open although their weekday has no
    hours or they are a public holiday, with the hours of the first day of
    the week that has any. A date in both is closed.
    """

    __slots__ = (
        "_day_hours",
        "_extra_day_hours",
        "_hours",
        "closures",
        "extra_working_days",
        "holiday_country",
        "zone",
    )

    def __init__(
        self,
        timezone: str,
        business_hours: Mapping[str, tuple[time, time]],
        holidays: str | None = None,
        closures: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.zone = ZoneInfo(timezone)
        hours: list[tuple[time, time] | None] = []
        for key in WEEKDAYS:
            span = business_hours.get(key)
            if span is not None and not span[0] < span[1]:
                raise ValueError(f"business hours of {key}: opening must be before closing")
            hours.append(span)
        for key in business_hours:
            if key not in WEEKDAYS:
                raise ValueError(f"business hours: unknown day {key!r}")
        self._hours = tuple(hours)
        self.holiday_country = holidays
        self.closures = frozenset(closures)
        self.extra_working_days = frozenset(extra_working_days) - self.closures
        self._extra_day_hours = next((span for span in self._hours if span is not None), None)
        self._day_hours: dict[date, tuple[datetime, datetime] | None] = {}

    @classmethod
    def for_policy(cls, policy: Policy) -> BusinessCalendar:
        """The calendar of ``policy``, shared between calls with equal settings."""
        cached = _BY_POLICY_ID.get(id(policy))
        if cached is not None and cached[0] is policy:
            return cached[1]
        key = (
            policy.timezone,
            policy.holidays,
            policy.closures,
            policy.extra_working_days,
            tuple(sorted(policy.business_hours.items())),
        )
        calendar = _BY_SETTINGS.get(key)
        if calendar is None:
            calendar = cls(
                policy.timezone,
                policy.business_hours,
                policy.holidays,
                policy.closures,
                policy.extra_working_days,
            )
            if len(_BY_SETTINGS) > 256:
                _BY_SETTINGS.clear()
            _BY_SETTINGS[key] = calendar
        if len(_BY_POLICY_ID) > 256:
            _BY_POLICY_ID.clear()
        _BY_POLICY_ID[id(policy)] = (policy, calendar)
        return calendar

    @property
    def timezone(self) -> str:
        return self.zone.key

    def local(self, instant: datetime) -> datetime:
        """``instant`` in the calendar's time zone."""
        return instant.astimezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        """The calendar date of ``instant`` in the calendar's time zone."""
        return instant.astimezone(self.zone).date()

    def is_closed_on(self, day: date) -> bool:
        """True on a public holiday or an extra closure (whatever the weekday),
        unless the day is an extra working day."""
        if day in self.closures:
            return True
        if day in self.extra_working_days:
            return False
        country = self.holiday_country
        return country is not None and day in public_holidays(country, day.year)

    def _hours_of(self, day: date) -> tuple[time, time] | None:
        """The local opening and closing of ``day``, or ``None`` when closed."""
        if day in self.extra_working_days:
            return self._extra_day_hours
        if self.is_closed_on(day):
            return None
        return self._hours[day.weekday()]

    def is_business_day(self, day: date) -> bool:
        """True when ``day`` has business hours and is no holiday or closure,
        or is an extra working day."""
        return self._hours_of(day) is not None

    def opening_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing instants (UTC) of ``day``, or ``None`` when closed."""
        try:
            return self._day_hours[day]
        except KeyError:
            pass
        span = self._hours_of(day)
        result: tuple[datetime, datetime] | None = None
        if span is not None:
            opens = datetime.combine(day, span[0], self.zone).astimezone(UTC)
            closes = datetime.combine(day, span[1], self.zone).astimezone(UTC)
            result = (opens, closes)
        if len(self._day_hours) > 20_000:
            self._day_hours.clear()
        self._day_hours[day] = result
        return result

    def is_business_time(self, instant: datetime) -> bool:
        """True when ``instant`` falls within its local day's hours (opening
        included, closing excluded) on a business day."""
        hours = self.opening_hours(instant.astimezone(self.zone).date())
        return hours is not None and hours[0] <= instant < hours[1]

    def next_opening(self, instant: datetime) -> datetime:
        """``instant`` itself when open, otherwise the next opening, local time."""
        instant = instant.astimezone(UTC)
        day = self.local_date(instant)
        for _ in range(_SEARCH_LIMIT_DAYS):
            hours = self.opening_hours(day)
            if hours is not None and instant < hours[1]:
                return max(instant, hours[0]).astimezone(self.zone)
            day += _ONE_DAY
        raise ValueError("the business calendar never opens")

    def add_business_minutes(self, instant: datetime, minutes: int) -> datetime:
        """The instant after ``minutes`` (>= 0) minutes of business time counted
        from ``instant``, local time.

        Counting starts at ``instant`` if open, otherwise at the next opening;
        time outside business hours does not count. When the minutes run out
        exactly at a closing, the closing is returned. ``minutes == 0`` returns
        ``instant`` unchanged.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        if minutes == 0:
            return instant.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        # UTC arithmetic: adding to a datetime in a ZoneInfo zone moves wall time.
        instant = instant.astimezone(UTC)
        day = self.local_date(instant)
        for _ in range(_SEARCH_LIMIT_DAYS):
            hours = self.opening_hours(day)
            if hours is not None:
                start = max(instant, hours[0])
                if start < hours[1]:
                    available = hours[1] - start
                    if remaining <= available:
                        return (start + remaining).astimezone(self.zone)
                    remaining -= available
            day += _ONE_DAY
        raise ValueError("the business calendar never opens")

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole business minutes from ``start`` to ``end`` (0 when ``end`` is
        not after ``start``): only opening hours of business days count, as
        real elapsed time (a day on which the clocks change counts what it
        really had). A started minute is not counted, so pausing a clock and
        resuming it never adds time."""
        if end <= start:
            return 0
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            hours = self.opening_hours(day)
            if hours is not None:
                lo, hi = max(start, hours[0]), min(end, hours[1])
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        return int(total.total_seconds() // 60)

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day after ``day`` (``count == 0``: ``day``)."""
        if count < 0:
            raise ValueError("count must not be negative")
        found = 0
        for _ in range(_SEARCH_LIMIT_DAYS * max(count, 1)):
            if found == count:
                return day
            day += _ONE_DAY
            if self.is_business_day(day):
                found += 1
        raise ValueError("the business calendar never opens")

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local time on ``day`` (the last whole second of the day)."""
        return datetime.combine(day, time(23, 59, 59), self.zone)


_BY_SETTINGS: dict[object, BusinessCalendar] = {}
_BY_POLICY_ID: dict[int, tuple[Policy, BusinessCalendar]] = {}
