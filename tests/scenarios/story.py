"""What every preset's scenario needs: a vendor set up by the real ``init
--preset`` command, its products, customers and an agent, work recorded by
the desk's action and orders sold, invoiced and paid through billing's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management import call_command

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_invoice_order, do_place_order
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice, Order
from supportledger.billing.seller import do_update_seller
from supportledger.catalog.actions import do_create_product
from supportledger.catalog.models import Product
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_add_staff_member, do_create_customer
from supportledger.customers.models import Customer, StaffMember
from supportledger.demo.build import DEMO_SELLERS
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import Request, WorkEntry

SET_UP = datetime(2025, 1, 2, 8, tzinfo=UTC)


def set_up_vendor(preset: str) -> None:
    """``supportledger init --preset``, then the seller's identity as the
    vendor fills it in (``supportledger seller``); VAT rates are the built-in
    ones of the seller's country."""
    call_command("init", preset=preset, stdout=open("/dev/null", "w"))  # noqa: SIM115
    country = get_vendor_policy().country
    do_update_seller(acting_user=None, now=SET_UP, **DEMO_SELLERS[country])


def product(code: str = "ACC", **months: int) -> Product:
    return do_create_product(acting_user=None, code=code, name=code, now=SET_UP, **months)


def customer(name: str, street: str, postcode: str, city: str, vat_id: str) -> Customer:
    """A business customer in the vendor's country, with the billing data an
    invoice needs (its VAT id with valid check digits)."""
    policy = get_vendor_policy()
    return do_create_customer(
        acting_user=None,
        organisation=name,
        street=street,
        postcode=postcode,
        city=city,
        vat_id=vat_id,
        country=policy.country,
        language=policy.language,
        currency=policy.currency,
        now=SET_UP,
    )


def agent(products: list[Product]) -> StaffMember:
    user = get_user_model().objects.create_user("agent")
    return do_add_staff_member(acting_user=None, user=user, products=products, now=SET_UP)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the vendor's time zone, as an aware UTC instant."""
    zone = ZoneInfo(get_vendor_policy().timezone)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def ask(who: Customer, subject: str, day: date, channel: str = "email") -> Request:
    return do_open_request(
        acting_user=None,
        customer=who,
        subject=subject,
        category="consultation",
        channel=channel,
        now=local(day, 8),
    )


def work(
    by: StaffMember,
    request: Request,
    work_id: str,
    day: date,
    hour: int,
    minutes: int,
    mode: str,
    category: str,
    what: Product,
) -> WorkEntry:
    start = local(day, hour)
    end = datetime.fromtimestamp(start.timestamp() + minutes * 60, UTC)
    return do_record_work(
        acting_user=None,
        work_id=work_id,
        request=request,
        agent=by,
        started_at=start,
        ended_at=end,
        mode=mode,
        category=category,
        product=what,
        city=request.customer.city,
        now=end,  # recorded once done
    )


def charge(entry: WorkEntry) -> tuple[int, int, Decimal]:
    """(counted, billable minutes, amount) of the entry's current rating."""
    rating = entry.ratings.get(current=True)
    return rating.counted_minutes, rating.billable_minutes, rating.amount


def buy(who: Customer, kind: str, day: date, **fields: object) -> Order:
    """An order placed, invoiced at once, and paid the next day."""
    order = do_place_order(acting_user=None, customer=who, kind=kind, now=local(day, 10), **fields)
    invoice = do_invoice_order(acting_user=None, order=order, now=local(day, 10))
    do_mark_invoice_paid(acting_user=None, invoice=invoice, now=local(day, 11))
    order.refresh_from_db()
    return order


def bill(month: str, day: date) -> dict[int, Invoice]:
    """The month's billing run; its invoices by customer id."""
    result = do_run_billing(acting_user=None, period=Period.month(month), now=local(day, 6))
    return {invoice.customer_id: invoice for invoice in result.invoices}


def lines(invoice: Invoice) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.amount) for line in invoice.lines.order_by("position")]
