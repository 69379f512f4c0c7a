"""Named reads for the portal. Every function takes the asking customer and
reads only that customer's rows; page queries stay constant in the data size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from supportledger.billing.models import OrderKind
from supportledger.billing.queries import (
    OrderQuote,
    get_order_quote,
    list_support_periods_to_renew,
)
from supportledger.catalog.models import Product, Release
from supportledger.core import clock
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact, Customer
from supportledger.entitlements.convert import (
    entitlement_to_rules,
    licence_to_rules,
    local_date,
    month_start,
)
from supportledger.entitlements.models import (
    AllowanceUsage,
    Entitlement,
    Kind,
    LedgerEntry,
    Licence,
    Reason,
)
from supportledger.entitlements.queries import EntitlementLine, get_entitlement_summary
from supportledger.portal.models import Idea, IdeaVote
from supportledger.rules import eligibility
from supportledger.rules import types as rules


def today_for_vendor(policy: VendorPolicy, now: datetime | None = None) -> date:
    """Today in the policy time zone."""
    return local_date(now or clock.now(), policy.timezone)


# --- Dashboard --------------------------------------------------------------


@dataclass(frozen=True)
class LicenceLine:
    licence: Licence
    seats_in_use: int
    warranty_ends: date | None
    support_ends: date | None


@dataclass(frozen=True)
class BurnMonth:
    """Hours of one calendar month (policy time zone): ``used_minutes`` drawn
    from prepaid hours and contract allowances; ``prepaid_left_minutes`` the
    prepaid balance at the month's end."""

    month: date
    used_minutes: int
    prepaid_left_minutes: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    licences: list[LicenceLine]
    entitlements: list[EntitlementLine]
    burn_down: list[BurnMonth]
    currency: str
    extra: dict[str, Any] = field(default_factory=dict)


def get_dashboard(
    customer: Customer, *, now: datetime | None = None, months: int = 12
) -> Dashboard:
    """Everything the customer holds, in a fixed number of queries."""
    policy = get_vendor_policy()
    today = today_for_vendor(policy, now)
    licences = list(
        Licence.objects.filter(customer=customer)
        .select_related("product")
        .annotate(
            seats_in_use=Count("activations", filter=Q(activations__deactivated_at__isnull=True))
        )
        .order_by("product__code", "id")
    )
    summary = get_entitlement_summary(customer, on=today)
    ends_by_licence: dict[tuple[int, str], date] = {}
    for row in Entitlement.objects.filter(
        customer=customer, licence__isnull=False, kind__in=[Kind.WARRANTY, Kind.SUPPORT_PERIOD]
    ).values("licence_id", "kind", "ends"):
        key = (row["licence_id"], row["kind"])
        ends_by_licence[key] = max(row["ends"], ends_by_licence.get(key, row["ends"]))
    lines = [
        LicenceLine(
            licence=licence,
            seats_in_use=licence.seats_in_use,
            warranty_ends=ends_by_licence.get((licence.pk, Kind.WARRANTY)),
            support_ends=ends_by_licence.get((licence.pk, Kind.SUPPORT_PERIOD)),
        )
        for licence in licences
    ]
    return Dashboard(
        today=today,
        licences=lines,
        entitlements=summary,
        burn_down=get_burn_down(customer, policy=policy, today=today, months=months),
        currency=customer.currency,
    )


def _months_back(today: date, months: int) -> list[date]:
    first = month_start(today)
    index = first.year * 12 + first.month - 1
    return [
        date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(months - 1, -1, -1)
    ]


def get_burn_down(
    customer: Customer, *, policy: VendorPolicy, today: date, months: int = 12
) -> list[BurnMonth]:
    """Hours used per month over the last ``months`` months, and the prepaid
    balance left at each month's end, summed from the ledger in two queries.

    Prepaid movements count in the month they were posted; allowance use in
    its allowance month. Reversals net off the consumption they cancel."""
    tz = ZoneInfo(policy.timezone)
    window = _months_back(today, months)
    used: dict[date, int] = defaultdict(int)
    prepaid_change: dict[date, int] = defaultdict(int)
    prepaid_before = 0
    rows = (
        LedgerEntry.objects.filter(
            entitlement__customer=customer,
            entitlement__kind=Kind.PREPAID_HOURS,
            allowance_month__isnull=True,
        )
        .exclude(minutes_delta=0)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "reason")
        .annotate(minutes=Sum("minutes_delta"))
    )
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        if month < window[0]:
            prepaid_before += row["minutes"]
            continue
        prepaid_change[month] += row["minutes"]
        if row["reason"] in (Reason.CONSUME, Reason.REVERSAL):
            used[month] -= row["minutes"]
    for usage in (
        AllowanceUsage.objects.filter(entitlement__customer=customer, month__gte=window[0])
        .values("month")
        .annotate(minutes=Sum("used_minutes"))
    ):
        used[usage["month"]] += usage["minutes"]
    result = []
    left = prepaid_before
    for month in window:
        left += prepaid_change.get(month, 0)
        result.append(BurnMonth(month, max(used.get(month, 0), 0), left))
    return result


