"""A believable vendor for demonstrations and benchmarks.

``build_small`` goes through the real actions for everything, six months of
recorded work included. ``build_large`` (10 000 customers, 1 000 000 pieces
of work) creates customers and entitlements with ``bulk_create`` and rates
every piece of work with the same ``rules.rating.rate_work``, keeping the
balances in memory per customer, then writes work entries, ratings and
ledger entries in batches of ``BATCH`` rows and sets the cached balances
once at the end: the same rows the actions would write, without one
transaction per piece of work.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from supportledger.billing.actions.orders import do_sell_offer_now
from supportledger.billing.queries import get_offer_sale_price
from supportledger.catalog.actions import do_create_product, do_set_product_price
from supportledger.catalog.models import LicenceModel
from supportledger.catalog.queries import list_current_offers, offer_terms, offer_validity
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_add_contact, do_add_staff_member, do_create_customer
from supportledger.customers.models import Customer, StaffRole
from supportledger.desk.actions.requests import allowed_channels, do_open_request
from supportledger.desk.actions.status import do_change_request_status
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.desk.search import search_text_of
from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import (
    do_sell_licence,
    granted_offer,
    offer_sale_fields,
)
from supportledger.entitlements.convert import (
    allocation_consumes_allowance,
    entitlement_to_rules,
    local_date,
    month_start,
    policy_on,
)
from supportledger.entitlements.models import (
    AllowanceUsage,
    Entitlement,
    Kind,
    LedgerEntry,
    Licence,
    Reason,
)
from supportledger.ops.setup import do_set_up_vendor
from supportledger.rules.calendar import BusinessCalendar, add_months
from supportledger.rules.explanation import steps_to_json
from supportledger.rules.money import round_to_step
from supportledger.rules.rating import rate_work
from supportledger.rules.types import RequestRef, RulesError, Work
from supportledger.service.actions.confirmation import (
    close_requests_past_complaint_window,
    do_confirm_work,
)

BATCH = 5000

CITIES = {
    "bg": ["Sofia", "Plovdiv", "Varna", "Burgas"],
    "hu": ["Budapest", "Debrecen", "Szeged"],
    "el": ["Athens", "Thessaloniki", "Patras"],
    "ru": ["Moscow", "Kazan", "Novosibirsk"],
    "pl": ["Warsaw", "Kraków", "Gdańsk"],
    "en": ["London", "Dublin"],
}
COUNTRY = {"bg": "BG", "hu": "HU", "el": "GR", "ru": "RU", "pl": "PL", "en": "GB"}
NAMES = ["Nova", "Orbit", "Delta", "Sigma", "Kappa", "Atlas", "Vega", "Lyra", "Terra", "Polar"]
TRADES = ["Trade", "Foods", "Logistics", "Pharma", "Build", "Textiles", "Motors", "Print"]
PRODUCTS = [
    ("ACC", "Accounting", LicenceModel.PERPETUAL, "1200"),
    ("PAY", "Payroll", LicenceModel.PERPETUAL, "800"),
    ("STK", "Stock", LicenceModel.YEARLY, "450"),
    ("POS", "Point of sale", LicenceModel.MONTHLY, "60"),
]
CATEGORIES = ["consultation", "configuration", "installation", "defect", "training", "update"]
# What a customer writes when opening a request, in its own language.
ASKS: dict[str, list[dict[str, str]]] = json.loads(
    (Path(__file__).parent / "fixtures" / "asks.json").read_text(encoding="utf-8")
)


PRICE_MAGNITUDE = {
    "EUR": (Decimal(1), Decimal(1)),
    "BGN": (Decimal("1.95583"), Decimal(1)),
    "HUF": (Decimal(400), Decimal(100)),
    "PLN": (Decimal("4.3"), Decimal(10)),
    "RUB": (Decimal(100), Decimal(10)),
}
"""Per currency: how many units a euro of the demo's prices is, and the
step the price is rounded to (the way that market writes prices)."""


def _local_price(eur: Decimal, magnitude: tuple[Decimal, Decimal]) -> Decimal:
    """``eur`` in the demo's currency, rounded to its step, half up; a
    price under one step is a step."""
    factor, step = magnitude
    return max(round_to_step(eur * factor, step), step)


DEMO_SELLERS: dict[str, dict[str, str]] = {
    # Invented companies; numbers with valid check digits, IBANs of the
    # banks' published examples.
    "BG": {
        "legal_name": "Демо Софтуер ЕООД",
        "address": "бул. Витоша 1",
        "postcode": "1000",
        "city": "София",
        "registration_number": "204612908",
        "vat_id": "BG204612908",
        "bank_account": "BG80BNBG96611020345678",
        "bank_bic": "BNBGBGSF",
        "bank_name": "БНБ",
    },
    "HU": {
        "legal_name": "Demo Szoftver Kft.",
        "address": "Váci út 1.",
        "postcode": "1062",
        "city": "Budapest",
        "registration_number": "01-09-562739",
        "vat_id": "HU27463101",
        "bank_account": "HU42117730161111101800000000",
        "bank_bic": "OTPVHUHB",
        "bank_name": "OTP Bank",
    },
    "GR": {
        "legal_name": "Demo Logismiko A.E.",
        "address": "Ερμού 1",
        "postcode": "10563",
        "city": "Αθήνα",
        "registration_number": "123456789000",
        "vat_id": "EL801234560",
        "bank_account": "GR1601101250000000012300695",
        "bank_bic": "ETHNGRAA",
        "bank_name": "Εθνική Τράπεζα",
    },
    "RU": {
        "legal_name": "ООО «Демо Софт»",  # noqa: RUF001
        "address": "ул. Тверская, д. 1",
        "postcode": "125009",
        "city": "Москва",
        "registration_number": "1207700123454",
        "vat_id": "RU7709123453",
        "bank_account": "40702810900000000001",
        "bank_bic": "044525000",
        "bank_name": "АО «Демо Банк»",  # noqa: RUF001
    },
    "PL": {
        "legal_name": "Demo Software Sp. z o.o.",
        "address": "ul. Marszałkowska 1",
        "postcode": "00-624",
        "city": "Warszawa",
        "registration_number": "0000123456",
        "vat_id": "PL5273015517",
        "bank_account": "PL61109010140000071219812874",
        "bank_bic": "WBKPPLPP",
        "bank_name": "Santander Bank Polska",
    },
}
STREETS = {"bg": "ул. Раковски", "hu": "Fő utca", "el": "Οδός Σταδίου", "ru": "ул. Ленина"}
POSTCODES = {"BG": "1000", "HU": "1051", "GR": "10564", "RU": "101000", "PL": "00-001"}


def _set_up_seller(preset: str, at: datetime) -> None:
    """The preset country's billing defaults and a plausible identity."""
    from supportledger.billing.seller import do_apply_seller_defaults, do_update_seller
    from supportledger.rules.presets import get_preset

    chosen = get_preset(preset)
    do_apply_seller_defaults(
        acting_user=None, country=chosen.country, language=chosen.language, now=at
    )
    do_update_seller(acting_user=None, now=at, **DEMO_SELLERS[chosen.country])


