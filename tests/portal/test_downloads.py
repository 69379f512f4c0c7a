import re
from datetime import timedelta

import pytest
from django.core import signing

from supportledger.billing.models import Invoice, Order
from supportledger.core.models import AuditEntry
from tests.portal.world import NOW

pytestmark = pytest.mark.django_db


def download_links(html):
    return re.findall(r'href="(/portal/downloads/file/[^"]+/)"', html)


def test_an_entitled_release_downloads_as_an_attachment_through_a_signed_link(client_a, world):
    html = client_a.get("/portal/downloads/").content.decode()
    links = download_links(html)
    assert len(links) == 1  # 1.1 only; 2.0 came out after support ended
    response = client_a.get(links[0])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"accounting 1.1 installer"


def test_a_release_from_after_support_ended_is_locked_and_priced_for_renewal(client_a, world):
    html = client_a.get("/portal/downloads/").content.decode()
    assert 'data-version="2.0"' in html
    row = html.split('data-version="2.0"')[1].split("</tr>")[0]
    assert "/portal/downloads/file/" not in row
    assert 'class="locked"' in row
    # 45 % of 7990 RUB, rounded to whole roubles, in Bulgarian notation.
    assert "3596,00" in html.replace("\xa0", "").replace(" ", "")


def test_a_link_for_a_locked_release_is_refused_even_when_signed(client_a, world):
    payload = {"c": world.a.contact.pk, "r": world.a.new_release.pk}
    signed = signing.dumps(payload, salt="supportledger.portal.download", compress=True)
    assert client_a.get(f"/portal/downloads/file/{signed}/").status_code == 404


def test_a_link_expires(client_a, world, monkeypatch):
    link = download_links(client_a.get("/portal/downloads/").content.decode())[0]
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 601)
    assert client_a.get(link).status_code == 404


def test_a_link_is_bound_to_its_contact(client, world):
    client.force_login(world.a.user)
    link = download_links(client.get("/portal/downloads/").content.decode())[0]
    client.force_login(world.b.user)
    assert client.get(link).status_code == 404


def test_renewing_places_an_order_invoices_it_and_is_audited(client_a, world):
    response = client_a.post("/portal/downloads/renew/", {"licence": world.a.licence.pk})
    assert response.status_code == 302
    assert response["Location"] == "/portal/invoices/"
    order = Order.objects.get(customer=world.a.customer)
    assert order.kind == "renewal"
    assert order.amount == 3596
    assert Invoice.objects.filter(customer=world.a.customer).exclude(number=None).count() == 1
    assert AuditEntry.objects.filter(action="place_order", actor=world.a.user).exists()
    html = client_a.get("/portal/invoices/").content.decode()
    assert "3596" in html.replace("\xa0", "").replace(" ", "")


def test_renewing_needs_a_post(client_a, world):
    assert client_a.get(f"/portal/downloads/renew/?licence={world.a.licence.pk}").status_code == 405
    assert not Order.objects.filter(customer=world.a.customer).exists()


def test_an_invoice_pdf_downloads_for_its_customer_only(client, world):
    client.force_login(world.b.user)
    response = client.get(f"/portal/invoices/{world.b_invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(world.a.user)
    assert client.get(f"/portal/invoices/{world.b_invoice.pk}/pdf/").status_code == 404


def test_an_invoice_xml_downloads_for_its_customer_only(client, world):
    client.force_login(world.b.user)
    assert "/xml/en16931/" in client.get("/portal/invoices/").content.decode()
    response = client.get(f"/portal/invoices/{world.b_invoice.pk}/xml/en16931/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert world.b_invoice.number.encode() in response.content
    client.force_login(world.a.user)
    assert client.get(f"/portal/invoices/{world.b_invoice.pk}/xml/en16931/").status_code == 404


def test_a_customer_on_hold_sees_why(client_a, world):
    from supportledger.customers.actions import do_put_customer_on_hold

    do_put_customer_on_hold(
        acting_user=None, customer=world.a.customer, reason="Invoice 7 unpaid", now=NOW
    )
    html = client_a.get("/portal/").content.decode()
    assert 'id="on-hold"' in html
    assert "Invoice 7 unpaid" in html


def test_the_dashboard_costs_the_same_queries_whatever_the_data(
    client_a, world, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client_a.get("/portal/").status_code == 200
    from supportledger.desk.actions.work import do_record_work
    from supportledger.entitlements.actions.sales import do_sell_licence, do_sell_voucher

    for n in range(6):
        do_sell_licence(
            acting_user=None,
            customer=world.a.customer,
            product=world.product,
            sold_on=NOW.date() - timedelta(days=40 * n),
            now=NOW,
        )
        do_sell_voucher(
            acting_user=None,
            customer=world.a.customer,
            minutes=600,
            starts=NOW.date().replace(month=1, day=1),
            ends=NOW.date().replace(month=12, day=31),
            now=NOW,
        )
        start = NOW - timedelta(days=30 * n + 3)
        do_record_work(
            acting_user=None,
            work_id=f"more-{n}",
            request=world.a.request,
            agent=world.agent,
            started_at=start,
            ended_at=start + timedelta(hours=2),
            mode="remote",
            category="installation",
            product=world.product,
            now=start + timedelta(hours=3),
        )
    with django_assert_num_queries(len(small.captured_queries)):
        assert client_a.get("/portal/").status_code == 200


def test_the_downloads_page_costs_the_same_queries_whatever_the_releases(
    client_a, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supportledger.entitlements.actions.releases import do_publish_release

    with CaptureQueriesContext(connection) as small:
        client_a.get("/portal/downloads/")
    for n in range(5):
        do_publish_release(
            acting_user=None,
            product=world.product,
            version=f"1.{n + 2}",
            released_on=NOW.date().replace(month=4, day=n + 1),
            kind="fix",
            now=NOW,
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client_a.get("/portal/downloads/")


def test_the_dashboard_names_overdue_invoices(client, world, monkeypatch):
    from supportledger.core import clock

    client.force_login(world.b.user)
    later = NOW + timedelta(days=60)
    monkeypatch.setattr(clock, "now", lambda: later)
    html = client.get("/portal/").content.decode()
    assert 'id="overdue"' in html
    assert world.b_invoice.number in html


def test_renewing_a_licence_without_a_support_period_is_refused_and_writes_nothing(world):
    from datetime import date

    from supportledger.billing.actions.orders import do_order_renewal
    from supportledger.catalog.actions import do_create_product
    from supportledger.core.errors import ActionRefused
    from supportledger.entitlements.actions.sales import do_sell_licence

    tool = do_create_product(
        acting_user=None, code="TOOL", name="Tool", support_period_months=0, now=NOW
    )
    licence = do_sell_licence(
        acting_user=None, customer=world.a.customer, product=tool, sold_on=date(2026, 2, 1), now=NOW
    )
    assert not licence.entitlements.filter(kind="support_period").exists()
    with pytest.raises(ActionRefused) as refused:
        do_order_renewal(acting_user=None, customer=world.a.customer, licence=licence, now=NOW)
    assert refused.value.code == "no_support_period"
    assert not Order.objects.filter(customer=world.a.customer).exists()
