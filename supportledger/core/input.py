"""What every door checks in what people and programs type, before any action sees it.

- Dates and instants must lie in ``EARLIEST_DATE`` .. ``LATEST_DATE``: a
  year 1 or 9999 is a typing slip, and date arithmetic on it overflows.
- Work may end at most ``FUTURE_WORK_TOLERANCE`` after now (a clock a few
  minutes fast is fine; work dated next year is not).
- Control characters (NUL and the rest of C0, DEL, C1) are removed from text
  at the edges; line feeds and tabs stay, a carriage return is dropped
  (``\\r\\n`` from a browser becomes ``\\n``). PostgreSQL refuses NUL in text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2099, 12, 31)
FUTURE_WORK_TOLERANCE = timedelta(minutes=15)

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control_characters(text: str) -> str:
    """``text`` without control characters other than ``\\n`` and ``\\t``."""
    return _CONTROL.sub("", text)


def date_in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def range_message() -> str:
    return f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
