# ruff: noqa: RUF003  (comments quote the seed pages)
"""One story per seed vendor, told end to end with the rules and the vendor's preset."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from supportledger.rules.calendar import BusinessCalendar, add_months
from supportledger.rules.claims import claim_window, is_complaint_in_time
from supportledger.rules.eligibility import may_download
from supportledger.rules.presets import get_preset
from supportledger.rules.rating import rate_work
from supportledger.rules.renewal import quote_renewal
from supportledger.rules.types import (
    Allocation,
    Entitlement,
    IncidentUse,
    Licence,
    Policy,
    Rating,
    Release,
    RenewalQuote,
    RequestRef,
    RulesError,
    Work,
)


def held(
    policy: Policy, id: str, kind: str, starts: date, ends: date, **fields: object
) -> Entitlement:
    defaults = policy.kind_defaults[kind]
    return Entitlement(
        id=id,
        kind=kind,
        starts=starts,
        ends=ends,
        covers=defaults.covers,
        modes=defaults.modes,
        **fields,  # type: ignore[arg-type]
    )


def piece(
    policy: Policy, start: str, minutes: int, mode: str, category: str, **fields: object
) -> Work:
    started = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(policy.timezone))
    request = fields.pop("request", RequestRef(id=f"R-{start}", opened_via="portal"))
    return Work(
        id=f"W-{start}",
        product="ACC",
        category=category,
        mode=mode,
        started_at=started,
        ended_at=started + timedelta(minutes=minutes),
        request=request,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def rating(policy: Policy, holdings: list[Entitlement], work: Work) -> Rating:
    result = rate_work(policy, holdings, work)
    assert isinstance(result, Rating), result
    return result


def test_s0_bulgaria_onsite_package_minimum_then_subscription_then_vouchers_then_price_list():
    policy = get_preset("prepaid_hours_bg").policy
    voucher = held(
        policy,
        "VOUCHER-10H",
        "prepaid_hours",
        date(2026, 1, 1),
        date(2026, 12, 31),
        balance_minutes=600,
    )
    # "В случай, че се използва предплатен пакет ... минималното време ... е 3(три) часа"
    visit = rating(
        policy,
        [voucher],
        piece(policy, "2026-03-05T10:00", 70, "onsite", "installation", city="софия".capitalize()),
    )
    assert visit.allocations == (Allocation("VOUCHER-10H", "prepaid_hours", 180),)
    voucher = replace(voucher, balance_minutes=600 - 180)
    # A subscription's monthly hours go first, then the voucher.
    subscription = held(
        policy,
        "SUB-2026",
        "contract",
        date(2026, 1, 1),
        date(2026, 12, 31),
        sla=True,
        minutes_per_month=600,
        used_this_month=570,
    )
    remote = rating(
        policy,
        [voucher, subscription],
        piece(policy, "2026-03-06T09:00", 101, "remote", "transfer"),
    )
    assert [(a.entitlement, a.minutes) for a in remote.allocations] == [
        ("SUB-2026", 30),
        ("VOUCHER-10H", 90),
    ]
    # The warranty fixes program defects only; training without hours is billed.
    warranty = held(policy, "WAR-ACC", "warranty", date(2026, 1, 1), date(2026, 12, 31))
    assert (
        rating(policy, [warranty], piece(policy, "2026-03-09T09:00", 30, "remote", "defect")).amount
        == 0
    )
    billed = rating(policy, [warranty], piece(policy, "2026-03-09T09:00", 30, "remote", "training"))
    assert billed.amount == Decimal("40.00")
    # "Този тип поддръжка е възможен само за територията на гр. София."
    outside = rate_work(
        policy, [voucher], piece(policy, "2026-03-09T09:00", 30, "onsite", "backup", city="Plovdiv")
    )
    assert isinstance(outside, RulesError)
    assert outside.code == "outside_service_area"


def test_s1_hungary_services_free_in_the_warranty_year_then_hourly_or_under_a_follow_up_contract():
    preset = get_preset("warranty_year_hu")
    policy = preset.policy
    sold = date(2026, 1, 15)
    warranty = held(
        policy,
        "WAR-KASSZA",
        "warranty",
        sold,
        add_months(sold, preset.default_warranty_months or 0) - timedelta(days=1),
    )
    # "ritkábban használt funkciók (pl. leltározás)": advice on using it, free.
    stock_taking = piece(policy, "2026-11-30T09:00", 90, "remote", "consultation")
    assert rating(policy, [warranty], stock_taking).allocations[0].entitlement == "WAR-KASSZA"
    # The free services are remote help, consulting and legislation tracking:
    # 8 hours of in-house development are billed at the hourly rate.
    development = piece(policy, "2026-11-30T08:00", 480, "inhouse", "development")
    assert rating(policy, [warranty], development).amount == Decimal("96000.00")
    # "Garanciaidő lejárta után követési szerződés nélkül viszont fizetős óradíjas elszámolásban"
    later = piece(policy, "2027-01-20T09:00", 90, "remote", "legal")
    assert rating(policy, [warranty], later).amount == Decimal("24000.00")
    contract = held(
        policy, "FOLLOW-2027", "contract", date(2027, 1, 15), date(2028, 1, 14), updates=True
    )
    assert rating(policy, [warranty, contract], later).amount == 0
    # "Munkanapokon 08:00 - 16:00": a request on Friday afternoon is answered on Monday.
    calendar = BusinessCalendar.for_policy(policy)
    friday = datetime(2027, 1, 22, 15, 30, tzinfo=ZoneInfo("Europe/Budapest"))
    assert calendar.add_business_minutes(friday, 60).date() == date(2027, 1, 25)


def test_s2_greece_maintenance_free_by_email_premium_incident_by_phone_and_training_refused():
    preset = get_preset("annual_maintenance_gr")
    policy = preset.policy
    maintenance = held(
        policy, "MNT-2026", "contract", date(2026, 1, 1), date(2026, 12, 31), updates=True
    )
    premium = held(
        policy,
        "PREMIUM-4",
        "incident_pack",
        date(2026, 1, 1),
        date(2026, 12, 31),
        balance_incidents=4,
        requires="contract",
    )
    by_email = rating(
        policy, [maintenance, premium], piece(policy, "2026-03-04T11:00", 50, "email", "defect")
    )
    assert by_email.allocations == (Allocation("MNT-2026", "contract", 60),)
    call = RequestRef(id="R-7", opened_via="phone")
    first = rating(
        policy,
        [maintenance, premium],
        piece(policy, "2026-03-04T10:00", 12, "phone", "consultation", request=call),
    )
    assert first.incidents == (IncidentUse("PREMIUM-4", 1),)
    charged = replace(call, incident_from="PREMIUM-4")
    follow_up = rating(
        policy,
        [maintenance, replace(premium, balance_incidents=3)],
        piece(policy, "2026-03-05T10:00", 40, "phone", "consultation", request=charged),
    )
    assert follow_up.incidents == ()
    # "Οι υπηρεσίες παρέχονται αποκλειστικά σε συνδρομητές με ... συμβόλαιο συντήρησης σε ισχύ"
    training = rate_work(
        policy, [maintenance, premium], piece(policy, "2026-03-04T11:00", 50, "email", "training")
    )
    assert isinstance(training, RulesError)
    assert training.code == "not_entitled"
    # Premium extends Professional: without the contract the pack does not apply.
    alone = rate_work(
        policy, [premium], piece(policy, "2027-03-04T10:00", 12, "phone", "consultation")
    )
    assert isinstance(alone, RulesError)
    assert alone.code == "not_entitled"
    # "Ενημερώσεις ... ως τις 31/12": updates of the year are covered.
    release = Release("ACC", "2026.4", date(2026, 12, 15))
    assert may_download([Licence("ACC")], [maintenance], release, date(2027, 2, 1)).allowed


def test_s3_russia_six_month_support_lapses_then_a_grace_renewal_unlocks_the_lapsed_releases():
    preset = get_preset("support_period_ru")
    policy = preset.policy
    sold = date(2025, 12, 1)
    ends = add_months(sold, preset.default_support_period_months or 0) - timedelta(days=1)
    period = held(policy, "SP-1", "support_period", sold, ends)
    assert ends == date(2026, 5, 31)
    question = piece(policy, "2026-04-15T10:00", 20, "email", "consultation")
    assert rating(policy, [period], question).amount == 0
    # "по телефону поддержка не осуществляется"
    call = rate_work(
        policy, [period], piece(policy, "2026-04-15T10:00", 20, "phone", "consultation")
    )
    assert isinstance(call, RulesError)
    assert call.code == "not_entitled"
    # After the period: the product works, but no consultations and no new versions.
    lapsed_question = rate_work(
        policy, [period], piece(policy, "2026-06-15T10:00", 20, "email", "consultation")
    )
    assert isinstance(lapsed_question, RulesError)
    lapse_release = Release("ACC", "3.1", date(2026, 6, 10))
    licence = Licence("ACC", "perpetual")
    assert not may_download([licence], [period], lapse_release, date(2026, 6, 20)).allowed
    # "в течение одного месяца ... по льготной цене за 25% от цены продукта на дату продления"
    quote = quote_renewal(policy.renewal, policy.currency, Decimal("7990"), ends, date(2026, 6, 20))
    assert isinstance(quote, RenewalQuote)
    assert (quote.kind, quote.price, quote.new_support_ends) == (
        "grace",
        Decimal("1998"),
        date(2027, 5, 31),
    )
    renewed = held(policy, "SP-2", "support_period", date(2026, 6, 1), quote.new_support_ends)
    assert may_download([licence], [period, renewed], lapse_release, date(2026, 6, 20)).allowed
    # A subscription licence that has expired downloads nothing, support or not.
    subscription = Licence("ACC", "subscription", expires=date(2026, 6, 1))
    assert (
        may_download([subscription], [renewed], lapse_release, date(2026, 6, 20)).reason
        == "licence_expired"
    )


def test_s4_poland_sla_per_half_hour_no_contract_per_hour_and_a_complaint_window():
    policy = get_preset("remote_sla_pl").policy
    session = piece(policy, "2026-03-04T09:00", 25, "remote", "consultation")
    # "bez umowy ... za każde rozpoczęte 60 minut"
    assert rating(policy, [], session).amount == Decimal("160.00")
    # "z umową SLA ... za każde rozpoczęte 30 minut"
    sla = held(policy, "SLA-1", "contract", date(2026, 1, 1), date(2026, 12, 31), sla=True)
    assert rating(policy, [sla], session).amount == Decimal("80.00")
    # "w przeciągu 3 dni roboczych od jej potwierdzenia, jednak nie później niż
    # podczas kolejnej zamówionej usługi"; "14 dniowej gwarancji"
    calendar = BusinessCalendar.for_policy(policy)
    warsaw = ZoneInfo("Europe/Warsaw")
    window = claim_window(calendar, policy.claims, datetime(2026, 12, 23, 15, 0, tzinfo=warsaw))
    assert window.complaint_deadline == datetime(2026, 12, 30, 23, 59, 59, tzinfo=warsaw)
    assert not is_complaint_in_time(window, datetime(2026, 12, 31, 8, 0, tzinfo=warsaw))
    # An accepted complaint grants free rework under a service warranty.
    rework = held(
        policy, "SW-1", "service_warranty", window.confirmed_on, window.service_warranty_ends
    )
    again = piece(policy, "2027-01-05T09:00", 40, "remote", "configuration")
    assert rating(policy, [rework], again).allocations == (
        Allocation("SW-1", "service_warranty", 60),
    )
    # A rejected complaint after a visit bills the travel from the price list.
    visit = rating(
        policy, [], piece(policy, "2027-01-07T09:00", 30, "onsite", "hardware", city="Łódź")
    )
    assert visit.travel_billed
    assert visit.amount == Decimal("280.00")  # 1 h on site 200.00 + travel 80.00
