"""Rating throughput: 100 000 varied pieces of work on one core.

Customers hold 0 to 6 entitlements drawn from the five presets' offerings;
work varies in preset, mode, category, product, day (weekends and holidays
included) and length. Inputs are built before the clock starts; the figure is
pure ``rate_work`` time.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from supportledger.rules.presets import PRESETS
from supportledger.rules.rating import rate_work
from supportledger.rules.types import (
    CATEGORIES,
    MODES,
    Entitlement,
    Policy,
    RequestRef,
    Work,
)

PIECES = 100_000
PRODUCTS = ("ACC", "POS", "HR")


def _entitlement(rng: random.Random, policy: Policy, index: int) -> Entitlement:
    kind = rng.choice(
        (
            "warranty",
            "support_period",
            "contract",
            "prepaid_hours",
            "prepaid_hours",
            "incident_pack",
        )
    )
    defaults = policy.kind_defaults[kind]
    starts = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 200))
    ends = starts + timedelta(days=rng.choice((30, 180, 364)))
    return Entitlement(
        id=f"E{index}",
        kind=kind,
        starts=starts,
        ends=ends,
        covers=defaults.covers,
        modes=defaults.modes,
        products=None if rng.random() < 0.6 else frozenset({rng.choice(PRODUCTS)}),
        sla=kind == "contract" and rng.random() < 0.5,
        minutes_per_month=rng.choice((0, 300, 600)) if kind == "contract" else 0,
        used_this_month=rng.randrange(0, 600) if kind == "contract" else 0,
        rollover=rng.random() < 0.3,
        unused_last_month=rng.randrange(0, 120),
        balance_minutes=rng.randrange(0, 900) if kind == "prepaid_hours" else 0,
        balance_incidents=rng.randrange(0, 5) if kind == "incident_pack" else 0,
        requires="contract" if kind == "incident_pack" and rng.random() < 0.5 else None,
    )


def _cases(count: int) -> list[tuple[Policy, tuple[Entitlement, ...], Work]]:
    rng = random.Random(20260304)
    policies = [preset.policy for preset in PRESETS.values()]
    cases = []
    for n in range(count):
        policy = rng.choice(policies)
        entitlements = tuple(_entitlement(rng, policy, i) for i in range(rng.randrange(0, 7)))
        start = datetime(2026, 1, 1, 6, 0, tzinfo=UTC) + timedelta(
            days=rng.randrange(0, 365), minutes=rng.randrange(0, 12 * 60)
        )
        mode = rng.choice(MODES)
        work = Work(
            id=f"W{n}",
            product=rng.choice(PRODUCTS),
            category=rng.choice(CATEGORIES),
            mode=mode,
            started_at=start,
            ended_at=start + timedelta(minutes=rng.randrange(1, 300), seconds=rng.randrange(60)),
            request=RequestRef(id=f"R{n // 3}", opened_via="portal"),
            city=rng.choice(("Sofia", "sofia", "София", "Plovdiv")) if mode == "onsite" else None,
        )
        cases.append((policy, entitlements, work))
    return cases


def run() -> None:
    cases = _cases(PIECES)
    for policy, entitlements, work in cases[:100]:  # warm the calendars' caches
        rate_work(policy, entitlements, work)
    started = time.perf_counter()
    for policy, entitlements, work in cases:
        rate_work(policy, entitlements, work)
    elapsed = time.perf_counter() - started
    print(f"rating: {PIECES} pieces of work, 0-6 entitlements each, one core")
    print(f"rating: {PIECES / elapsed:,.0f} ratings/s, {elapsed / PIECES * 1e6:.1f} µs per rating")