def demo_vat_id(country: str, n: int) -> str:
    """A VAT id of ``country`` with valid check digits, different for each ``n``."""
    from supportledger.rules.tax_ids import TaxIdError, normalise_vat_id

    base = f"{20000000 + n * 7919:08d}"
    digits = {"HU": 7, "PL": 9, "RU": 9}.get(country, 8)
    for last in range(100):
        candidate = f"{base[:digits]}{last}" if last < 10 else f"{base[: digits - 1]}{last:02d}"
        try:
            return normalise_vat_id(candidate, country)
        except TaxIdError:
            continue
    return ""


def build_small(preset: str, *, today: date, seed: int = 1, customers: int = 50) -> dict[str, int]:
    """Everything through the real actions; returns counts."""
    rng = random.Random(seed)
    set_up_at = datetime.combine(today - timedelta(days=200), time(7), tzinfo=UTC)
    do_set_up_vendor(acting_user=None, preset_name=preset, now=set_up_at)
    _set_up_seller(preset, set_up_at)
    policy = get_vendor_policy()
    users = get_user_model().objects
    admin = users.create_superuser("admin", "admin@example.com", "admin")
    products = []
    magnitude = PRICE_MAGNITUDE.get(policy.currency, (Decimal(1), Decimal(1)))
    for code, name, model, price in PRODUCTS:
        product = do_create_product(
            acting_user=admin, code=code, name=name, licence_model=model, now=set_up_at
        )
        for months_ago, factor in ((18, "0.9"), (3, "1")):
            do_set_product_price(
                acting_user=admin,
                product=product,
                effective_from=today - timedelta(days=30 * months_ago),
                amount=_local_price(Decimal(price) * Decimal(factor), magnitude),
                currency=policy.currency,
            )
        for n, kind in enumerate(["feature", "fix", "compatibility", "legal"]):
            do_publish_release(
                acting_user=admin,
                product=product,
                version=f"5.{n}",
                released_on=today - timedelta(days=150 - 40 * n),
                kind=kind,
                notes=f"{name} 5.{n}: {kind} release.",
            )
        products.append(product)
    agents = []
    for username, first, codes in (
        ("maria", "Maria", {"ACC", "PAY", "STK", "POS"}),
        ("ivan", "Ivan", {"ACC", "PAY"}),
        ("eszter", "Eszter", {"STK", "POS", "ACC"}),
    ):
        user = users.create_user(username, f"{username}@example.com", username, first_name=first)
        agents.append(
            do_add_staff_member(
                acting_user=admin,
                user=user,
                role=StaffRole.AGENT,
                products=[p for p in products if p.code in codes],
            )
        )
    do_add_staff_member(
        acting_user=admin,
        user=users.create_user("boss", first_name="Boss"),
        role=StaffRole.MANAGER,
        products=products,
    )
    # The demo's administrator also works the desk, so `admin` / `admin`
    # opens the staff console as well as the admin.
    do_add_staff_member(
        acting_user=admin, user=admin, role=StaffRole.ADMINISTRATOR, products=products
    )
    sold_offers = list(list_current_offers(sold_only=True))
    channels = allowed_channels(policy)
    home = policy.language if policy.language in CITIES else "en"
    languages = [home] * 4 + [lang for lang in CITIES if lang != home]
    year = (today - timedelta(days=190), today + timedelta(days=175))
    works = 0
    for n in range(customers):
        lang = rng.choice(languages)
        city = (
            policy.service_area[0]
            if policy.service_area and n % 3 == 0
            else rng.choice(CITIES[lang])
        )
        # Every seventh customer is a consumer (no VAT id); the others are
        # businesses at home, in other member states and outside the EU.
        consumer = n % 7 == 6
        customer = do_create_customer(
            acting_user=admin,
            organisation=f"{NAMES[n % 10]} {TRADES[(n // 10 + n) % 8]} {n + 1}",
            street=f"{STREETS.get(lang, 'High Street')} {n + 1}",
            postcode=POSTCODES.get(COUNTRY[lang], "EC1A 1BB"),
            city=city,
            country=COUNTRY[lang],
            language=lang,
            currency=policy.currency,
            customer_type="consumer" if consumer else "business",
            vat_id="" if consumer else demo_vat_id(COUNTRY[lang], n),
            now=set_up_at,
        )
        contact = do_add_contact(
            verified=True,
            acting_user=admin,
            customer=customer,
            name=f"Contact {n + 1}",
            email=f"contact{n + 1}@example.com",
        )
        owned = rng.sample(products, 2)
        for product in owned:
            do_sell_licence(
                acting_user=admin,
                customer=customer,
                product=product,
                sold_on=year[0] + timedelta(days=rng.randrange(30)),
                now=set_up_at,
            )
        # What each customer bought: the vendor's own offers, at their
        # prices, through the action every sale goes through.
        for offer in sold_offers:
            if not _buys(offer, n):
                continue
            starts = year[0]
            if policy.preset == "warranty_year_hu":
                # The follow-up contract takes over from the warranty year.
                starts = today - timedelta(days=30)
            do_sell_offer_now(
                acting_user=admin,
                customer=customer,
                offer=offer.code,
                starts=starts,
                size=rng.choice(offer.sizes) if offer.sizes else None,
                now=set_up_at,
            )
        for w in range(12):
            day = today - timedelta(days=rng.randrange(1, 180))
            if day.weekday() >= 5:
                day -= timedelta(days=2)
            product = rng.choice(owned)
            agent = next(a for a in agents if product in a.products.all())
            mode = rng.choice(["remote", "remote", "phone", "email", "onsite"])
            start = datetime.combine(day, time(9 + rng.randrange(6)), ZoneInfo(policy.timezone))
            ask = rng.choice(ASKS[lang])
            request = do_open_request(
                acting_user=admin,
                customer=customer,
                contact=contact,
                product=product,
                subject=ask["subject"].format(product=product.name),
                body=ask["body"].format(product=product.name),
                category="consultation",
                channel="phone" if mode == "phone" and "phone" in channels else "portal",
                now=start,
            )
            try:
                do_record_work(
                    acting_user=agent.user,
                    work_id=f"D{n + 1}-{w + 1}",
                    request=request,
                    agent=agent,
                    started_at=start,
                    ended_at=start + timedelta(minutes=rng.choice([15, 35, 50, 90, 140])),
                    mode=mode,
                    category=rng.choice(CATEGORIES),
                    product=product,
                    city=customer.city,
                    now=start + timedelta(hours=3),
                )
                works += 1
            except ActionRefused:
                pass  # e.g. not entitled (S2) or outside the service area: answered anyway
            _move_demo_request(request, agent, contact, age=(today - day).days, start=start)
    close_requests_past_complaint_window(
        datetime.combine(today, time(6), ZoneInfo(policy.timezone))
    )
    return {"customers": customers, "work": works}


