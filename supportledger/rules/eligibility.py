"""May a customer download a release? (DESIGN 3.5, seeds S2 and S3.)

A release of product P may be downloaded when the customer holds a licence
for P usable on the day asked (perpetual, or a subscription not yet expired)
and either

- the release came out on or before the licence's sale date: it is (or
  precedes) the version bought, which its buyer may always download; or
- the release came out on or before the latest ``ends`` of their
  entitlements for P that grant downloads: ``grants_downloads`` as the
  entitlement's terms say, else the kind's rule (a support period does, a
  contract does when ``updates: true``; a preset may say a warranty does,
  as the Hungarian warranty year, which includes legislation tracking).

All dates are calendar dates in the policy time zone, inclusive. Renewing
support moves the cover date, which unlocks every release that came out
during a lapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from supportledger.rules.types import Entitlement, Licence, Release, UpdateEligibility

__all__ = ["grants_downloads", "grants_updates", "may_download", "updates_covered_until"]


def grants_downloads(entitlement: Entitlement) -> bool:
    """Whether ``entitlement`` lets its holder download releases of its
    products: its own ``grants_downloads`` when set (the terms it was sold
    on), else true for a support period or a contract with ``updates: true``."""
    if entitlement.grants_downloads is not None:
        return entitlement.grants_downloads
    return entitlement.kind == "support_period" or (
        entitlement.kind == "contract" and entitlement.updates
    )


grants_updates = grants_downloads
"""The former name of ``grants_downloads``."""


def updates_covered_until(entitlements: Sequence[Entitlement], product: str) -> date | None:
    """The last release date (inclusive) the customer's support covers for
    ``product``, or ``None`` when nothing grants updates for it."""
    ends = [e.ends for e in entitlements if grants_downloads(e) and e.applies_to(product)]
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
    usable = [licence for licence in held if licence.is_usable_on(today)]
    bought_until = max(
        (licence.sold_on for licence in usable if licence.sold_on is not None), default=None
    )
    if bought_until is not None and release.released_on <= bought_until:
        return UpdateEligibility(
            True,
            "bought",
            f"{product} {release.version} (released {release.released_on.isoformat()}) was "
            f"out when the licence was sold on {bought_until.isoformat()}: the buyer may "
            f"always download it.",
            covered_until,
        )
    if covered_until is None:
        return UpdateEligibility(
            False,
            "no_update_entitlement",
            f"Nothing the customer holds grants updates of {product}.",
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
