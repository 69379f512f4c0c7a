"""The one permission matrix: which role may do what.

Roles are the staff roles (agent, manager, administrator, from
``StaffMember.role``) and the customer's role (``contact``: a portal login or
a customer's API token). A capability names a piece of the business; each
role holds a set of them, written once below. The front doors classify
their pages and operations by capability (``supportledger.console.matrix``
by URL name, ``supportledger.api.matrix`` by operation id) and ask
:func:`role_can`; the admin asks :func:`is_administrator`. Nothing else
decides who may do what.

Each capability is also a Django permission ``supportledger.<capability>``
through the ``rules`` backend, so ``user.has_perm("supportledger.bill")``
and ``{% if perms.supportledger.bill %}`` answer from the same matrix.
"""

from __future__ import annotations

from typing import Any

import rules

from supportledger.core.prepared import Prepared
from supportledger.customers.models import StaffMember, StaffRole

AGENT = StaffRole.AGENT.value
MANAGER = StaffRole.MANAGER.value
ADMINISTRATOR = StaffRole.ADMINISTRATOR.value
CONTACT = "contact"
ROLES = (AGENT, MANAGER, ADMINISTRATOR, CONTACT)
STAFF_ROLES = (AGENT, MANAGER, ADMINISTRATOR)

# --- capabilities -------------------------------------------------------------
READ = "read"
CONVERSE = "converse"
USE_LICENCES = "use_licences"
WORK = "work"
ORDER = "order"
SEE_BILLING = "see_billing"
SELL = "sell"
BILL = "bill"
TAKE_PAYMENTS = "take_payments"
DECIDE_CLAIMS = "decide_claims"
EDIT_OFFERS = "edit_offers"
EDIT_CALENDAR = "edit_calendar"
CONFIGURE = "configure"
MANAGE_DESK = "manage_desk"
CONTACTS = "contacts"

# What each capability covers, for people reading the matrix (docs/security.md).
CAPABILITIES: dict[str, str] = {
    READ: "see customers, licences, entitlements, requests and the catalogue",
    CONVERSE: "open requests and write on their threads",
    CONTACTS: "add a customer's contacts (a customer: its own; an address is proven first)",
    USE_LICENCES: "activate and deactivate licences on workstations",
    WORK: (
        "work requests: queue, assignment, status, timers, recorded time, mail, "
        "appointments and remote sessions"
    ),
    ORDER: "place and cancel orders",
    SEE_BILLING: "see orders and invoices",
    SELL: "sell: customers, contacts, licences, vouchers, contracts, incident packs",
    BILL: "bill: billing runs, issuing and cancelling invoices, exports",
    TAKE_PAYMENTS: "mark invoices paid and issue credit notes",
    DECIDE_CLAIMS: "accept or reject claims against work",
    EDIT_OFFERS: "edit offers and prices",
    EDIT_CALENDAR: "add and remove the calendar's working-day exceptions",
    MANAGE_DESK: "manage the desk's canned replies",
    CONFIGURE: "configure the vendor, staff and the billing identity (the admin)",
}

_AGENT = frozenset({READ, CONVERSE, CONTACTS, USE_LICENCES, WORK})
_MANAGER = _AGENT | {
    ORDER,
    SEE_BILLING,
    SELL,
    BILL,
    TAKE_PAYMENTS,
    DECIDE_CLAIMS,
    EDIT_OFFERS,
    EDIT_CALENDAR,
    MANAGE_DESK,
}
_ADMINISTRATOR = _MANAGER | {CONFIGURE}
# A contact acts only within its own customer: the doors scope every lookup.
_CONTACT = frozenset({READ, CONVERSE, CONTACTS, USE_LICENCES, ORDER, SEE_BILLING})

MATRIX: dict[str, frozenset[str]] = {
    AGENT: _AGENT,
    MANAGER: _MANAGER,
    ADMINISTRATOR: _ADMINISTRATOR,
    CONTACT: _CONTACT,
}

# Markers a door may classify a page or operation with instead of a capability.
PUBLIC = "public"  # anyone, signed in or not (login and logout pages)
STAFF = "staff"  # any staff member, whatever the role (their own second factor)


def role_can(role: str | None, capability: str) -> bool:
    """Whether ``role`` holds ``capability`` (no role holds nothing)."""
    if capability == PUBLIC:
        return True
    if role is None:
        return False
    if capability == STAFF:
        return role in STAFF_ROLES
    return capability in MATRIX.get(role, frozenset())


_STAFF_ROW = Prepared(
    lambda user_id: StaffMember.objects.filter(user_id=user_id).order_by("pk")[:1], int
)
"""The staff row of a user id, its SQL compiled once (it runs on every request)."""


def staff_member_of(user: Any) -> StaffMember | None:
    """The staff row of ``user`` (None for anonymous, inactive and non-staff
    users), read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, "_staff_member_row"):
        # By the key alone (the default ordering would join the users to
        # sort one row); the member's user is the one already loaded.
        found = _STAFF_ROW.objects(user.pk)
        member = found[0] if found else None
        if member is not None:
            member.user = user
        user._staff_member_row = member
    return user._staff_member_row  # type: ignore[no-any-return]


def staff_role_of(user: Any) -> str | None:
    """The staff role of ``user``: a superuser counts as an administrator;
    None for anonymous, inactive and non-staff users."""
    member = staff_member_of(user)
    if member is None:
        return ADMINISTRATOR if getattr(user, "is_superuser", False) and user.is_active else None
    return ADMINISTRATOR if user.is_superuser else member.role


def is_administrator(user: Any) -> bool:
    return staff_role_of(user) == ADMINISTRATOR


def _capability_predicate(capability: str) -> Any:
    @rules.predicate(name=f"holds_{capability}")
    def holds(user: Any) -> bool:
        return role_can(staff_role_of(user), capability)

    return holds


for _capability in CAPABILITIES:
    rules.set_perm(f"supportledger.{_capability}", _capability_predicate(_capability))
