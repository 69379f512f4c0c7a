from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from supportledger.customers.models import Customer
from supportledger.demo.build import build_large
from supportledger.desk.models import WorkEntry, WorkRating
from supportledger.entitlements.models import Entitlement
from supportledger.entitlements.queries import get_balance_from_ledger


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
def test_the_large_demo_writes_rated_work_whose_ledger_matches_the_cached_balances():
    build_large(
        "prepaid_hours_bg",
        today=date(2026, 6, 1),
        customers=20,
        work=300,
        progress=lambda line: None,
    )
    assert WorkEntry.objects.count() == WorkRating.objects.count() == 300
    for entitlement in Entitlement.objects.all():
        assert get_balance_from_ledger(entitlement)[0] == entitlement.balance_minutes
