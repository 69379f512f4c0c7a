"""A job for the many-processes test: grants minutes in a transaction that
stays open for ``seconds``, so a worker can be killed in the middle of it."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import task

from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.models import Entitlement


@task()
def grant_slowly(entitlement_id: int, note: str, seconds: float) -> str:
    with transaction.atomic():
        entitlement = Entitlement.objects.get(pk=entitlement_id)
        do_adjust_balance(acting_user=None, entitlement=entitlement, minutes=60, note=note)
        time.sleep(seconds)
    return note
