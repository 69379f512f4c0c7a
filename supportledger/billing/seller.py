"""The seller's identity and billing settings: the writes (``do_*``) and their
checks, shared by the console page, the ``seller`` command and ``init --preset``.

Kept apart from ``actions/`` (the billing run, issuing, orders) so the
settings can change without touching the run; the same rules apply: one
transaction, an audit row, a refusal that names the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.billing.models import BillingSettings, NumberReset
from supportledger.billing.queries import get_billing_settings
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import tax_id_reason
from supportledger.rules.tax_ids import (
    TaxIdError,
    normalise_bic,
    normalise_iban,
    normalise_registration_number,
    normalise_vat_id,
)

TEXT_FIELDS = (
    "legal_name",
    "address",
    "postcode",
    "city",
    "country",
    "registration_number",
    "vat_id",
    "email",
    "bank_account",
    "bank_bic",
    "bank_name",
    "number_prefix",
    "number_reset",
    "credit_note_prefix",
)
FIELDS = (
    *TEXT_FIELDS,
    "number_with_year",
    "number_width",
    "payment_terms_days",
    "hold_when_overdue",
    "hold_after_days",
    "invoice_languages",
    "vat_rates",
)
"""Every setting an administrator may change, by its form and command name."""

COUNTRY_DEFAULTS: dict[str, dict[str, Any]] = {
    # Bulgaria: invoice numbers are ten digits, one continuous series
    # (Правилник за прилагане на ЗДДС, чл. 78, ал. 2).
    "BG": {
        "number_prefix": "",
        "number_with_year": False,
        "number_width": 10,
        "number_reset": NumberReset.NEVER,
        "payment_terms_days": 14,
    },
    # Hungary: a continuous numbering within a series (Áfa tv. 169. § b));
    # a yearly series with the year in the number is common.
    "HU": {"number_prefix": "SZ", "payment_terms_days": 8},
    # Greece: numbering per series, usually restarting each year.
    "GR": {"number_prefix": "TPY", "payment_terms_days": 30},
    # Russia: счёт-фактура numbers run in one chronological order, usually
    # restarting each year (Постановление Правительства № 1137).
    "RU": {"number_prefix": "", "payment_terms_days": 5},
    # Poland: "kolejny numer, nadany w ramach jednej lub więcej serii"
    # (ustawa o VAT art. 106e ust. 1 pkt 2); FV/YEAR/N is usual.
    "PL": {"number_prefix": "FV", "payment_terms_days": 14},
}
"""What ``init --preset`` sets for a seller of each preset country."""

_PREFIX = re.compile(r"^[A-Za-z0-9/]{0,12}$")


def _refuse(field: str, reason: str) -> ActionRefused:
    return ActionRefused("invalid", f"{field}: {reason}")


def _clean(row: BillingSettings) -> None:
    """Normalise and check ``row`` in place; refuse naming the first bad field."""
    for name in TEXT_FIELDS:
        setattr(row, name, str(getattr(row, name) or "").strip())
    row.country = row.country.upper()
    if row.country and not re.fullmatch(r"[A-Z]{2}", row.country):
        raise _refuse("country", _("give the two-letter ISO 3166 code, e.g. BG."))
    try:
        row.vat_id = normalise_vat_id(row.vat_id, row.country)
    except TaxIdError as exc:
        raise _refuse("vat_id", tax_id_reason(exc)) from exc
    try:
        row.registration_number = normalise_registration_number(
            row.registration_number, row.country
        )
    except TaxIdError as exc:
        raise _refuse("registration_number", tax_id_reason(exc)) from exc
    if row.bank_account:
        compact = re.sub(r"\s", "", row.bank_account)
        if row.country == "RU" and re.fullmatch(r"\d{20}", compact):
            row.bank_account = compact  # a Russian расчётный счёт
        else:
            try:
                row.bank_account = normalise_iban(compact)
            except TaxIdError as exc:
                raise _refuse("bank_account", tax_id_reason(exc)) from exc
    if row.bank_bic:
        if row.country == "RU" and re.fullmatch(r"04\d{7}", row.bank_bic):
            pass  # a Russian БИК
        else:
            try:
                row.bank_bic = normalise_bic(row.bank_bic)
            except TaxIdError as exc:
                raise _refuse("bank_bic", tax_id_reason(exc)) from exc
    for name in ("number_prefix", "credit_note_prefix"):
        if not _PREFIX.match(getattr(row, name)):
            raise _refuse(name, _("up to 12 letters, digits or slashes."))
    if row.number_reset not in NumberReset.values:
        raise _refuse(
            "number_reset", _("must be one of: %(values)s.") % {"values": ", ".join(NumberReset)}
        )
    if not 1 <= int(row.number_width) <= 10:
        raise _refuse("number_width", _("between 1 and 10 digits."))
    if not 0 <= int(row.payment_terms_days) <= 365:
        raise _refuse("payment_terms_days", _("between 0 and 365 days."))
    if not 0 <= int(row.hold_after_days) <= 365:
        raise _refuse("hold_after_days", _("between 0 and 365 days."))
    known = {code for code, _name in django_settings.LANGUAGES}
    languages = list(row.invoice_languages or [])
    for code in languages:
        if code not in known:
            raise _refuse(
                "invoice_languages",
                _("unknown language %(code)s; one of: %(known)s.")
                % {"code": code, "known": ", ".join(sorted(known))},
            )
    row.invoice_languages = list(dict.fromkeys(languages))
    row.vat_rates = _clean_rates(row.vat_rates)


def _clean_rates(rows: Any) -> list[dict[str, str]]:
    """The vendor's own rates as ``[{"country", "rate", "from", "source"}]``."""
    if isinstance(rows, dict):
        rows = [{"country": k, "rate": v, "from": "2000-01-01"} for k, v in rows.items()]
    cleaned = []
    for row in rows or []:
        try:
            country = str(row["country"]).strip().upper()
            rate = Decimal(str(row["rate"]))
            starts = date.fromisoformat(str(row.get("from") or "2000-01-01"))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise _refuse(
                "vat_rates",
                _("each rate needs a country, a rate in percent and a first day (YYYY-MM-DD)."),
            ) from exc
        if not re.fullmatch(r"[A-Z]{2}", country) or not Decimal(0) <= rate <= Decimal(100):
            raise _refuse(
                "vat_rates",
                _("each rate needs a country, a rate in percent and a first day (YYYY-MM-DD)."),
            )
        cleaned.append(
            {
                "country": country,
                "rate": str(rate),
                "from": starts.isoformat(),
                "source": str(row.get("source", "")).strip(),
            }
        )
    return cleaned