def _buys(offer: Any, n: int) -> bool:
    """Which demo customers hold which offer: every other one a contract
    (one in five a lease where there is one), two in three a voucher, every
    other one a pack (with the contract it extends)."""
    if offer.kind == "contract":
        return n % 5 == 1 if offer.code == "lease" else n % 2 == 0
    if offer.kind == "prepaid_hours":
        return n % 3 != 2
    return n % 2 == 0


def _move_demo_request(
    request: Any, agent: Any, contact: Any, *, age: int, start: datetime
) -> None:
    """A request's conversation through the desk's actions, as far as its age
    in days lets it get: the agent answers (the reply makes it wait for the
    customer), after a week the customer answers (which opens it again),
    after two weeks the customer confirms the work (which resolves it; a
    request without work the agent resolves). Closing is the scheduled job's
    (``close_requests_past_complaint_window``), run once at the end."""
    at = start + timedelta(hours=3)
    do_post_message(
        acting_user=agent.user,
        request=request,
        body_text="Thank you, we are looking into it.",
        now=at + timedelta(minutes=1),
    )
    if age <= 7:
        return
    do_post_message(
        acting_user=None,
        request=request,
        body_text="Thank you, that is what we needed.",
        author_contact=contact,
        now=at + timedelta(days=1),
    )
    if age <= 14:
        return
    work = list(request.work.all())
    for entry in work:
        do_confirm_work(acting_user=None, work=entry, contact=contact, now=at + timedelta(days=2))
    if not work:
        do_change_request_status(
            acting_user=agent.user, request=request, to="resolved", now=at + timedelta(days=2)
        )


