from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportledger.rules.calendar import BusinessCalendar, add_months, public_holidays

from .factories import WEEKDAY_HOURS

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(**changes: object) -> BusinessCalendar:
    return BusinessCalendar("Europe/Warsaw", WEEKDAY_HOURS, "PL", **changes)  # type: ignore[arg-type]


def test_weekends_have_no_business_hours():
    calendar = warsaw()
    assert calendar.is_business_day(date(2026, 3, 6))  # Friday
    assert not calendar.is_business_day(date(2026, 3, 7))  # Saturday
    assert not calendar.is_business_day(date(2026, 3, 8))  # Sunday


def test_polish_christmas_eve_is_a_public_holiday_since_2025():
    calendar = warsaw()
    assert date(2026, 12, 24) in public_holidays("PL", 2026)
    assert not calendar.is_business_day(date(2026, 12, 24))  # a Thursday
    assert not calendar.is_business_time(datetime(2026, 12, 24, 10, 0, tzinfo=WARSAW))


def test_an_extra_closure_is_not_a_business_day():
    calendar = warsaw(closures=[date(2026, 3, 4)])
    assert not calendar.is_business_day(date(2026, 3, 4))
    assert calendar.is_business_day(date(2026, 3, 5))


def test_business_time_includes_opening_and_excludes_closing():
    calendar = warsaw()
    assert calendar.is_business_time(datetime(2026, 3, 4, 8, 0, tzinfo=WARSAW))
    assert calendar.is_business_time(datetime(2026, 3, 4, 15, 59, tzinfo=WARSAW))
    assert not calendar.is_business_time(datetime(2026, 3, 4, 16, 0, tzinfo=WARSAW))
    assert not calendar.is_business_time(datetime(2026, 3, 4, 7, 59, tzinfo=WARSAW))


def test_business_time_is_judged_in_local_time_whatever_the_offset_of_the_instant():
    calendar = warsaw()
    # 07:30 UTC is 08:30 in Warsaw in winter and 09:30 in summer.
    assert calendar.is_business_time(datetime(2026, 3, 4, 7, 30, tzinfo=UTC))
    assert not calendar.is_business_time(datetime(2026, 3, 4, 6, 30, tzinfo=UTC))
    assert calendar.is_business_time(datetime(2026, 7, 1, 6, 0, tzinfo=UTC))


def test_opening_hours_move_in_utc_when_warsaw_changes_to_summer_time():
    calendar = warsaw()
    friday = calendar.opening_hours(date(2026, 3, 27))
    monday = calendar.opening_hours(date(2026, 3, 30))  # after the change on Sunday 29 March
    assert friday == (
        datetime(2026, 3, 27, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 27, 15, 0, tzinfo=UTC),
    )
    assert monday == (
        datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 14, 0, tzinfo=UTC),
    )


def test_business_minutes_over_the_spring_change_count_real_minutes():
    calendar = BusinessCalendar("Europe/Warsaw", {"sun": (time(0, 0), time(12, 0))})
    # Sunday 29 March 2026: 02:00 becomes 03:00, so 00:00-12:00 lasts 11 hours.
    start = datetime(2026, 3, 29, 0, 0, tzinfo=WARSAW)
    assert calendar.add_business_minutes(start, 11 * 60) == datetime(
        2026, 3, 29, 12, 0, tzinfo=WARSAW
    )
    assert calendar.add_business_minutes(start, 3 * 60) == datetime(
        2026, 3, 29, 4, 0, tzinfo=WARSAW
    )


def test_business_minutes_over_the_autumn_change_count_real_minutes():
    calendar = BusinessCalendar("Europe/Warsaw", {"sun": (time(0, 0), time(12, 0))})
    # Sunday 25 October 2026: 03:00 becomes 02:00 again, so the morning lasts 13 hours.
    start = datetime(2026, 10, 25, 0, 0, tzinfo=WARSAW)
    end = calendar.add_business_minutes(start, 13 * 60)
    assert end == datetime(2026, 10, 25, 12, 0, tzinfo=WARSAW)
    assert end - start == timedelta(hours=12)  # wall-clock difference; real time is 13 h
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=13)


def test_business_minutes_run_over_a_weekend_to_monday():
    calendar = BusinessCalendar("Europe/Budapest", WEEKDAY_HOURS, "HU")
    budapest = ZoneInfo("Europe/Budapest")
    due = calendar.add_business_minutes(datetime(2026, 3, 6, 15, 0, tzinfo=budapest), 240)
    assert due == datetime(2026, 3, 9, 11, 0, tzinfo=budapest)
    assert due.utcoffset() == timedelta(hours=1)


