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

import random
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from supportledger.catalog.actions import (
    do_create_product,
    do_publish_release,
    do_set_product_price,
    do_set_up_vendor,
)
from supportledger.catalog.models import LicenceModel
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_add_contact, do_add_staff_member, do_create_customer
from supportledger.customers.models import Customer, StaffRole
from supportledger.desk.actions import do_open_request, do_record_work
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.entitlements.actions import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.convert import entitlement_to_rules, policy_on
from supportledger.entitlements.models import Entitlement, Kind, LedgerEntry, Reason
from supportledger.rules.rating import rate_work
from supportledger.rules.types import RequestRef, Work

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


def build_small(preset: str, *, today: date, seed: int = 1) -> dict[str, int]:
    """Everything through the real actions; returns counts."""
    rng = random.Random(seed)
    set_up_at = datetime.combine(today - timedelta(days=200), time(7), tzinfo=UTC)
    do_set_up_vendor(acting_user=None, preset_name=preset, now=set_up_at)
    policy = get_vendor_policy()
    users = get_user_model().objects
    admin = users.create_superuser("admin", "admin@example.com", "admin")
    products = []
    for code, name, model, price in PRODUCTS:
        product = do_create_product(
            acting_user=admin, code=code, name=name, licence_model=model, now=set_up_at
        )
        for months_ago, factor in ((18, "0.9"), (3, "1")):
            do_set_product_price(
                acting_user=admin,
                product=product,
                effective_from=today - timedelta(days=30 * months_ago),
                amount=Decimal(price) * Decimal(factor),
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
    kinds = set(policy.kinds_sold)
    home = policy.language if policy.language in CITIES else "en"
    languages = [home] * 4 + [lang for lang in CITIES if lang != home]
    year = (today - timedelta(days=190), today + timedelta(days=175))
    works = 0
    for n in range(50):
        lang = rng.choice(languages)
        city = (
            policy.service_area[0]
            if policy.service_area and n % 3 == 0
            else rng.choice(CITIES[lang])
        )
        customer = do_create_customer(
            acting_user=admin,
            organisation=f"{NAMES[n % 10]} {TRADES[(n // 10 + n) % 8]} {n + 1}",
            city=city,
            country=COUNTRY[lang],
            language=lang,
            currency=policy.currency,
            vat_id=f"{COUNTRY[lang]}{100000000 + n * 7919}",
            now=set_up_at,
        )
        contact = do_add_contact(
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
        if "contract" in kinds and n % 2 == 0:
            gr = policy.preset == "annual_maintenance_gr"
            do_sell_contract(
                acting_user=admin,
                customer=customer,
                starts=year[0],
                ends=year[1],
                sla=policy.preset in {"remote_sla_pl", "prepaid_hours_bg"},
                minutes_per_month=0 if gr else 120,
                rollover=not gr,
                updates=gr,
                fee=Decimal("150"),
                currency=policy.currency,
                now=set_up_at,
            )
        if "prepaid_hours" in kinds and n % 3 != 2:
            do_sell_voucher(
                acting_user=admin,
                customer=customer,
                minutes=rng.choice([300, 600, 1200]),
                starts=year[0],
                ends=year[1],
                fee=Decimal("400"),
                currency=policy.currency,
                now=set_up_at,
            )
        if "incident_pack" in kinds and n % 2 == 0:
            do_sell_incident_pack(
                acting_user=admin,
                customer=customer,
                incidents=rng.choice([2, 4, 10, 25]),
                starts=year[0],
                ends=year[1],
                requires="contract",
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
            request = do_open_request(
                acting_user=admin,
                customer=customer,
                contact=contact,
                product=product,
                subject=f"Question about {product.name}",
                category="consultation",
                opened_via="phone" if mode == "phone" else "portal",
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
                continue  # e.g. not entitled (S2) or outside the service area
    return {"customers": 50, "work": works}


def build_large(
    preset: str,
    *,
    today: date,
    customers: int = 10_000,
    work: int = 1_000_000,
    seed: int = 2,
    progress=print,
) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Bulk: see the module docstring."""
    rng = random.Random(seed)
    at = datetime.combine(today - timedelta(days=200), time(7), tzinfo=UTC)
    do_set_up_vendor(acting_user=None, preset_name=preset, now=at)
    policy_row = get_vendor_policy()
    kind_defaults = kind_defaults_from_row(policy_row)
    users = get_user_model().objects
    users.create_superuser("admin", "admin@example.com", "admin")
    product = do_create_product(acting_user=None, code="ACC", name="Accounting", now=at)
    agent = do_add_staff_member(
        acting_user=None, user=users.create_user("agent"), products=[product], now=at
    )
    start, end = today - timedelta(days=190), today + timedelta(days=175)
    with transaction.atomic():
        rows = Customer.objects.bulk_create(
            Customer(
                organisation=f"Customer {n + 1}",
                city="Sofia",
                country="BG",
                language="bg",
                currency=policy_row.currency,
                created_at=at,
            )
            for n in range(customers)
        )
        vouchers = Entitlement.objects.bulk_create(
            Entitlement(
                customer=c,
                kind=Kind.PREPAID_HOURS,
                starts=start,
                ends=end,
                minutes_granted=60_000,
                balance_minutes=60_000,
                created_at=at,
            )
            for c in rows
        )
        LedgerEntry.objects.bulk_create(
            (
                LedgerEntry(entitlement=v, reason=Reason.GRANT, minutes_delta=60_000, created_at=at)
                for v in vouchers
            ),
            batch_size=BATCH,
        )
        requests = Request.objects.bulk_create(
            (
                Request(
                    customer=c,
                    category="consultation",
                    opened_via="portal",
                    subject="Bulk",
                    created_at=at,
                )
                for c in rows
            ),
            batch_size=BATCH,
        )
    progress(f"{customers} customers with vouchers")
    policy = policy_on(policy_row, today)
    values = {v.pk: entitlement_to_rules(v, kind_defaults=kind_defaults) for v in vouchers}
    done = 0
    while done < work:
        size = min(BATCH, work - done)
        entries, ratings, results = [], [], []
        with transaction.atomic():
            works = []
            for i in range(done, done + size):
                k = i % customers
                voucher = vouchers[k]
                started = datetime.combine(
                    today - timedelta(days=1 + i % 180), time(8), tzinfo=UTC
                ) + timedelta(minutes=i % 400)
                ended = started + timedelta(minutes=rng.choice([10, 25, 40, 55]))
                rules_work = Work(
                    id=f"B{i}",
                    product="ACC",
                    category="configuration",
                    mode="remote",
                    started_at=started,
                    ended_at=ended,
                    request=RequestRef(id=f"REQ-{requests[k].pk}", opened_via="portal"),
                )
                result = rate_work(policy, [values[voucher.pk]], rules_work)
                assert not hasattr(result, "code"), result
                results.append((voucher, result))
                works.append(
                    WorkEntry(
                        work_id=f"B{i}",
                        request=requests[k],
                        agent=agent,
                        started_at=started,
                        ended_at=ended,
                        mode="remote",
                        category="configuration",
                        product=product,
                        created_at=ended,
                    )
                )
                used = sum(a.minutes for a in result.allocations)
                values[voucher.pk] = replace(
                    values[voucher.pk], balance_minutes=values[voucher.pk].balance_minutes - used
                )
            WorkEntry.objects.bulk_create(works)
            for w, (_voucher, result) in zip(works, results, strict=True):
                ratings.append(
                    WorkRating(
                        work=w,
                        duration_minutes=result.duration_minutes,
                        increment_minutes=result.increment_minutes,
                        counted_minutes=result.counted_minutes,
                        billable_minutes=result.billable_minutes,
                        amount=result.amount,
                        currency=result.currency,
                        allocations=[asdict(a) for a in result.allocations],
                        explanation=list(result.explanation),
                        created_at=w.created_at,
                    )
                )
            WorkRating.objects.bulk_create(ratings)
            for rating, (voucher, result) in zip(ratings, results, strict=True):
                for allocation in result.allocations:
                    entries.append(
                        LedgerEntry(
                            entitlement=voucher,
                            reason=Reason.CONSUME,
                            minutes_delta=-allocation.minutes,
                            work_rating=rating,
                            created_at=rating.created_at,
                        )
                    )
            LedgerEntry.objects.bulk_create(entries)
        done += size
        if done % 100_000 == 0 or done == work:
            progress(f"{done} pieces of work")
    with transaction.atomic():
        for v in vouchers:
            v.balance_minutes = values[v.pk].balance_minutes
        Entitlement.objects.bulk_update(vouchers, ["balance_minutes"], batch_size=BATCH)
    return {"customers": customers, "work": work}
