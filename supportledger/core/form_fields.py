"""Form fields every console and portal form uses for dates: the same sane
range as the API (``core.input``: 1990-01-01 .. 2099-12-31), refused as a
form error on the field that was typed, never a 500 from date arithmetic on
year 9999."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from supportledger.core.input import EARLIEST_DATE, LATEST_DATE, date_in_range


def out_of_range_message() -> str:
    return _("Give a date between %(first)s and %(last)s.") % {
        "first": EARLIEST_DATE.isoformat(),
        "last": LATEST_DATE.isoformat(),
    }


def check_date_in_range(value: date | datetime | None) -> None:
    """Raise the field's ``ValidationError`` for a date outside the range."""
    if value is not None and not date_in_range(value):
        raise forms.ValidationError(out_of_range_message(), code="date_out_of_range")


class InRangeDateField(forms.DateField):
    """A ``DateField`` that refuses days outside 1990-01-01 .. 2099-12-31."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        check_date_in_range(value)


class InRangeDateTimeField(forms.DateTimeField):
    """A ``DateTimeField`` that refuses instants outside the range."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        check_date_in_range(value)