def build_large(
    preset: str,
    *,
    today: date,
    customers: int = 10_000,
    work: int = 1_000_000,
    seed: int = 2,
    progress=print,
) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Bulk: see the module docstring. The vendor, its four products and its
    agents go through the actions; customers, licences (with the warranty and
    support period each product carries), entitlements and work are bulk
    rows. The entitlements are the vendor's offers, sold on their terms at
    their prices (``_offer_entitlements``): 40 % of the customers hold a
    voucher, 20 % a contract (one in four of those an SLA one where the
    vendor sells one, some an incident pack too), 35 % nothing beyond their
    licences, so a real share of the work is billable. Work runs
    through the last 180 days in date order on working days, remote, phone
    and e-mail, every category; a piece the rules refuse (``not_entitled``
    ...) is left out and another drawn. Balance alerts are not written."""
    rng = random.Random(seed)
    at = datetime.combine(today - timedelta(days=200), time(7), tzinfo=UTC)
    do_set_up_vendor(acting_user=None, preset_name=preset, now=at)
    _set_up_seller(preset, at)
    policy_row = get_vendor_policy()
    zone = ZoneInfo(policy_row.timezone)
    kind_defaults = kind_defaults_from_row(policy_row)
    users = get_user_model().objects
    users.create_superuser("admin", "admin@example.com", "admin")
    products = []
    for code, name, model, price in PRODUCTS:
        product = do_create_product(
            acting_user=None, code=code, name=name, licence_model=model, now=at
        )
        do_set_product_price(
            acting_user=None,
            product=product,
            effective_from=today - timedelta(days=400),
            amount=_local_price(
                Decimal(price), PRICE_MAGNITUDE.get(policy_row.currency, (Decimal(1), Decimal(1)))
            ),
            currency=policy_row.currency,
        )
        products.append(product)
    agents = [
        do_add_staff_member(
            acting_user=None, user=users.create_user(name), products=products, now=at
        )
        for name in ("agent", "maria", "ivan", "eszter")
    ]
    start, end = today - timedelta(days=190), today + timedelta(days=175)
    home = policy_row.language if policy_row.language in CITIES else "en"
    languages = [home] * 6 + [lang for lang in CITIES if lang != home]
    with transaction.atomic():
        rows = []
        for n in range(customers):
            lang = rng.choice(languages)
            rows.append(
                Customer(
                    organisation=f"{NAMES[n % 10]} {TRADES[(n // 10 + n) % 8]} {n + 1}",
                    street=f"{STREETS.get(lang, 'High Street')} {n + 1}",
                    postcode=POSTCODES.get(COUNTRY[lang], "EC1A 1BB"),
                    city=rng.choice(CITIES[lang]),
                    vat_id=demo_vat_id(COUNTRY[lang], n),
                    country=COUNTRY[lang],
                    language=lang,
                    currency=policy_row.currency,
                    created_at=at,
                )
            )
        rows = Customer.objects.bulk_create(rows, batch_size=BATCH)
        licences = Licence.objects.bulk_create(
            (
                Licence(
                    customer=c,
                    product=p,
                    sold_on=start + timedelta(days=n % 20),
                    licence_model=p.licence_model,
                    expires=None if p.licence_model == LicenceModel.PERPETUAL else end,
                    created_at=at,
                )
                for n, c in enumerate(rows)
                for p in _products_of(n, products)
            ),
            batch_size=BATCH,
        )
        # The Hungarian follow-up contract takes over from the warranty year,
        # as in the small demo.
        sold_from = today - timedelta(days=30) if preset == "warranty_year_hu" else start
        held = _offer_entitlements(rows, licences, rng=rng, starts=sold_from, at=at)
        requests = Request.objects.bulk_create(
            (
                Request(
                    customer=c,
                    category="consultation",
                    channel="portal",
                    opened_via="portal",
                    subject="Questions this half-year",
                    search_text=search_text_of("Questions this half-year", c.organisation, []),
                    created_at=at,
                )
                for c in rows
            ),
            batch_size=BATCH,
        )
    progress(f"{customers} customers, {len(licences)} licences, {len(held)} entitlements")
    held_by_customer: dict[int, list[Entitlement]] = {}
    for row in (
        Entitlement.objects.filter(customer__in=rows)
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    ):
        held_by_customer.setdefault(row.customer_id, []).append(row)
    values = {
        row.pk: entitlement_to_rules(row, kind_defaults=kind_defaults)
        for held_rows in held_by_customer.values()
        for row in held_rows
    }
    rows_by_pk = {row.pk: row for held_rows in held_by_customer.values() for row in held_rows}
    usage: dict[tuple[int, date], int] = {}
    policies: dict[date, Any] = {}
    # Business days of the vendor's calendar: a vendor that gives support in
    # business hours only (Hungary) refuses work on a public holiday.
    calendar = BusinessCalendar.for_policy(policy_on(policy_row, start + timedelta(days=10)))
    days = [
        start + timedelta(days=d)
        for d in range(10, 190)
        if calendar.is_business_day(start + timedelta(days=d))
    ]
    done = attempts = 0
    while done < work:
        entries, ratings, results, works = [], [], [], []
        with transaction.atomic():
            while len(works) < min(BATCH, work - done):
                attempts += 1
                if attempts > 20 * work + 1000:
                    raise ActionRefused("invalid", "The rules refuse too much of the demo work.")
                k = rng.randrange(customers)
                day = days[min(len(days) - 1, (done + len(works)) * len(days) // work)]
                started = datetime.combine(
                    day, time(8 + rng.randrange(9), rng.randrange(60)), zone
                ).astimezone(UTC)
                ended = started + timedelta(minutes=rng.choice([10, 15, 25, 40, 55, 90, 150]))
                mode = rng.choice(["remote", "remote", "remote", "phone", "phone", "email"])
                category = rng.choice(CATEGORIES)
                product = rng.choice(_products_of(k, products))
                month = month_start(day)
                customer_rows = held_by_customer.get(rows[k].pk, [])
                current = [
                    replace(values[r.pk], used_this_month=usage.get((r.pk, month), 0))
                    if r.minutes_per_month
                    else values[r.pk]
                    for r in customer_rows
                    if r.starts <= day <= r.ends
                ]
                if month not in policies:
                    policies[month] = policy_on(policy_row, day)
                result = rate_work(
                    policies[month],
                    current,
                    Work(
                        id=f"B{attempts}",
                        product=product.code,
                        category=category,
                        mode=mode,
                        started_at=started,
                        ended_at=ended,
                        request=RequestRef(id=f"REQ-{requests[k].pk}", opened_via="portal"),
                    ),
                )
                if isinstance(result, RulesError):
                    continue
                works.append(
                    WorkEntry(
                        work_id=f"B{attempts}",
                        request=requests[k],
                        agent=agents[attempts % len(agents)],
                        started_at=started,
                        ended_at=ended,
                        mode=mode,
                        category=category,
                        product=product,
                        created_at=ended,
                    )
                )
                postings = []
                for allocation in result.allocations:
                    row = next(r for r in customer_rows if r.reference == allocation.entitlement)
                    if row.kind == Kind.PREPAID_HOURS:
                        values[row.pk] = replace(
                            values[row.pk],
                            balance_minutes=values[row.pk].balance_minutes - allocation.minutes,
                        )
                        postings.append((row, allocation.minutes, None))
                    elif allocation_consumes_allowance(row, kind_defaults, category, mode):
                        key = (row.pk, month)
                        usage[key] = usage.get(key, 0) + allocation.minutes
                        postings.append((row, allocation.minutes, month))
                results.append((result, postings))
            WorkEntry.objects.bulk_create(works)
            for w, (result, _postings) in zip(works, results, strict=True):
                ratings.append(
                    WorkRating(
                        work=w,
                        duration_minutes=result.duration_minutes,
                        increment_minutes=result.increment_minutes,
                        counted_minutes=result.counted_minutes,
                        billable_minutes=result.billable_minutes,
                        amount=result.amount,
                        currency=result.currency,
                        travel_billed=result.travel_billed,
                        after_hours=result.after_hours,
                        allocations=[asdict(a) for a in result.allocations],
                        explanation=list(result.explanation),
                        steps=steps_to_json(result.steps),
                        created_at=w.created_at,
                    )
                )
            WorkRating.objects.bulk_create(ratings)
            for rating, (_result, postings) in zip(ratings, results, strict=True):
                for row, minutes, allowance_month in postings:
                    entries.append(
                        LedgerEntry(
                            entitlement=row,
                            reason=Reason.CONSUME,
                            minutes_delta=-minutes,
                            allowance_month=allowance_month,
                            work_rating=rating,
                            created_at=rating.created_at,
                        )
                    )
            LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
        done += len(works)
        if done % 100_000 < BATCH or done == work:
            progress(f"{done} pieces of work")
    with transaction.atomic():
        vouchers = [r for r in rows_by_pk.values() if r.kind == Kind.PREPAID_HOURS]
        for v in vouchers:
            v.balance_minutes = values[v.pk].balance_minutes
        Entitlement.objects.bulk_update(vouchers, ["balance_minutes"], batch_size=BATCH)
        AllowanceUsage.objects.bulk_create(
            (
                AllowanceUsage(entitlement_id=pk, month=m, used_minutes=u)
                for (pk, m), u in usage.items()
            ),
            batch_size=BATCH,
        )
    return {"customers": customers, "work": work}


def _offer_entitlements(
    customers: list[Customer],
    licences: list[Licence],
    *,
    rng: random.Random,
    starts: date,
    at: datetime,
) -> list[Entitlement]:
    """The large demo's entitlements, written in batches but sold on the
    vendor's offers exactly as ``do_sell_offer`` sells them (the same fields,
    a copy of the offer's terms, the price of the sale day) and granted with
    each licence as ``do_sell_licence`` grants them. Customers are a mix by
    ``n % 20``: 0-7 a voucher (prepaid hours offer, a size it sells), 8-12 a
    contract offer (12: an SLA one where there is one; 9 and 11 also an
    incident pack where one is sold), 13-19 nothing beyond their licences.
    Kinds the preset does not sell fall back to nothing. Saves the rows,
    their products and their grant entries; returns the rows."""
    sale_day = local_date(at, get_vendor_policy().timezone)
    offers = list(list_current_offers(sold_only=True))
    terms = {offer.pk: offer_terms(offer) for offer in offers}
    offer_products = {offer.pk: list(offer.products.all()) for offer in offers}
    by_kind: dict[str, list[Any]] = {}
    for offer in offers:
        by_kind.setdefault(offer.kind, []).append(offer)
    contracts = by_kind.get(Kind.CONTRACT, [])
    sla_contract = next((o for o in contracts if o.sla), contracts[0] if contracts else None)
    prices: dict[tuple[int, int], Any] = {}

    def sold(customer: Customer, offer: Any, size: int, starts_on: date) -> Entitlement:
        if (offer.pk, size) not in prices:
            prices[offer.pk, size] = get_offer_sale_price(customer, offer, size=size, day=sale_day)
        fee, currency = prices[offer.pk, size] or (None, "")
        entitlement = Entitlement(
            customer=customer,
            kind=offer.kind,
            starts=starts_on,
            ends=offer_validity(offer, starts_on),
            created_at=at,
            **offer_sale_fields(offer, fee=fee, currency=currency, terms=terms[offer.pk]),
        )
        if offer.kind == Kind.PREPAID_HOURS:
            entitlement.minutes_granted = entitlement.balance_minutes = size
        elif offer.kind == Kind.INCIDENT_PACK:
            entitlement.incidents_granted = entitlement.balance_incidents = size
        return entitlement

    held = []
    for kind in (Kind.WARRANTY, Kind.SUPPORT_PERIOD):
        offer = granted_offer(kind)
        copied = offer_terms(offer) if offer else {}
        for licence in licences:
            months = (
                licence.product.warranty_months
                if kind == Kind.WARRANTY
                else licence.product.support_period_months
            )
            if months:
                held.append(
                    Entitlement(
                        customer_id=licence.customer_id,
                        kind=kind,
                        licence=licence,
                        starts=licence.sold_on,
                        ends=add_months(licence.sold_on, months) - timedelta(days=1),
                        updates=kind == Kind.SUPPORT_PERIOD or bool(offer and offer.updates),
                        offer=offer,
                        terms=copied,
                        created_at=at,
                    )
                )
    for n, customer in enumerate(customers):
        segment = n % 20
        bought = []
        if segment < 8 and by_kind.get(Kind.PREPAID_HOURS):
            bought.append(by_kind[Kind.PREPAID_HOURS][0])
        elif segment < 13 and contracts:
            bought.append(sla_contract if segment == 12 else contracts[0])
            if segment in (9, 11) and by_kind.get(Kind.INCIDENT_PACK):
                bought.append(by_kind[Kind.INCIDENT_PACK][0])
        for offer in bought:
            size = rng.choice(offer.sizes) if offer.sizes else 0
            held.append(sold(customer, offer, size, starts))
    Entitlement.objects.bulk_create(held, batch_size=BATCH)
    through = Entitlement.products.through
    through.objects.bulk_create(
        (
            through(entitlement_id=e.pk, product_id=p.pk)
            for e in held
            if e.offer_id in offer_products
            for p in offer_products[e.offer_id]
        ),
        batch_size=BATCH,
    )
    LedgerEntry.objects.bulk_create(
        (
            LedgerEntry(
                entitlement=e,
                reason=Reason.GRANT,
                minutes_delta=e.minutes_granted,
                incidents_delta=e.incidents_granted,
                created_at=at,
            )
            for e in held
            if e.minutes_granted or e.incidents_granted
        ),
        batch_size=BATCH,
    )
    return held


def _products_of(n: int, products: list[Any]) -> list[Any]:
    """One or two products for the ``n``-th customer, always the same."""
    first = products[n % len(products)]
    second = products[(n // len(products) + n + 1) % len(products)]
    return [first] if n % 3 == 0 or second is first else [first, second]
