"""Which VAT an invoice carries: plain values in, plain values out.

- Customer in the vendor's country, or an EU customer without a VAT id:
  the vendor country's rate from the settings.
- EU business customer (a VAT id) in another member state: reverse charge,
  0 %, with the statement the law asks for on the invoice.
- Customer outside the EU: 0 %, supply outside the scope of EU VAT.

Rates are percentages (``Decimal("20")``); the amount is computed and
rounded once, on the invoice's net total, by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
"""Member states by ISO 3166 code (Greece is GR here; its VAT ids start EL)."""


@dataclass(frozen=True, slots=True)
class VatTreatment:
    """``rate`` in percent; ``note`` is a stable code: ``""``, ``reverse_charge``
    or ``outside_eu``."""

    rate: Decimal
    note: str = ""


def vat_treatment(
    *,
    vendor_country: str,
    customer_country: str,
    customer_vat_id: str,
    rates: Mapping[str, Decimal | str],
) -> VatTreatment:
    vendor_country, customer_country = vendor_country.upper(), customer_country.upper()
    domestic_rate = Decimal(str(rates.get(vendor_country, "0")))
    if customer_country == vendor_country:
        return VatTreatment(domestic_rate)
    if customer_country in EU_COUNTRIES:
        if customer_vat_id.strip():
            return VatTreatment(Decimal(0), "reverse_charge")
        return VatTreatment(domestic_rate)
    return VatTreatment(Decimal(0), "outside_eu")