@transaction.atomic
def do_update_seller(
    *, acting_user: Any, now: datetime | None = None, **changes: Any
) -> BillingSettings:
    """Change the seller's identity and billing settings (``FIELDS``). Checked
    as a whole: nothing is saved if one field is refused. Issued invoices
    keep the seller they were issued with (frozen ``vendor``)."""
    at = now or clock.now()
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise _refuse(unknown[0], _("not a billing setting."))
    get_billing_settings()
    row = BillingSettings.objects.select_for_update().get(pk=1)
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    _clean(row)
    row.save()
    changed = {
        name: [str(before[name]), str(getattr(row, name))]
        for name in changes
        if before[name] != getattr(row, name)
    }
    write_audit(acting_user=acting_user, action="update_seller", obj=row, at=at, detail=changed)
    return row


def seller_defaults(country: str, language: str) -> dict[str, Any]:
    """What a vendor of ``country`` writing ``language`` starts with: its
    country, invoices in its language and in English, and the country's
    usual numbering and payment terms (``COUNTRY_DEFAULTS``)."""
    languages = list(dict.fromkeys([language, "en"]))
    return {"country": country, "invoice_languages": languages, **COUNTRY_DEFAULTS.get(country, {})}


def do_apply_seller_defaults(
    *, acting_user: Any, country: str, language: str, now: datetime | None = None
) -> BillingSettings:
    """Set the country's defaults (``seller_defaults``), keeping the identity
    fields an administrator already filled in."""
    return do_update_seller(acting_user=acting_user, now=now, **seller_defaults(country, language))
