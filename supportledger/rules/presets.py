# ruff: noqa: RUF001, RUF003  (comments quote the seed pages in Bulgarian, Greek, Russian)
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
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from supportledger.rules.types import (
    CATEGORIES,
    DEFAULT_KIND_DEFAULTS,
    MODES,
    Category,
    ClaimPolicy,
    EntitlementKind,
    KindDefaults,
    Mode,
    Policy,
    RenewalPolicy,
    as_kind,
)

__all__ = ["FEATURES", "PRESETS", "PRESET_NAMES", "Offer", "Preset", "get_preset"]

FEATURES: Final[tuple[str, ...]] = (
    "remote_sessions",
    "claims",
    "auto_confirm",
    "onsite_visits",
)
"""What a vendor may switch on for its customers: remote sessions booked
with consent in the portal; complaints about confirmed work, with their
window and the service warranty; confirming work automatically after
``auto_confirm_days``; on-site visits by appointment."""


def _names(**names: str) -> Mapping[str, str]:
    return MappingProxyType(names)


def _prices(currency: str, **by_size: str) -> Mapping[str, Mapping[int, Decimal]]:
    """``_prices("EUR", s0="320.00")``: per currency, per size (``s<size>``)."""
    return MappingProxyType(
        {currency: MappingProxyType({int(k[1:]): Decimal(v) for k, v in by_size.items()})}
    )