def test_business_minutes_ending_at_closing_give_the_closing_time():
    calendar = warsaw()
    start = datetime(2026, 3, 4, 15, 0, tzinfo=WARSAW)
    assert calendar.add_business_minutes(start, 60) == datetime(2026, 3, 4, 16, 0, tzinfo=WARSAW)


def test_zero_business_minutes_leave_the_instant_unchanged():
    calendar = warsaw()
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=WARSAW)
    assert calendar.add_business_minutes(saturday, 0) == saturday


def test_the_next_opening_skips_a_weekend_and_a_holiday():
    calendar = warsaw()
    # Thursday 24 December 2026 (holiday) -> Monday 28 December 08:00.
    opening = calendar.next_opening(datetime(2026, 12, 23, 17, 0, tzinfo=WARSAW))
    assert opening == datetime(2026, 12, 28, 8, 0, tzinfo=WARSAW)


def test_the_next_opening_of_an_open_instant_is_that_instant():
    calendar = warsaw()
    instant = datetime(2026, 3, 4, 10, 30, tzinfo=WARSAW)
    assert calendar.next_opening(instant) == instant


def test_business_days_skip_weekends_and_holidays():
    calendar = warsaw()
    assert calendar.add_business_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert calendar.add_business_days(date(2026, 12, 23), 3) == date(2026, 12, 30)
    assert calendar.add_business_days(date(2026, 12, 23), 0) == date(2026, 12, 23)


def test_a_calendar_that_never_opens_says_so_instead_of_looping():
    calendar = BusinessCalendar("Europe/Warsaw", {})
    with pytest.raises(ValueError, match="never opens"):
        calendar.add_business_minutes(datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW), 1)


def test_business_hours_must_open_before_they_close():
    with pytest.raises(ValueError, match="opening must be before closing"):
        BusinessCalendar("Europe/Warsaw", {"mon": (time(16), time(8))})


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 5, 31), 12, date(2027, 5, 31)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_adding_months_clamps_to_the_end_of_the_month(start: date, months: int, expected: date):
    assert add_months(start, months) == expected


BUDAPEST = ZoneInfo("Europe/Budapest")


def budapest(**changes: object) -> BusinessCalendar:
    return BusinessCalendar("Europe/Budapest", WEEKDAY_HOURS, "HU", **changes)  # type: ignore[arg-type]


def test_an_extra_working_day_opens_a_saturday_with_the_weekday_hours():
    # 10/2025. (IV. 30.) NGM rendelet: Saturday 10 January 2026 is a working day.
    calendar = budapest(extra_working_days=[date(2026, 1, 10)])
    assert calendar.is_business_day(date(2026, 1, 10))
    assert calendar.is_business_time(datetime(2026, 1, 10, 8, 0, tzinfo=BUDAPEST))
    assert not calendar.is_business_time(datetime(2026, 1, 10, 16, 0, tzinfo=BUDAPEST))
    assert not budapest().is_business_day(date(2026, 1, 10))
    assert not calendar.is_business_day(date(2026, 1, 17))  # the next Saturday is not


def test_a_closure_wins_over_an_extra_working_day_on_the_same_date():
    day = date(2026, 1, 10)
    calendar = budapest(extra_working_days=[day], closures=[day])
    assert not calendar.is_business_day(day)


def test_an_extra_working_day_counts_for_first_response_and_claim_windows():
    friday = datetime(2026, 1, 9, 15, 0, tzinfo=BUDAPEST)
    plain, working_saturday = budapest(), budapest(extra_working_days=[date(2026, 1, 10)])
    assert plain.add_business_minutes(friday, 120) == datetime(2026, 1, 12, 9, 0, tzinfo=BUDAPEST)
    assert working_saturday.add_business_minutes(friday, 120) == datetime(
        2026, 1, 10, 9, 0, tzinfo=BUDAPEST
    )
    assert working_saturday.add_business_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert (
        working_saturday.business_minutes_between(
            friday, datetime(2026, 1, 12, 8, 0, tzinfo=BUDAPEST)
        )
        == 60 + 8 * 60
    )


@given(
    st.sets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=10),
    st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    st.integers(min_value=0, max_value=5000),
)
def test_extra_working_days_never_make_a_deadline_later(extra: set[date], day: date, minutes: int):
    start = datetime.combine(day, time(12), BUDAPEST)
    with_extra = budapest(extra_working_days=extra).add_business_minutes(start, minutes)
    assert with_extra <= budapest().add_business_minutes(start, minutes)
