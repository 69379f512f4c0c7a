"""Receivers of the desk for other apps' signals."""

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User

from supportledger.desk.actions.work import do_rerate_since


def rerate_after_grant(
    sender: Any,
    *,
    customer_id: int,
    since: date,
    acting_user: User | None,
    at: datetime,
    request_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Entitlements valid from ``since`` were added: re-rate the customer's
    uninvoiced work from that day on (only ``request_id``'s when the grant is
    limited to one request), in the granting transaction."""
    do_rerate_since(
        acting_user=acting_user,
        customer_id=customer_id,
        since=since,
        request_id=request_id,
        now=at,
    )
