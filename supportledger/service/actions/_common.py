"""What several service actions share."""

from __future__ import annotations

from supportledger.core.convert import policy_from_row
from supportledger.core.queries import get_vendor_policy
from supportledger.rules.types import Policy


def rules_policy() -> Policy:
    """The rules' Policy without rates: enough for the calendar, the service
    area and the claim settings."""
    return policy_from_row(get_vendor_policy(), {})
