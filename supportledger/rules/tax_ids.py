"""Tax and registration numbers of customers and of the vendor, checked with
python-stdnum: format, length and check digits.

- VAT ids: every EU member state (``stdnum.eu.vat``: the number carries its
  country prefix, EL for Greece, and must match the customer's country);
  for Hungary also the domestic adószám ``NNNNNNNN-N-NN`` (its eight digits
  checked as the EU id's);
  Russia's INN (``stdnum.ru.inn``, 10 digits for an organisation, 12 for a
  person) written with or without the ``RU`` prefix.
- Registration numbers, where a national scheme has a checked format:
  Bulgaria's ЕИК/BULSTAT (``stdnum.bg.vat`` 9 or 10 digits, or 13 for a
  branch), Poland's KRS (10 digits) or REGON (``stdnum.pl.regon``), Russia's
  ОГРН/ОГРНИП (``stdnum.ru.ogrn``), Hungary's cégjegyzékszám
  (``NN-NN-NNNNNN``), Greece's ΓΕΜΗ number (9 to 12 digits). Elsewhere the
  number is kept as typed.
- Bank: IBAN (``stdnum.iban``) and BIC (``stdnum.bic``).

Each check returns the number in its standard written form or raises
``TaxIdError`` with a reason in English; callers name the field and
translate.
"""

from __future__ import annotations

import re

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.bg import vat as bg_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.hu import anum as hu_anum
from stdnum.pl import regon as pl_regon
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn

from supportledger.rules.vat import EU_MEMBER_STATES, vat_id_country

__all__ = [
    "TaxIdError",
    "normalise_bic",
    "normalise_iban",
    "normalise_registration_number",
    "normalise_vat_id",
]


class TaxIdError(ValueError):
    """``code`` is ``format``, ``length``, ``checksum``, ``country`` or
    ``unsupported``; ``str()`` is the reason in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _reason(exc: ValidationError) -> TaxIdError:
    if isinstance(exc, InvalidChecksum):
        return TaxIdError("checksum", "the check digits do not match")
    if isinstance(exc, InvalidLength):
        return TaxIdError("length", "the number has the wrong length")
    if isinstance(exc, InvalidComponent):
        return TaxIdError("format", "the number has a part that cannot exist")
    if isinstance(exc, InvalidFormat):
        return TaxIdError("format", "the number is not written the way this country writes it")
    return TaxIdError("format", "the number is not valid")


def normalise_vat_id(value: str, country: str) -> str:
    """``value`` as a VAT id of a business in ``country`` (ISO 3166), in its
    compact form with the country prefix (``BG175074752``, ``EL094259216``,
    ``RU7707083893``); ``""`` stays ``""``. Raises ``TaxIdError``."""
    text = value.strip()
    if not text:
        return ""
    country = country.upper()
    if country == "RU":
        digits = re.sub(r"[\s-]", "", text).upper().removeprefix("RU")
        try:
            return "RU" + str(ru_inn.validate(digits))
        except ValidationError as exc:
            raise _reason(exc) from exc
    if country not in EU_MEMBER_STATES:
        # No checked scheme: kept as written, only trimmed.
        return text
    if country == "HU":
        domestic = _HU_TAX_NUMBER.match(re.sub(r"\s", "", text))
        if domestic:
            # The Hungarian adószám (NAV asks for it): the EU VAT id's eight
            # digits, checked, plus the VAT code and the county code.
            try:
                hu_anum.validate(domestic.group(1))
            except ValidationError as exc:
                raise _reason(exc) from exc
            return "-".join(domestic.groups())
    prefix = vat_id_country(country)
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if compact[:2].isalpha() and compact[:2] != prefix:
        raise TaxIdError(
            "country", f"a VAT id of this country starts with {prefix}, not {compact[:2]}"
        )
    if not compact[:2].isalpha():
        compact = prefix + compact
    try:
        return str(eu_vat.validate(compact))
    except ValidationError as exc:
        raise _reason(exc) from exc


_HU_TAX_NUMBER = re.compile(r"^(\d{8})-?([1-5])-?(\d{2})$")
_HU_COMPANY = re.compile(r"^\d{2}-\d{2}-\d{6}$")
_GR_GEMI = re.compile(r"^\d{9,12}$")
_PL_KRS = re.compile(r"^\d{10}$")


def normalise_registration_number(value: str, country: str) -> str:
    """``value`` as a company registration number of ``country``; checked
    where the country's scheme has a known format (module docstring), else
    trimmed. ``""`` stays ``""``. Raises ``TaxIdError``."""
    text = value.strip()
    if not text:
        return ""
    country = country.upper()
    compact = re.sub(r"\s", "", text)
    try:
        if country == "BG":
            digits = compact.upper().removeprefix("BG")
            if len(digits) == 13 and digits.isdigit():
                # A branch: the company's 9 digits plus 4 (checked on the 9).
                bg_vat.validate(digits[:9])
                return digits
            return str(bg_vat.validate(digits))
        if country == "PL":
            digits = compact.replace("-", "")
            if _PL_KRS.match(digits):
                return digits
            return str(pl_regon.validate(digits))
        if country == "RU":
            return str(ru_ogrn.validate(compact))
    except ValidationError as exc:
        raise _reason(exc) from exc
    if country == "HU" and not _HU_COMPANY.match(compact):
        raise TaxIdError("format", "a Hungarian company registration number reads 01-09-123456")
    if country == "GR" and not _GR_GEMI.match(compact):
        raise TaxIdError("format", "a Greek GEMI number has 9 to 12 digits")
    return text


def normalise_iban(value: str) -> str:
    """An IBAN in its compact form (``BG80BNBG96611020345678``); raises
    ``TaxIdError`` on a wrong country format or check digits."""
    try:
        return str(stdnum_iban.validate(value))
    except ValidationError as exc:
        raise _reason(exc) from exc


def normalise_bic(value: str) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters, upper case."""
    try:
        return str(stdnum_bic.validate(value))
    except ValidationError as exc:
        raise _reason(exc) from exc