@dataclass(frozen=True, slots=True)
class Offer:
    """One kind of entitlement a vendor sells (or grants), with its terms.

    ``code`` names the offer for good (orders and the API use it); ``names``
    is its name per language (``name`` is the English one). ``term_months``
    is how long one purchase lasts (``None``: open-ended or set per sale);
    ``calendar_year`` means it runs from the sale to 31 December of that
    year, and a renewal runs 1 January to 31 December. ``sizes`` are the
    sizes sold: minutes for prepaid hours, incidents for incident packs.
    ``grants_downloads`` is whether an entitlement sold on this offer lets its
    holder download new versions (``None``: the kind's default of the policy).
    ``covers`` / ``modes`` ``None`` = the policy's default for the kind.
    ``billing``: ``once`` (the sale is billed), ``month`` or ``year`` (a
    recurring fee). ``prices``: per currency, per size (0 for an offer
    without sizes), the price of one sale (``once``) or of one fee period.
    ``sold``: false for what is granted, never sold (a product's warranty,
    the service warranty of a claim). The other fields are the entitlement
    fields of DESIGN 3.1.
    """

    kind: str
    name: str
    code: str = ""
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
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
    grants_downloads: bool | None = None
    covers: frozenset[str] | None = None
    modes: frozenset[str] | None = None
    billing: str = "once"
    prices: Mapping[str, Mapping[int, Decimal]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    sold: bool = True


@dataclass(frozen=True, slots=True)
class Preset:
    """A vendor's starting configuration.

    ``language`` is the customer-facing language (ISO 639-1), ``country`` the
    vendor's country (ISO 3166), ``channels`` how customers may reach the
    desk, ``features`` which of ``FEATURES`` its customers get,
    ``consent_terms`` the terms a customer consents to before a remote
    session, per language. ``default_warranty_months`` / ``default_support_period_months`` are
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
    features: frozenset[str] = frozenset()
    consent_terms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
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


# Hungary's working-day schedule around public holidays, set each year by a
# decree of the Ministry for National Economy (NGM). 10/2025. (IV. 30.) NGM
# rendelet a 2026. évi munkaszüneti napok körüli munkarendről (Magyar Közlöny
# 2025/51, 30 April 2025), § 2: a) 2026-01-10 Saturday working day, 2026-01-02
# Friday rest day; b) 2026-08-08 Saturday working day, 2026-08-21 Friday rest
# day; c) 2026-12-12 Saturday working day, 2026-12-24 Thursday rest day.
# The 2027 decree could not be confirmed from a public source: no 2027 dates
# are pre-filled; a vendor adds them to its policy once the decree is out.
_HU_WORKING_SATURDAYS: Final = frozenset({date(2026, 1, 10), date(2026, 8, 8), date(2026, 12, 12)})
_HU_REST_DAYS: Final = frozenset({date(2026, 1, 2), date(2026, 8, 21), date(2026, 12, 24)})

# "Rendelkezésre állás telefonos és internetes távszervíz formájában;
# Szaktanácsadás; Jogszabálykövetés": help by phone and internet remote
# service with the day-to-day questions the page lists (roll-out questions,
# software and hardware problems, rarely used functions), expert consulting,
# law changes carried into the software. Not development ("új igények" get
# "szaktanácsadás", advice, not free programming), not installation or
# training (the sale's roll-out), not on site or in-house work.
_HU_SERVICES: Final[frozenset[Category]] = frozenset(
    {"consultation", "defect", "configuration", "update", "legal", "hardware"}
)
_HU_SERVICE_MODES: Final[frozenset[Mode]] = frozenset(
    {"phone", "remote", "email", "chat", "portal"}
)


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
        # Seed silent on the warranty's length: 12 months. Granted with a sale.
        Offer(
            "warranty",
            "Product warranty (defects in program code)",
            code="warranty",
            names=_names(bg="Гаранция на продукта (грешки в програмния код)"),
            term_months=12,
            sold=False,
        ),
        # "предплатени пакети с включени определени часове"; sizes, validity
        # and prices: seed silent (5, 10, 20 hours for a year; 38, 36 and
        # 34 EUR an hour against the price list's 40).
        Offer(
            "prepaid_hours",
            "Prepaid hour package (voucher)",
            code="voucher",
            names=_names(bg="Предплатен пакет часове (ваучер)"),
            term_months=12,
            sizes=(300, 600, 1200),
            prices=_prices("EUR", s300="190.00", s600="360.00", s1200="680.00"),
        ),
        # "договор за поддръжка за определен период от време на база месечен
        # абонамент"; included hours, SLA, target and fee: seed silent (10 h a
        # month, SLA, first answer within 4 business hours, 320 EUR a month).
        Offer(
            "contract",
            "Monthly subscription with included hours",
            code="subscription",
            names=_names(bg="Месечен абонамент с включени часове"),
            term_months=12,
            sla=True,
            minutes_per_month=600,
            response_business_minutes=240,
            renewable=True,
            billing="month",
            prices=_prices("EUR", s0="320.00"),
        ),
    ),
    # "разговори по телефона, кореспонденция", "Чрез отдалечен достъп",
    # "Чрез посещение на място".
    channels=("phone", "email", "remote", "onsite"),
    # "Чрез отдалечен достъп (TeamViewer, AnyDesk)", "Чрез посещение на
    # място ... само за територията на гр. София"; no complaints procedure.
    features=frozenset({"remote_sessions", "onsite_visits"}),
    consent_terms=_names(
        en="I allow the specialist to connect to my computer remotely (TeamViewer or "
        "AnyDesk) for this session only. Time not covered by my vouchers or "
        "subscription is billed by the service price list.",
        bg="Разрешавам на специалиста да се свърже отдалечено с моя компютър "
        "(TeamViewer или AnyDesk) само за тази сесия. Времето, което не е покрито от "
        "ваучерите или абонамента ми, се заплаща по ценоразписа на услугите.",
    ),
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
            # "ezeket a szolgáltatásokat díjmentesen biztosítjuk": the services
            # listed, free; "Jogszabálykövetés" ships law changes, so the
            # warranty year lets its holder download new versions.
            warranty=KindDefaults(_HU_SERVICES, _HU_SERVICE_MODES, downloads=True),
            # "egyedi követési szerződés keretein belül biztosítjuk a felsorolt
            # szolgáltatásokat": the same services under a contract.
            contract=KindDefaults(_HU_SERVICES, _HU_SERVICE_MODES),
        ),
        closures=_HU_REST_DAYS,
        extra_working_days=_HU_WORKING_SATURDAYS,
        # "Terméktámogatás időbeli rendelkezésre állása: Munkanapokon 08:00 -
        # 16:00": support is available in business hours only, whatever the way.
        business_hours_only_modes=_ALL_MODES,
        outside_business_hours="refuse",
    ),
    offers=(
        # "A szoftver eladása utáni 1 éven belül (garanciális időszak)"
        Offer(
            "warranty",
            "Warranty year (support services free)",
            code="warranty",
            names=_names(hu="Garanciális év (a támogatási szolgáltatások díjmentesek)"),
            term_months=12,
            grants_downloads=True,
            updates=True,
            sold=False,
        ),
        # "egyedi követési szerződés"; "Jogszabálykövetés" (law changes shipped).
        # Fee and target: seed silent (19 900 HUF a month, one business day).
        Offer(
            "contract",
            "Follow-up contract",
            code="follow_up",
            names=_names(hu="Követési szerződés"),
            term_months=12,
            updates=True,
            response_business_minutes=480,
            renewable=True,
            billing="month",
            prices=_prices("HUF", s0="19900.00"),
        ),
    ),
    # "telefonos és internetes távszervíz formájában"
    channels=("phone", "remote"),
    features=frozenset({"remote_sessions"}),
    consent_terms=_names(
        en="I allow the consultant to connect to my computer remotely for this session "
        "only. In the warranty year and under a follow-up contract the help is free; "
        "otherwise it is billed by the hour.",
        hu="Hozzájárulok, hogy a tanácsadó csak erre az alkalomra távolról csatlakozzon "
        "a számítógépemhez. A garanciális évben és követési szerződéssel a segítség "
        "díjmentes, egyébként óradíjas elszámolású.",
    ),
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
        # "premium υπηρεσίες τηλεφωνικής υποστήριξης ... εργάσιμες ώρες και
        # ημέρες": phone support only in business hours and days.
        business_hours_only_modes=frozenset({"phone"}),
        outside_business_hours="refuse",
    ),
    offers=(
        # "συμβολαίου συντήρησης για το έτος 2020 ... Ενημερώσεις ... ως τις 31/12/2020"
        Offer(
            "contract",
            "Annual maintenance (Professional support and updates)",
            code="maintenance",
            names=_names(el="Ετήσιο συμβόλαιο συντήρησης (υποστήριξη Professional)"),
            term_months=12,
            calendar_year=True,
            updates=True,
            renewable=True,
            prices=_prices("EUR", s0="290.00"),
        ),
        # "σε όσους μισθώνουν λογισμικό": a lease entitles like a contract;
        # its fee: seed silent (35 EUR a month).
        Offer(
            "contract",
            "Software lease",
            code="lease",
            names=_names(el="Μίσθωση λογισμικού"),
            term_months=12,
            updates=True,
            renewable=True,
            billing="month",
            prices=_prices("EUR", s0="35.00"),
        ),
        # "πακέτα των δύο (2), των τεσσάρων (4), των δέκα (10) και των είκοσι
        # πέντε (25) περιστατικών", "ως επέκταση της υποστήριξης Professional",
        # "απεριόριστης ανανέωσης σε ετήσια βάση". Prices: seed silent.
        Offer(
            "incident_pack",
            "Premium phone support",
            code="premium",
            names=_names(el="Τηλεφωνική υποστήριξη Premium"),
            term_months=12,
            sizes=(2, 4, 10, 25),
            requires="contract",
            renewable=True,
            prices=_prices("EUR", s2="60.00", s4="110.00", s10="250.00", s25="560.00"),
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
        # Granted with a sale; renewed by the renewal quote (a share of the
        # product's price), so it has no price of its own.
        Offer(
            "support_period",
            "Technical support and updates",
            code="support_period",
            names=_names(ru="Техническая поддержка и обновления"),
            term_months=6,
            updates=True,
            renewable=True,
            sold=False,
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
        # "Klientów z umową SLA"; fee and target: seed silent (249 PLN a
        # month, first answer within 4 business hours).
        Offer(
            "contract",
            "SLA contract",
            code="sla",
            names=_names(pl="Umowa SLA"),
            term_months=12,
            sla=True,
            response_business_minutes=240,
            renewable=True,
            billing="month",
            prices=_prices("PLN", s0="249.00"),
        ),
        # Granted by an accepted complaint, not sold.
        Offer(
            "service_warranty",
            "Service warranty (rework under a complaint)",
            code="service_warranty",
            names=_names(pl="Gwarancja na usługę (poprawka w ramach reklamacji)"),
            sold=False,
        ),
    ),
    # "skontaktuj się telefonicznie lub mailowo", remote sessions, and technician visits.
    channels=("phone", "email", "remote", "onsite"),
    features=frozenset({"remote_sessions", "claims", "auto_confirm", "onsite_visits"}),
    # "Po zakończeniu sesji konsultant nie ma możliwości ponownego połączenia
    # bez wiedzy i zgody Klienta"; "14 dniowej gwarancji"; "w przeciągu 3 dni
    # roboczych"; liability up to the fee charged.
    consent_terms=_names(
        en="I allow the consultant to see my screen and use my keyboard and mouse for "
        "this session; after it the consultant cannot reconnect without my knowledge "
        "and consent. The work carries a 14-day warranty; a complaint is made within 3 "
        "business days of confirming the work and no later than the next ordered "
        "service. Liability is limited to the fee charged. I agree to be billed by the "
        "price list.",
        pl="Zezwalam konsultantowi na podgląd mojego ekranu oraz używanie klawiatury i "
        "myszy na czas tej sesji; po jej zakończeniu konsultant nie może ponownie się "
        "połączyć bez mojej wiedzy i zgody. Na wykonaną usługę udzielana jest 14-dniowa "
        "gwarancja; reklamację składa się w ciągu 3 dni roboczych od potwierdzenia "
        "usługi, jednak nie później niż podczas kolejnej zamówionej usługi. "
        "Odpowiedzialność ograniczona jest do wysokości pobranej opłaty. Zgadzam się na "
        "rozliczenie usług według cennika.",
    ),
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
