"""May a customer download a release? (DESIGN 3.5, seeds S2 and S3.)

A release of product P may be downloaded when the customer holds a licence
for P usable on the day asked (perpetual, or a subscription not yet expired)
and the release came out on or before the latest ``ends`` of their
``support_period`` entitlements and ``updates: true`` contracts for P. All
dates are calendar dates in the policy time zone, inclusive. Renewing support
moves that date, which unlocks every release that came out during a lapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from supportledger.rules.types import Entitlement, Licence, Release, UpdateEligibility

__all__ = ["grants_updates", "may_download", "updates_covered_until"]


def grants_updates(entitlement: Entitlement) -> bool:
    """True for a support period, or a contract with ``updates: true``."""
    return entitlement.kind == "support_period" or (
        entitlement.kind == "contract" and entitlement.updates
    )


def updates_covered_until(entitlements: Sequence[Entitlement], product: str) -> date | None:
    """The last release date (inclusive) the customer's support covers for
    ``product``, or ``None`` when nothing grants updates for it."""
    ends = [e.ends for e in entitlements if grants_updates(e) and e.applies_to(product)]
    return max(ends) if ends else None


def may_download(
    licences: Sequence[Licence],
    entitlements: Sequence[Entitlement],
    release: Release,
    today: date,
) -> UpdateEligibility:
    """Whether ``release`` may be downloaded on ``today`` (policy time zone), and why."""
    product = release.product
    held = [licence for licence in licences if licence.product == product]
    covered_until = updates_covered_until(entitlements, product)
    if not held:
        return UpdateEligibility(
            False, "no_licence", f"No licence for {product} is held.", covered_until
        )
    if not any(licence.is_usable_on(today) for licence in held):
        expired = max((lic.expires for lic in held if lic.expires is not None), default=None)
        when = f" on {expired.isoformat()}" if expired is not None else ""
        return UpdateEligibility(
            False,
            "licence_expired",
            f"The subscription licence for {product} expired{when}.",
            covered_until,
        )
    if covered_until is None:
        return UpdateEligibility(
            False,
            "no_update_entitlement",
            f"No support period or maintenance contract grants updates of {product}.",
            None,
        )
    if release.released_on > covered_until:
        return UpdateEligibility(
            False,
            "released_after_cover",
            f"{product} {release.version} was released on {release.released_on.isoformat()}, "
            f"after support ended on {covered_until.isoformat()}; renewing support unlocks it.",
            covered_until,
        )
    return UpdateEligibility(
        True,
        "covered",
        f"{product} {release.version} (released {release.released_on.isoformat()}) is covered: "
        f"support covers releases up to {covered_until.isoformat()}.",
        covered_until,
    )
