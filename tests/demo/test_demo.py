from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from supportledger.customers.models import Customer
from supportledger.demo.build import build_large, build_small
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.entitlements.models import AllowanceUsage, Entitlement, LedgerEntry
from supportledger.entitlements.queries import (
    get_allowance_used_from_ledger,
    get_balance_from_ledger,
)
from supportledger.rules.explanation import explain_in_english, steps_from_json
from supportledger.rules.presets import PRESET_NAMES


@pytest.mark.django_db
def test_demo_fills_an_empty_database_through_the_actions_and_then_leaves_it_alone():
    out = StringIO()
    call_command("demo", preset="remote_sla_pl", stdout=out)
    assert Customer.objects.count() == 50
    assert WorkEntry.objects.count() > 100
    assert len({c.language for c in Customer.objects.all()}) >= 4
    call_command("demo", if_empty=True, stdout=out)
    assert "not empty" in out.getvalue()
    with pytest.raises(CommandError, match="not empty"):
        call_command("demo")
    for entitlement in Entitlement.objects.filter(kind="prepaid_hours"):
        assert get_balance_from_ledger(entitlement)[0] == entitlement.balance_minutes


@pytest.mark.django_db
def test_demo_requests_speak_their_customers_language_and_older_ones_are_closed():
    from supportledger.demo.build import ASKS
    from supportledger.desk.models import Message, Status, StatusChange

    build_small("prepaid_hours_bg", today=date(2026, 6, 1), customers=12)
    requests = Request.objects.select_related("customer", "product")
    assert requests.exists()
    for request in requests:
        asked = {
            a["subject"].format(product=request.product.name)
            for a in ASKS[request.customer.language]
        }
        assert request.subject in asked, (request.customer.language, request.subject)
        first = Message.objects.filter(request=request).earliest("created_at")
        assert first.author_contact_id == request.contact_id
    worked = requests.filter(work__isnull=False).distinct()
    old = [r for r in worked if (date(2026, 6, 1) - r.created_at.date()).days > 31]
    assert old
    assert all(r.status == Status.CLOSED for r in old)
    assert requests.filter(status__in=[Status.NEW, Status.OPEN, Status.WAITING]).exists()
    # The statuses moved through the desk's actions, not by age: nothing old
    # is new, and each old request with work was resolved by its confirmed
    # work and closed by the job once the time for complaints had passed.
    assert not requests.filter(status=Status.NEW).exists()
    for request in old:
        reasons = list(
            StatusChange.objects.filter(request=request)
            .order_by("at", "id")
            .values_list("reason", flat=True)
        )
        assert reasons[-2:] == ["work_confirmed", "complaint_window_closed"], reasons


@pytest.mark.django_db
def test_the_large_demo_writes_rated_work_whose_ledger_matches_the_cached_balances():
    build_large(
        "prepaid_hours_bg",
        today=date(2026, 6, 1),
        customers=40,
        work=600,
        progress=lambda line: None,
    )
    assert WorkEntry.objects.count() == WorkRating.objects.count() == 600
    for rating in WorkRating.objects.all():
        assert explain_in_english(steps_from_json(rating.steps)) == tuple(rating.explanation)
    for entitlement in Entitlement.objects.all():
        assert get_balance_from_ledger(entitlement)[0] == entitlement.balance_minutes
    for usage in AllowanceUsage.objects.select_related("entitlement"):
        assert usage.used_minutes == get_allowance_used_from_ledger(usage.entitlement, usage.month)
    assert AllowanceUsage.objects.filter(used_minutes__gt=0).exists()


