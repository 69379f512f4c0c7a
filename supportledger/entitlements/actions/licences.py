"""A licence's activations: activated on a machine, deactivated, moved to
another.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Customer
from supportledger.entitlements.models import (
    Activation,
    Licence,
)


@transaction.atomic
def do_activate_licence(
    *,
    acting_user: User | None,
    licence: Licence,
    workstation: str,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> Activation:
    """Activate ``licence`` on ``workstation``; refused beyond its seats.
    ``customer``: who asks (a contact's customer); a licence of another
    customer is refused with ``wrong_customer``."""
    at = now or clock.now()
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    _check_owner(licence, customer)
    active = licence.activations.filter(deactivated_at__isnull=True)
    if active.filter(workstation=workstation).exists():
        raise ActionRefused("already_active", f"{licence.reference} is active on {workstation}.")
    if active.count() >= licence.seats:
        raise ActionRefused(
            "no_free_seat", f"{licence.reference} is active on all its {licence.seats} seats."
        )
    activation = Activation.objects.create(
        licence=licence, workstation=workstation, activated_at=at
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ACTIVATE_LICENCE,
        obj=activation,
        at=at,
        detail={"licence": licence.reference, "workstation": workstation},
    )
    return activation


@transaction.atomic
def do_deactivate_licence(
    *,
    acting_user: User | None,
    licence: Licence,
    workstation: str,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> Activation:
    at = now or clock.now()
    _check_owner(licence, customer)
    activation = (
        Activation.objects.select_for_update()
        .filter(licence=licence, workstation=workstation, deactivated_at__isnull=True)
        .first()
    )
    if activation is None:
        raise ActionRefused("not_active", f"{licence.reference} is not active on {workstation}.")
    activation.deactivated_at = at
    activation.save(update_fields=["deactivated_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.DEACTIVATE_LICENCE,
        obj=activation,
        at=at,
        detail={"licence": licence.reference, "workstation": workstation},
    )
    return activation


@transaction.atomic
def do_move_licence(
    *,
    acting_user: User | None,
    licence: Licence,
    from_workstation: str,
    to_workstation: str,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> Activation:
    """Moving a product to another workstation: a deactivation and an
    activation, both rows kept."""
    at = now or clock.now()
    do_deactivate_licence(
        acting_user=acting_user,
        licence=licence,
        workstation=from_workstation,
        customer=customer,
        now=at,
    )
    return do_activate_licence(
        acting_user=acting_user,
        licence=licence,
        workstation=to_workstation,
        customer=customer,
        now=at,
    )


def _check_owner(licence: Licence, customer: Customer | None) -> None:
    if customer is not None and licence.customer_id != customer.pk:
        raise ActionRefused("wrong_customer", "licence: the licence belongs to another customer.")
