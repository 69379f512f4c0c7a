from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.claims import auto_confirmation_at, claim_window, is_complaint_in_time
from supportledger.rules.response import first_response_due, response_target_minutes
from supportledger.rules.types import ClaimPolicy

from .factories import WEEKDAY_HOURS, entitlement

WARSAW = ZoneInfo("Europe/Warsaw")
POLAND = BusinessCalendar("Europe/Warsaw", WEEKDAY_HOURS, "PL")
CLAIMS = ClaimPolicy(complaint_business_days=3, service_warranty_days=14)


def test_the_complaint_deadline_is_the_end_of_the_third_business_day_after_confirmation():
    window = claim_window(POLAND, CLAIMS, datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW))
    assert window.complaint_deadline == datetime(2026, 3, 5, 23, 59, 59, tzinfo=WARSAW)
    assert window.deadline_reason == "business_days"
    assert window.service_warranty_ends == date(2026, 3, 16)


def test_christmas_holidays_and_the_weekend_push_the_deadline_to_the_thirtieth():
    window = claim_window(POLAND, CLAIMS, datetime(2026, 12, 23, 15, 0, tzinfo=WARSAW))
    assert window.complaint_deadline.isoformat() == "2026-12-30T23:59:59+01:00"
    assert window.service_warranty_ends == date(2027, 1, 6)


def test_the_next_ordered_service_cuts_the_complaint_window_short():
    next_service = datetime(2026, 3, 4, 9, 0, tzinfo=WARSAW)
    window = claim_window(POLAND, CLAIMS, datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW), next_service)
    assert window.complaint_deadline == next_service
    assert window.deadline_reason == "next_service"


def test_a_later_next_service_does_not_extend_the_complaint_window():
    later = datetime(2026, 3, 20, 9, 0, tzinfo=WARSAW)
    window = claim_window(POLAND, CLAIMS, datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW), later)
    assert window.deadline_reason == "business_days"


def test_the_confirmation_date_is_taken_in_the_policy_time_zone():
    # 23:30 UTC on 2 March is already 3 March in Warsaw.
    late = datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert claim_window(POLAND, CLAIMS, late).confirmed_on == date(2026, 3, 3)


def test_a_complaint_at_the_deadline_is_in_time_and_one_second_later_is_not():
    window = claim_window(POLAND, CLAIMS, datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW))
    assert is_complaint_in_time(window, datetime(2026, 3, 5, 23, 59, 59, tzinfo=WARSAW))
    assert not is_complaint_in_time(window, datetime(2026, 3, 6, 0, 0, tzinfo=WARSAW))


def test_unconfirmed_work_counts_as_confirmed_after_the_set_number_of_days():
    finished = datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW)
    assert auto_confirmation_at(ClaimPolicy(auto_confirm_days=7), finished) == datetime(
        2026, 3, 9, 12, 0, tzinfo=WARSAW
    )


def test_a_first_response_target_counts_only_business_minutes():
    budapest = ZoneInfo("Europe/Budapest")
    hungary = BusinessCalendar("Europe/Budapest", WEEKDAY_HOURS, "HU")
    due = first_response_due(hungary, datetime(2026, 3, 4, 6, 30, tzinfo=budapest), 60)
    assert due == datetime(2026, 3, 4, 9, 0, tzinfo=budapest)


def test_a_request_on_a_holiday_starts_its_clock_at_the_next_opening():
    # 15 March 2027 is a Monday and a Hungarian national holiday.
    budapest = ZoneInfo("Europe/Budapest")
    hungary = BusinessCalendar(
        "Europe/Budapest", {"mon": (time(8), time(16)), "tue": (time(8), time(16))}, "HU"
    )
    due = first_response_due(hungary, datetime(2027, 3, 15, 9, 0, tzinfo=budapest), 30)
    assert due == datetime(2027, 3, 16, 8, 30, tzinfo=budapest)


def test_the_tightest_response_target_of_a_valid_contract_applies():
    fast = entitlement("SLA-1", "contract", response_business_minutes=60)
    slow = entitlement("SLA-2", "contract", response_business_minutes=240)
    expired = entitlement("SLA-0", "contract", response_business_minutes=15, ends=date(2026, 1, 31))
    assert response_target_minutes([slow, fast, expired], "ACC", date(2026, 3, 4)) == 60
    assert response_target_minutes([], "ACC", date(2026, 3, 4)) is None