@pytest.mark.django_db
def test_the_large_demo_is_a_mix_where_a_real_share_of_the_work_is_billable():
    build_large(
        "prepaid_hours_bg",
        today=date(2026, 6, 1),
        customers=40,
        work=600,
        progress=lambda line: None,
    )
    kinds = set(Entitlement.objects.values_list("kind", flat=True))
    assert {"prepaid_hours", "contract"} <= kinds
    assert Entitlement.objects.filter(kind="contract", sla=True).exists()
    held = set(Entitlement.objects.exclude(kind="warranty").values_list("customer_id", flat=True))
    assert 0 < len(held) < Customer.objects.count()
    assert len(set(WorkEntry.objects.values_list("product__code", flat=True))) >= 3
    billable = WorkRating.objects.filter(billable_minutes__gt=0).count()
    assert 0.2 < billable / 600 < 0.9
    assert LedgerEntry.objects.filter(reason="consume").exists()
    assert Request.objects.count() == 40


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_large_demo_builds_for_every_preset(preset):
    build_large(preset, today=date(2026, 6, 1), customers=20, work=100, progress=lambda line: None)
    assert WorkRating.objects.count() == 100
    for entitlement in Entitlement.objects.all():
        assert get_balance_from_ledger(entitlement)[0] == entitlement.balance_minutes


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_small_demo_builds_through_the_actions_for_every_preset(preset):
    counts = build_small(preset, today=date(2026, 6, 1), customers=4)
    assert counts["customers"] == Customer.objects.count() == 4
    assert counts["work"] == WorkEntry.objects.count() > 0
    for entitlement in Entitlement.objects.all():
        assert get_balance_from_ledger(entitlement)[0] == entitlement.balance_minutes


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_small_demo_sells_the_presets_offers_at_prices_of_the_presets_currency(preset):
    from supportledger.catalog.models import Offer, ProductPrice
    from supportledger.desk.models import Status
    from supportledger.rules.presets import get_preset

    build_small(preset, today=date(2026, 6, 1), customers=6)
    spec = get_preset(preset)
    sold = {offer.code: offer for offer in spec.offers if offer.sold}
    bought = Entitlement.objects.filter(offer__isnull=False, offer__sold=True)
    assert {e.offer.code for e in bought} == set(sold)
    for entitlement in bought:
        offer = sold[entitlement.offer.code]
        assert entitlement.terms["offer"] == offer.code
        assert entitlement.kind == offer.kind
        assert (entitlement.sla, entitlement.minutes_per_month, entitlement.updates) == (
            offer.sla,
            offer.minutes_per_month,
            offer.updates,
        )
        size = entitlement.minutes_granted or entitlement.incidents_granted
        assert entitlement.fee == offer.prices[spec.currency][size]
        assert entitlement.currency == spec.currency
    assert Offer.objects.filter(current=True).count() == len(spec.offers)
    # A product costs what it costs in that market: 60 EUR is 24 000 HUF.
    cheapest = min(ProductPrice.objects.values_list("amount", flat=True))
    assert cheapest >= {"EUR": 50, "HUF": 20000, "RUB": 5000, "PLN": 200}[spec.currency]
    requests = Request.objects.all()
    targets = {e.customer_id for e in bought if e.response_business_minutes}
    under_target = [r for r in requests if r.customer_id in targets]
    assert all(r.response_due_at or r.first_response_at for r in under_target)
    statuses = set(requests.values_list("status", flat=True))
    assert {Status.WAITING, Status.CLOSED} <= statuses


SALE_FIELDS = (
    "kind",
    "covers",
    "modes",
    "requires",
    "sla",
    "minutes_per_month",
    "rollover",
    "updates",
    "response_business_minutes",
    "fee",
    "currency",
    "billing_period",
    "terms",
    "minutes_granted",
    "incidents_granted",
    "balance_minutes",
    "balance_incidents",
)


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_large_demo_sells_the_offers_exactly_as_the_sale_action_does(preset):
    from supportledger.billing.actions.orders import do_sell_offer_now
    from supportledger.core import clock

    build_large(preset, today=date(2026, 6, 1), customers=40, work=0, progress=lambda line: None)
    bulk = list(Entitlement.objects.filter(offer__sold=True).select_related("offer"))
    if preset != "support_period_ru":  # sells nothing but renewals
        assert {e.offer.kind for e in bulk} & {"prepaid_hours", "contract"}
    customer = Customer.objects.order_by("id").first()
    sale_day_at = bulk[0].created_at if bulk else clock.now()
    for entitlement in bulk:
        size = entitlement.minutes_granted or entitlement.incidents_granted or None
        same = do_sell_offer_now(
            acting_user=None,
            customer=customer,
            offer=entitlement.offer.code,
            size=size,
            starts=entitlement.starts,
            now=sale_day_at,
        )
        for field in SALE_FIELDS:
            assert getattr(entitlement, field) == getattr(same, field), (preset, field)
        assert entitlement.ends == same.ends
        assert entitlement.terms["offer"] == entitlement.offer.code
    for granted in Entitlement.objects.filter(kind__in=["warranty", "support_period"]):
        assert granted.offer is not None
        assert granted.terms["offer"] == granted.offer.code
        assert "grants_downloads" in granted.terms