# --- Downloads --------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseLine:
    release: Release
    eligibility: rules.UpdateEligibility


@dataclass(frozen=True)
class ProductDownloads:
    product: Product
    licence: Licence
    releases: list[ReleaseLine]
    covered_until: date | None
    quote: OrderQuote | None
    renews: Entitlement | None = None

    @property
    def renewed_until(self) -> date | None:
        return date.fromisoformat(self.quote.terms["ends"]) if self.quote else None


def get_downloads(customer: Customer, *, now: datetime | None = None) -> list[ProductDownloads]:
    """Per licensed product its releases, newest first, each with whether the
    customer may download it today (rules.eligibility) and, when support for
    the product has a date, what renewing it costs today (rules.renewal)."""
    policy = get_vendor_policy()
    today = today_for_vendor(policy, now)
    kind_defaults = kind_defaults_from_row(policy)
    licence_rows = list(
        Licence.objects.filter(customer=customer).select_related("product").order_by("-sold_on")
    )
    licences = [licence_to_rules(row) for row in licence_rows]
    entitlement_rows = (
        Entitlement.objects.filter(customer=customer)
        .select_related("licence__product")
        .prefetch_related("products")
    )
    entitlements = [entitlement_to_rules(r, kind_defaults=kind_defaults) for r in entitlement_rows]
    products: dict[int, tuple[Product, Licence]] = {}
    for row in licence_rows:
        products.setdefault(row.product_id, (row.product, row))
    releases: dict[int, list[Release]] = defaultdict(list)
    for release in Release.objects.filter(product_id__in=products).order_by("-released_on", "-id"):
        releases[release.product_id].append(release)
    renewable = list_support_periods_to_renew(customer.pk)
    result = []
    for product_id, (product, licence) in products.items():
        code = product.code
        covered_until = eligibility.updates_covered_until(entitlements, code)
        lines = [
            ReleaseLine(
                release,
                eligibility.may_download(
                    licences,
                    entitlements,
                    rules.Release(code, release.version, release.released_on),
                    today,
                ),
            )
            for release in releases.get(product_id, [])
        ]
        period = renewable.get(licence.pk)
        quote = None
        if period is not None:
            try:
                quote = get_order_quote(
                    customer=customer,
                    kind=OrderKind.RENEWAL,
                    product=product,
                    entitlement=period,
                    quantity=1,
                    on=today,
                )
            except ActionRefused:
                quote = None  # no list price that day: nothing to offer
        result.append(ProductDownloads(product, licence, lines, covered_until, quote, period))
    return result


def get_download_eligibility(
    customer: Customer, release: Release, *, now: datetime | None = None
) -> rules.UpdateEligibility:
    for group in get_downloads(customer, now=now):
        for line in group.releases:
            if line.release.pk == release.pk:
                return line.eligibility
    return rules.UpdateEligibility(False, "no_licence", "No licence for the product.", None)


def releases_for_customer(customer: Customer) -> QuerySet[Release]:
    """Releases of products the customer holds a licence for."""
    return Release.objects.filter(
        product__in=Licence.objects.filter(customer=customer).values("product")
    ).select_related("product")


# --- Ideas ------------------------------------------------------------------


def list_ideas(contact: Contact) -> QuerySet[Idea]:
    """Every customer's ideas (ideas are shared so others can vote), with the
    vote count and whether ``contact`` voted; the author's organisation is
    not shown to others."""
    return (
        Idea.objects.select_related("product", "shipped_in")
        .annotate(
            vote_count=Count("votes", distinct=True),
            voted=Exists(IdeaVote.objects.filter(idea=OuterRef("pk"), contact=contact)),
        )
        .order_by("-vote_count", "-created_at", "-id")
    )


def list_voters_with_active_support(idea: Idea, *, at: datetime) -> QuerySet[Contact]:
    """Contacts who voted for ``idea`` and whose customer has support in force
    today for the idea's product: a support period, or a contract granting
    updates (DESIGN 3.5's update entitlements)."""
    today = today_for_vendor(get_vendor_policy(), at)
    support = Entitlement.objects.filter(
        customer=OuterRef("customer"), starts__lte=today, ends__gte=today
    ).filter(Q(kind=Kind.SUPPORT_PERIOD) | Q(kind=Kind.CONTRACT, updates=True))
    if idea.product_id is not None:
        support = support.filter(
            Q(licence__product_id=idea.product_id)
            | Q(licence__isnull=True, products=idea.product_id)
            | Q(licence__isnull=True, products__isnull=True)
        )
    voters = IdeaVote.objects.filter(idea=idea).values("contact_id")
    return Contact.objects.filter(pk__in=voters).filter(Exists(support)).order_by("id")
