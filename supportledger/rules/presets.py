# ruff: noqa: RUF003  (comments quote the seed pages in Bulgarian, Greek, Russian)
"""The five policy presets, one per seed vendor (DESIGN 4).

Each preset is data: the ``Policy`` the rules run on plus what the rest of
the product needs to set a vendor up (language, country, channels, what is
sold and on which terms). Every value says where it comes from: a short quote
of the seed page, or "seed silent" with the default chosen. A vendor starts
from a preset and may change any setting.

Seeds: S0 ``000_ffa7d929eac3aca6`` (BG), S1 ``001_dc8c6056fcaac236`` (HU),
S2 ``002_dd72261676ddc79c`` (GR), S3 ``003_0ac85832f7cf9b1a`` (RU),
S4 ``004_dd4e92b8a9a1abaf`` (PL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from supportledger.rules.types import (
    CATEGORIES,
    DEFAULT_KIND_DEFAULTS,
    MODES,
    ClaimPolicy,
    EntitlementKind,
    KindDefaults,
    Policy,
    RenewalPolicy,
    as_kind,
)

__all__ = ["PRESETS", "PRESET_NAMES", "Offer", "Preset", "get_preset"]


@dataclass(frozen=True, slots=True)
class Offer:
    """One kind of entitlement a vendor sells (or grants), with its terms.

    ``term_months`` is how long one purchase lasts (``None``: open-ended or
    set per sale); ``calendar_year`` means it runs 1 January to 31 December.
    ``sizes`` are the sizes sold: minutes for prepaid hours, incidents for
    incident packs. The other fields are the entitlement fields of DESIGN 3.1.
    """

    kind: str
    name: str
    term_months: int | None = None
    calendar_year: bool = False
    sla: bool = False
    minutes_per_month: int = 0
    rollover: bool = False
    updates: bool = False
    response_business_minutes: int | None = None
    sizes: tuple[int, ...] = ()
    requires: str | None = None
    renewable: bool = False


@dataclass(frozen=True, slots=True)
class Preset:
    """A vendor's starting configuration.

    ``language`` is the customer-facing language (ISO 639-1), ``country`` the
    vendor's country (ISO 3166), ``channels`` how customers may reach the
    desk. ``default_warranty_months`` / ``default_support_period_months`` are
    what a product sale grants unless the product says otherwise (``None``:
    the offering has none).
    """

    name: str
    seed: str
    title: str
    language: str
    country: str
    policy: Policy
    offers: tuple[Offer, ...]
    channels: tuple[str, ...]
    default_warranty_months: int | None = None
    default_support_period_months: int | None = None

    @property
    def currency(self) -> str:
        return self.policy.currency

    @property
    def timezone(self) -> str:
        return self.policy.timezone

    @property
    def holiday_country(self) -> str | None:
        return self.policy.holidays

    @property
    def kinds_sold(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(offer.kind for offer in self.offers))


_ALL_CATEGORIES = frozenset(CATEGORIES)
_ALL_MODES = frozenset(MODES)


def _weekdays(opens: str, closes: str) -> Mapping[str, tuple[time, time]]:
    span = (time.fromisoformat(opens), time.fromisoformat(closes))
    return MappingProxyType(dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), span))


def _rates(hourly: str, onsite: str, travel: str) -> Mapping[str, Decimal]:
    rates: dict[str, Decimal] = {mode: Decimal(hourly) for mode in MODES}
    rates["onsite"] = Decimal(onsite)
    rates["travel"] = Decimal(travel)
    return MappingProxyType(rates)


def _kind_defaults(**changes: KindDefaults) -> Mapping[EntitlementKind, KindDefaults]:
    defaults = dict(DEFAULT_KIND_DEFAULTS)
    for kind, spec in changes.items():
        defaults[as_kind(kind)] = spec
    return MappingProxyType(defaults)


# S0, Bulgaria: paid support sold separately, vouchers or a monthly subscription.
PREPAID_HOURS_BG: Final = Preset(
    name="prepaid_hours_bg",
    seed="000_ffa7d929eac3aca6",
    title="Prepaid hour packages or a monthly subscription; price list otherwise",
    language="bg",
    country="BG",
    policy=Policy(
        # Seed silent on currency; Bulgaria has used the euro since 1 January 2026.
        currency="EUR",
        timezone="Europe/Sofia",
        holidays="BG",
        # Seed silent on hours: Mon-Fri 08:00-16:00.
        business_hours=_weekdays("08:00", "16:00"),
        # Seed silent on increments: 30 min under a contract, 60 without (as S4).
        increment_contract=30,
        increment_no_contract=60,
        # "минималното време, което се отчита в този случай е 3(три) часа"
        onsite_minimum_minutes=180,
        # "възможен само за територията на гр. София"; both spellings accepted.
        service_area=("Sofia", "София"),
        # "Клиентите, които нямат закупени ваучери ... може да ползват услугите
        # ... цените са описани в менюто „Ценоразпис на услуги“" (bill them).
        uncovered_work="bill",
        # Seed silent: work starting outside business hours costs 1.5 times.
        after_hours_multiplier=Decimal("1.5"),
        # The price list itself is not on the page: placeholder EUR rates.
        rates=_rates("40.00", "60.00", "20.00"),
        kind_defaults=_kind_defaults(
            # "гаранцията покрива само отстраняването на грешки в програмния код"
            warranty=KindDefaults(frozenset({"defect"}), _ALL_MODES),
        ),
    ),
    offers=(
        # Seed silent on the warranty's length: 12 months.
        Offer("warranty", "Product warranty (defects in program code)", term_months=12),
        # "предплатени пакети с включени определени часове"; sizes: seed silent.
        Offer("prepaid_hours", "Prepaid hour package (voucher)", sizes=(300, 600, 1200)),
        # "договор за поддръжка за определен период от време на база месечен
        # абонамент"; included hours and SLA: seed silent (10 h a month, SLA).
        Offer(
            "contract",
            "Monthly subscription with included hours",
            term_months=12,
            sla=True,
            minutes_per_month=600,
            renewable=True,
        ),
    ),
    # "разговори по телефона, кореспонденция", "Чрез отдалечен достъп",
    # "Чрез посещение на място".
    channels=("phone", "email", "remote", "onsite"),
    default_warranty_months=12,
)

# S1, Hungary: a free warranty year, then a follow-up contract or hourly billing.
WARRANTY_YEAR_HU: Final = Preset(
    name="warranty_year_hu",
    seed="001_dc8c6056fcaac236",
    title="Free for a year after the sale, then a follow-up contract or hourly",
    language="hu",
    country="HU",
    policy=Policy(
        currency="HUF",
        timezone="Europe/Budapest",
        holidays="HU",
        # "Munkanapokon 08:00 - 16:00 közötti időszakban."
        business_hours=_weekdays("08:00", "16:00"),
        # Seed silent on increments: 30 min under a contract, 60 without.
        increment_contract=30,
        increment_no_contract=60,
        onsite_minimum_minutes=0,
        service_area=(),
        # "követési szerződés nélkül viszont fizetős óradíjas elszámolásban"
        uncovered_work="bill",
        after_hours_multiplier=Decimal("1"),
        # Seed silent on prices: placeholder HUF rates.
        rates=_rates("12000.00", "15000.00", "5000.00"),
        kind_defaults=_kind_defaults(
            # "ezeket a szolgáltatásokat díjmentesen biztosítjuk": everything the
            # service covers, by "telefonos és internetes távszervíz" (not on site).
            warranty=KindDefaults(_ALL_CATEGORIES, _ALL_MODES - {"onsite"}),
            # "egyedi követési szerződés keretein belül biztosítjuk a felsorolt
            # szolgáltatásokat": the same services under a contract.
            contract=KindDefaults(_ALL_CATEGORIES, _ALL_MODES - {"onsite"}),
        ),
    ),
    offers=(
        # "A szoftver eladása utáni 1 éven belül (garanciális időszak)"
        Offer("warranty", "Warranty year (all support free)", term_months=12),
        # "egyedi követési szerződés"; "Jogszabálykövetés" (law changes shipped).
        Offer("contract", "Follow-up contract", term_months=12, updates=True, renewable=True),
    ),
    # "telefonos és internetes távszervíz formájában"
    channels=("phone", "remote"),
    default_warranty_months=12,
)

# S2, Greece: only for holders of an annual maintenance contract (or a lease).
ANNUAL_MAINTENANCE_GR: Final = Preset(
    name="annual_maintenance_gr",
    seed="002_dd72261676ddc79c",
    title="Annual maintenance contract; premium phone incident packs",
    language="el",
    country="GR",
    policy=Policy(
        currency="EUR",
        timezone="Europe/Athens",
        holidays="GR",
        # "εργάσιμες ώρες και ημέρες": the hours themselves are not given; 08:00-16:00.
        business_hours=_weekdays("08:00", "16:00"),
        # Seed silent on increments (incidents are not timed): 30 / 60.
        increment_contract=30,
        increment_no_contract=60,
        onsite_minimum_minutes=0,
        service_area=(),
        # "Οι υπηρεσίες παρέχονται αποκλειστικά σε συνδρομητές με ετήσιο
        # συμβόλαιο συντήρησης ... σε ισχύ ή σε όσους μισθώνουν λογισμικό"
        uncovered_work="refuse",
        after_hours_multiplier=Decimal("1"),
        # Seed silent on prices; work is refused rather than billed anyway.
        rates=_rates("50.00", "70.00", "0.00"),
        kind_defaults=_kind_defaults(
            # "ηλεκτρονική υποστήριξη επιπέδου Professional": electronic channels;
            # updates include "μεταβολές που επιβάλλονται από τη νομοθεσία".
            contract=KindDefaults(
                frozenset({"consultation", "defect", "update", "legal"}),
                frozenset({"email", "portal", "chat"}),
            ),
            # "ένα τεχνικό ή ένα συμβουλευτικό θέμα", "τηλεφωνικής υποστήριξης"
            incident_pack=KindDefaults(_ALL_CATEGORIES, frozenset({"phone"})),
        ),
    ),
    offers=(
        # "συμβολαίου συντήρησης για το έτος 2020 ... Ενημερώσεις ... ως τις 31/12/2020"
        Offer(
            "contract",
            "Annual maintenance (Professional support and updates)",
            term_months=12,
            calendar_year=True,
            updates=True,
            renewable=True,
        ),
        # "σε όσους μισθώνουν λογισμικό": a lease entitles like a contract.
        Offer("contract", "Software lease", term_months=12, updates=True, renewable=True),
        # "πακέτα των δύο (2), των τεσσάρων (4), των δέκα (10) και των είκοσι
        # πέντε (25) περιστατικών", "ως επέκταση της υποστήριξης Professional",
        # "απεριόριστης ανανέωσης σε ετήσια βάση".
        Offer(
            "incident_pack",
            "Premium phone support",
            term_months=12,
            sizes=(2, 4, 10, 25),
            requires="contract",
            renewable=True,
        ),
    ),
    # Professional is electronic; Premium adds the phone.
    channels=("email", "portal", "chat", "phone"),
)

# S3, Russia: a support period per product, renewable for a share of the price.
SUPPORT_PERIOD_RU: Final = Preset(
    name="support_period_ru",
    seed="003_0ac85832f7cf9b1a",
    title="Support period per product; grace or standard paid renewal",
    language="ru",
    country="RU",
    policy=Policy(
        currency="RUB",
        # Seed silent on time zone and hours: Moscow, Mon-Fri 09:00-18:00.
        timezone="Europe/Moscow",
        holidays="RU",
        business_hours=_weekdays("09:00", "18:00"),
        increment_contract=30,
        increment_no_contract=60,
        onsite_minimum_minutes=0,
        service_area=(),
        # "после завершения периода поддержки – мы перестаём ... оказывать
        # консультации по данному продукту"
        uncovered_work="refuse",
        after_hours_multiplier=Decimal("1"),
        # Seed silent on hourly prices; work without support is refused anyway.
        rates=_rates("2000.00", "3000.00", "0.00"),
        kind_defaults=_kind_defaults(
            # "консультации по установке и работе"; "по телефону поддержка не
            # осуществляется": written channels only.
            support_period=KindDefaults(
                frozenset({"consultation", "defect"}), frozenset({"email", "chat", "portal"})
            ),
        ),
        # "25% или 45% от цены продукта, которая действует на момент продления";
        # "в течение одного месяца с момента завершения срока поддержки";
        # "продлевается на 12 месяцев". The page's own example (7990 -> 1998 and
        # 3196) rounds to whole roubles and uses 40 % for the standard rate; the
        # text's 45 % is kept.
        renewal=RenewalPolicy(
            grace_months=1,
            grace_rate=Decimal("0.25"),
            standard_rate=Decimal("0.45"),
            term_months=12,
            round_to=Decimal("1"),
        ),
    ),
    offers=(
        # "обычно он составляет 6 месяцев, но могут быть исключения"
        Offer(
            "support_period",
            "Technical support and updates",
            term_months=6,
            renewable=True,
        ),
    ),
    # "WhatsApp", "электронная почта", "чат на сайте", "группа ВКонтакте";
    # "по телефону поддержка не осуществляется".
    channels=("email", "whatsapp", "chat", "vk"),
    default_support_period_months=6,
)

# S4, Poland: remote help billed per started 30 min (SLA) or 60 min (no SLA).
REMOTE_SLA_PL: Final = Preset(
    name="remote_sla_pl",
    seed="004_dd4e92b8a9a1abaf",
    title="Remote help billed per started 30 (SLA) or 60 minutes; 14-day service warranty",
    language="pl",
    country="PL",
    policy=Policy(
        currency="PLN",
        timezone="Europe/Warsaw",
        holidays="PL",
        # Seed silent on hours: Mon-Fri 08:00-16:00.
        business_hours=_weekdays("08:00", "16:00"),
        # "z umową SLA ... za każde rozpoczęte 30 minut"; "bez umowy ... za każde
        # rozpoczęte 60 minut"
        increment_contract=30,
        increment_no_contract=60,
        onsite_minimum_minutes=0,
        # Seed silent on an area: technicians travel ("przyjazdu serwisanta").
        service_area=(),
        # "zgadzam się na rozliczane w/w usług wg cennika"
        uncovered_work="bill",
        after_hours_multiplier=Decimal("1"),
        # The DAMAL price list is not on the page: placeholder PLN rates; travel
        # is billed per "koszty związane z przyjazdem ... zgodnie z cennikiem".
        rates=_rates("160.00", "200.00", "80.00"),
        # "14 dniowej gwarancji"; "w przeciągu 3 dni roboczych od jej
        # potwierdzenia, jednak nie później niż podczas kolejnej zamówionej
        # usługi". Automatic confirmation: seed silent, 7 days.
        claims=ClaimPolicy(complaint_business_days=3, service_warranty_days=14),
    ),
    offers=(
        # "Klientów z umową SLA"
        Offer("contract", "SLA contract", term_months=12, sla=True, renewable=True),
        # Granted by an accepted complaint, not sold.
        Offer("service_warranty", "Service warranty (rework under a complaint)"),
    ),
    # "skontaktuj się telefonicznie lub mailowo", remote sessions, and technician visits.
    channels=("phone", "email", "remote", "onsite"),
)

PRESETS: Final[Mapping[str, Preset]] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            PREPAID_HOURS_BG,
            WARRANTY_YEAR_HU,
            ANNUAL_MAINTENANCE_GR,
            SUPPORT_PERIOD_RU,
            REMOTE_SLA_PL,
        )
    }
)
PRESET_NAMES: Final[tuple[str, ...]] = tuple(PRESETS)


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``KeyError`` naming the known presets otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; one of {', '.join(PRESET_NAMES)}") from None
