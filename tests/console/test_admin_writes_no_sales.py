"""The admin shows licences, entitlements (vouchers, contracts, packs,
support periods, warranties) and their ledger but writes none of them:
sales go through the actions, which grant warranties, post the ledger and
audit; the admin cannot go round them."""

from datetime import date

import pytest
from django.urls import reverse

from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement, Licence
from tests.cast import build_cast


@pytest.mark.django_db
def test_a_superuser_reads_licences_and_entitlements_in_the_admin_but_cannot_add_or_change_them(
    admin_client,
):
    cast = build_cast()
    cast.accounting.support_period_months = 12
    cast.accounting.save()
    licence = do_sell_licence(
        acting_user=None, customer=cast.acme, product=cast.accounting, sold_on=date(2026, 1, 1)
    )
    period = Entitlement.objects.get(licence=licence, kind="support_period")
    for model, row in ((Licence, licence), (Entitlement, period)):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:entitlements_{name}_add")).status_code == 403
        change = reverse(f"admin:entitlements_{name}_change", args=[row.pk])
        assert admin_client.get(change).status_code == 200  # shown, read-only
        posted = admin_client.post(change, {"customer": cast.zeta.pk, "ends": "2030-12-31"})
        assert posted.status_code == 403
        delete = reverse(f"admin:entitlements_{name}_delete", args=[row.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    period.refresh_from_db()
    licence.refresh_from_db()
    assert (licence.customer_id, period.customer_id) == (cast.acme.pk, cast.acme.pk)
    assert period.ends == date(2026, 12, 31)
