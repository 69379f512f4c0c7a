# ruff: noqa: RUF001, RUF002, RUF003  (laws quoted in their languages: Cyrillic, Greek)
"""Which VAT a supply of support services carries: plain values in, plain values out.

The vendor sells services (support, consulting, maintenance, training,
development), never goods. ``decide_vat`` states, for one supply, the VAT
category, the rate, the note the invoice must carry and the legal basis, or
what is missing to decide. The decisions, for a seller in an EU member state
(Council Directive 2006/112/EC, "the Directive"):

1. Customer in the seller's country: the seller country's standard rate in
   force on the date of supply (place of supply where the seller is, Art. 45,
   or where the business customer is, Art. 44 - the same country).
2. Business customer in another member state: the place of supply is the
   customer's country (Art. 44) and the customer accounts for the VAT
   (Art. 196); the invoice states "reverse charge" (Art. 226(11a)) and the
   customer's VAT id (Art. 226(4)). The VAT id is required: it is the
   evidence that the customer is a taxable person (Implementing Regulation
   282/2011, Art. 18(1)); without it the run refuses rather than guess.
3. Consumer in another member state: the general rule for services to
   non-taxable persons applies, the place of supply is where the seller is
   established (Art. 45), so the seller's domestic rate. Support given by
   people is not an "electronically supplied service" (Implementing
   Regulation 282/2011, Art. 7: those are essentially automated, with
   minimal human intervention), so Art. 58 and the OSS do not apply.
   Training at the customer's premises would be Art. 53/54; the product
   treats all its lines as the general rule - a vendor who bills seminars
   needs its accountant.
4. Customer outside the EU, business or consumer: the place of supply is
   outside the EU (Art. 44 for a business; Art. 59(c) for consulting and
   data-processing services to a consumer), so no EU VAT; the invoice says
   why.

For a seller in Russia (Tax Code of the Russian Federation, "НК РФ"):

5. Customer in Russia: the standard rate of НК РФ art. 164(3) on the date
   of supply (22 % from 2026-01-01, 20 % before).
6. Customer abroad: consulting, data-processing and software services are
   supplied where the buyer carries on its activity (НК РФ art. 148(1)(4)),
   so they are not subject to Russian VAT; the invoice says why.

A seller in any other country outside the EU: domestic customers at the
seller's rate if the vendor has entered one, everyone else "not subject to
VAT of the seller's country" - the vendor's accountant has to confirm.

Rates are percentages (``Decimal("20")``). The VAT amount is computed and
rounded by the caller, once per rate, on the sum of the lines at that rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "EU_MEMBER_STATES",
    "STANDARD_RATES",
    "VatDecision",
    "VatRate",
    "decide_vat",
    "rate_on",
    "vat_id_country",
]

EU_MEMBER_STATES = frozenset(
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


def vat_id_country(country: str) -> str:
    """The prefix of a VAT id of ``country``: Greece's is EL, every other
    member state's is its ISO code."""
    return "EL" if country.upper() == "GR" else country.upper()


@dataclass(frozen=True, slots=True)
class VatRate:
    """A standard rate in percent, in force in ``country`` from ``effective_from``
    (inclusive) until the next rate of that country. ``source`` says where it
    is published."""

    country: str
    rate: Decimal
    effective_from: date
    source: str = ""


STANDARD_RATES: tuple[VatRate, ...] = (
    # Bulgaria: Закон за данъка върху добавената стойност (ЗДДС), чл. 66, ал. 1,
    # 20 % since 2007-01-01; https://www.nap.bg (ЗДДС) and the European
    # Commission's "VAT rates applied in the Member States" (taxation_customs).
    VatRate("BG", Decimal("20"), date(2007, 1, 1), "ЗДДС чл. 66, ал. 1"),
    # Hungary: 2007. évi CXXVII. törvény az általános forgalmi adóról (Áfa tv.),
    # 82. § (1): 27 % since 2012-01-01 (25 % from 2009-07-01);
    # https://net.jogtar.hu/jogszabaly?docid=a0700127.tv
    VatRate("HU", Decimal("25"), date(2009, 7, 1), "Áfa tv. 82. § (1)"),
    VatRate("HU", Decimal("27"), date(2012, 1, 1), "Áfa tv. 82. § (1)"),
    # Greece: Κώδικας ΦΠΑ (ν. 2859/2000, codified by ν. 5144/2024), άρθρο 21:
    # 24 % since 2016-06-01 (ν. 4389/2016, άρθρο 44), 23 % before;
    # https://www.aade.gr
    VatRate("GR", Decimal("23"), date(2010, 7, 1), "Κώδικας ΦΠΑ άρθρο 21"),
    VatRate("GR", Decimal("24"), date(2016, 6, 1), "Κώδικας ΦΠΑ άρθρο 21"),
    # Poland: ustawa z dnia 11 marca 2004 r. o podatku od towarów i usług,
    # art. 41 ust. 1 in connection with art. 146ef: 23 % since 2011-01-01
    # (22 % before); https://isap.sejm.gov.pl (Dz.U. 2004 nr 54 poz. 535)
    VatRate("PL", Decimal("22"), date(1993, 7, 5), "ustawa o VAT art. 41 ust. 1"),
    VatRate("PL", Decimal("23"), date(2011, 1, 1), "ustawa o VAT art. 41 ust. 1, art. 146ef"),
    # Russia: Налоговый кодекс РФ, ст. 164 п. 3: 20 % from 2019-01-01
    # (Федеральный закон от 03.08.2018 № 303-ФЗ), 22 % from 2026-01-01
    # (Федеральный закон от 28.11.2025 № 425-ФЗ); http://pravo.gov.ru
    VatRate("RU", Decimal("20"), date(2019, 1, 1), "НК РФ ст. 164 п. 3 (303-ФЗ)"),
    VatRate("RU", Decimal("22"), date(2026, 1, 1), "НК РФ ст. 164 п. 3 (425-ФЗ)"),
    # Germany, for vendors with German customers' figures in tests and
    # examples: Umsatzsteuergesetz § 12 Abs. 1, 19 % since 2007-01-01
    # (16 % in the second half of 2020); https://www.gesetze-im-internet.de/ustg_1980/__12.html
    VatRate("DE", Decimal("19"), date(2007, 1, 1), "UStG § 12 Abs. 1"),
    VatRate("DE", Decimal("16"), date(2020, 7, 1), "UStG § 12 Abs. 1, § 28 Abs. 1"),
    VatRate("DE", Decimal("19"), date(2021, 1, 1), "UStG § 12 Abs. 1"),
)


