from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from supportledger.rules.calendar import BusinessCalendar

from .factories import WEEKDAY_HOURS

WARSAW = ZoneInfo("Europe/Warsaw")
NIGHT_SUNDAYS = {"sun": (time(1, 0), time(5, 0))}


def warsaw(hours: dict[str, tuple[time, time]] = WEEKDAY_HOURS) -> BusinessCalendar:
    return BusinessCalendar("Europe/Warsaw", hours, "PL")


def test_minutes_within_one_business_day_are_counted_whole():
    start = datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW)
    assert warsaw().business_minutes_between(start, start + timedelta(minutes=90)) == 90


def test_a_started_minute_is_not_counted():
    start = datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW)
    end = start + timedelta(minutes=10, seconds=59)
    assert warsaw().business_minutes_between(start, end) == 10


def test_an_end_not_after_the_start_gives_zero():
    start = datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW)
    assert warsaw().business_minutes_between(start, start) == 0
    assert warsaw().business_minutes_between(start, start - timedelta(hours=1)) == 0


def test_nights_and_weekends_do_not_count():
    friday_afternoon = datetime(2026, 3, 6, 15, 30, tzinfo=WARSAW)
    monday_morning = datetime(2026, 3, 9, 8, 45, tzinfo=WARSAW)
    assert warsaw().business_minutes_between(friday_afternoon, monday_morning) == 30 + 45


def test_public_holidays_do_not_count():
    # Christmas Eve (a Thursday), Christmas and Boxing Day are closed in Poland.
    wednesday = datetime(2026, 12, 23, 15, 0, tzinfo=WARSAW)
    monday = datetime(2026, 12, 28, 9, 0, tzinfo=WARSAW)
    assert warsaw().business_minutes_between(wednesday, monday) == 60 + 60


def test_instants_in_any_offset_give_the_same_count():
    start = datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW)
    end = datetime(2026, 3, 5, 10, 0, tzinfo=WARSAW)
    calendar = warsaw()
    assert calendar.business_minutes_between(
        start.astimezone(UTC), end.astimezone(UTC)
    ) == calendar.business_minutes_between(start, end)
    assert calendar.business_minutes_between(start, end) == 7 * 60 + 2 * 60


def test_a_day_when_the_clocks_go_forward_counts_the_hour_it_did_not_have():
    # 29 March 2026: 02:00 becomes 03:00 in Warsaw; 01:00-05:00 lasts 3 hours.
    calendar = warsaw(NIGHT_SUNDAYS)
    opens = datetime(2026, 3, 29, 1, 0, tzinfo=WARSAW)
    closes = datetime(2026, 3, 29, 5, 0, tzinfo=WARSAW)
    assert calendar.business_minutes_between(opens - timedelta(hours=1), closes) == 180


def test_a_day_when_the_clocks_go_back_counts_the_hour_it_had_twice():
    # 25 October 2026: 03:00 becomes 02:00 in Warsaw; 01:00-05:00 lasts 5 hours.
    calendar = warsaw(NIGHT_SUNDAYS)
    day_before = datetime(2026, 10, 24, 12, 0, tzinfo=WARSAW)
    day_after = datetime(2026, 10, 26, 12, 0, tzinfo=WARSAW)
    assert calendar.business_minutes_between(day_before, day_after) == 300


def test_counting_agrees_with_adding_business_minutes():
    calendar = warsaw()
    start = datetime(2026, 3, 27, 14, 0, tzinfo=WARSAW)  # Friday before the change
    for minutes in (1, 59, 120, 480, 1000):
        end = calendar.add_business_minutes(start, minutes)
        assert calendar.business_minutes_between(start, end) == minutes