def rate_on(country: str, on: date, rates: Iterable[VatRate] = ()) -> VatRate | None:
    """The standard rate of ``country`` in force on ``on``: the latest
    ``effective_from`` not after ``on`` among ``STANDARD_RATES`` and the
    vendor's own ``rates`` (a vendor's rate wins a tie). ``None`` if none."""
    country = country.upper()
    best: VatRate | None = None
    for candidate in (*STANDARD_RATES, *rates):
        if candidate.country.upper() != country or candidate.effective_from > on:
            continue
        if best is None or candidate.effective_from >= best.effective_from:
            best = candidate
    return best


# VAT categories of EN 16931 (UNCL 5305), so an e-invoice can be built from
# what the invoice stores: S standard rate, AE reverse charge, O not subject.
STANDARD = "S"
REVERSE_CHARGE = "AE"
NOT_SUBJECT = "O"


@dataclass(frozen=True, slots=True)
class VatDecision:
    """How one supply is taxed.

    ``category``: ``S``, ``AE`` or ``O`` (EN 16931 VAT category codes).
    ``rate``: percent. ``note``: a stable code of the statement the invoice
    must carry (``""``, ``reverse_charge``, ``outside_eu``,
    ``outside_seller_country``). ``legal_basis``: the provisions applied, as
    printed on the invoice and in exports. ``missing``: field names of the
    customer or seller without which the supply cannot be decided; when not
    empty, nothing else is meaningful and nothing may be issued.
    """

    category: str
    rate: Decimal
    note: str = ""
    legal_basis: str = ""
    reason: str = ""
    missing: tuple[str, ...] = field(default=())


def decide_vat(
    *,
    seller_country: str,
    customer_country: str,
    customer_is_business: bool,
    customer_vat_id: str,
    on: date,
    rates: Iterable[VatRate] = (),
) -> VatDecision:
    """The VAT of a supply of services on ``on`` (date of supply) from a
    seller in ``seller_country`` to a customer in ``customer_country``; the
    decisions and their legal basis are in the module docstring.

    ``customer_vat_id`` counts only by being given or blank (its validity is
    the customer record's business): callers may keep a decision per
    (countries, business, VAT id given, day, rates)."""
    seller, customer = seller_country.upper(), customer_country.upper()
    rates = tuple(rates)
    if not seller:
        return VatDecision(STANDARD, Decimal(0), missing=("seller.country",))
    if not customer:
        return VatDecision(STANDARD, Decimal(0), missing=("country",))
    domestic = rate_on(seller, on, rates)

    def at_home(legal_basis: str, reason: str) -> VatDecision:
        if domestic is None:
            return VatDecision(STANDARD, Decimal(0), missing=(f"seller.vat_rates.{seller}",))
        basis = f"{legal_basis}; {domestic.source}" if domestic.source else legal_basis
        return VatDecision(STANDARD, domestic.rate, "", basis, reason)

    if seller in EU_MEMBER_STATES:
        if customer == seller:
            return at_home("Directive 2006/112/EC Art. 44/45", "domestic")
        if customer in EU_MEMBER_STATES:
            if customer_is_business:
                if not customer_vat_id.strip():
                    return VatDecision(REVERSE_CHARGE, Decimal(0), missing=("vat_id",))
                return VatDecision(
                    REVERSE_CHARGE,
                    Decimal(0),
                    "reverse_charge",
                    "Directive 2006/112/EC Art. 44, Art. 196",
                    "eu_business",
                )
            return at_home("Directive 2006/112/EC Art. 45", "eu_consumer")
        return VatDecision(
            NOT_SUBJECT,
            Decimal(0),
            "outside_eu",
            "Directive 2006/112/EC Art. 44"
            if customer_is_business
            else "Directive 2006/112/EC Art. 59(c)",
            "outside_eu",
        )
    if seller == "RU":
        if customer == seller:
            return at_home("НК РФ ст. 146", "domestic")
        return VatDecision(
            NOT_SUBJECT,
            Decimal(0),
            "outside_seller_country",
            "НК РФ ст. 148 п. 1 пп. 4",
            "abroad",
        )
    if customer == seller:
        return at_home("", "domestic")
    return VatDecision(NOT_SUBJECT, Decimal(0), "outside_seller_country", "", "abroad")
