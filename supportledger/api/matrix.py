"""Every API operation by operation id, with the capability it needs.

:func:`enforce_roles` wraps each operation's handler when the API is built
(``supportledger.api.v1``), so the check runs after the token is resolved
and before the handler: the caller's role (a staff token's staff role, or
``contact`` for a customer's token) must hold the capability, else 403
``role_forbidden`` and an audit row. An operation missing here is refused to
every caller (deny by default), and tests/api/test_role_matrix.py fails on
it. Which role holds which capability is written once, in
``supportledger.customers.permissions``.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from supportledger.api.auth import Caller, caller_of
from supportledger.api.errors import error_response
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.customers.permissions import (
    CONTACT,
    CONTACTS,
    CONVERSE,
    ORDER,
    READ,
    ROLES,
    SEE_BILLING,
    SELL,
    TAKE_PAYMENTS,
    USE_LICENCES,
    WORK,
    role_can,
    staff_role_of,
)

logger = logging.getLogger(__name__)

_P = "supportledger_api_endpoints_"

OPERATION_CAPABILITIES: dict[str, str] = {
    f"{_P}me_get_me": READ,
    # customers and contacts
    f"{_P}customers_list_customers": READ,
    f"{_P}customers_get_customer": READ,
    # what a customer may get by each mode now, and at what price (a
    # customer's token: its own customer only)
    f"{_P}customers_get_customer_eligibility": READ,
    f"{_P}customers_create_customer": SELL,
    # billing data: staff who sell, and a customer's own contacts (its token
    # reaches only its own customer)
    f"{_P}customers_update_customer_billing": ORDER,
    f"{_P}customers_list_contacts": READ,
    f"{_P}customers_get_contact": READ,
    f"{_P}customers_add_contact": CONTACTS,
    # catalogue
    f"{_P}catalog_list_products": READ,
    f"{_P}catalog_get_product": READ,
    f"{_P}catalog_list_product_prices": READ,
    f"{_P}catalog_list_service_prices": READ,
    f"{_P}catalog_list_releases": READ,
    f"{_P}catalog_get_release": READ,
    # licences and entitlements
    f"{_P}entitlements_list_licences": READ,
    f"{_P}entitlements_get_licence": READ,
    f"{_P}entitlements_sell_licence": SELL,
    f"{_P}entitlements_list_activations": READ,
    f"{_P}entitlements_get_activation": READ,
    f"{_P}entitlements_activate_licence": USE_LICENCES,
    f"{_P}entitlements_deactivate_licence": USE_LICENCES,
    f"{_P}entitlements_get_renewal_quote": READ,
    f"{_P}entitlements_list_entitlements": READ,
    f"{_P}entitlements_get_entitlement": READ,
    f"{_P}entitlements_sell_voucher": SELL,
    f"{_P}entitlements_sell_contract": SELL,
    f"{_P}entitlements_sell_incident_pack": SELL,
    f"{_P}entitlements_sell_offer": SELL,
    # the desk
    f"{_P}desk_list_requests": READ,
    f"{_P}desk_get_request": READ,
    f"{_P}desk_open_request": CONVERSE,
    f"{_P}desk_list_messages": READ,
    f"{_P}desk_post_message": CONVERSE,
    f"{_P}desk_list_work_entries": READ,
    f"{_P}desk_get_work_entry": READ,
    f"{_P}desk_record_work": WORK,
    f"{_P}desk_preview_rating": READ,
    # offers, orders and invoices
    f"{_P}billing_list_offers": READ,
    f"{_P}billing_list_orders": SEE_BILLING,
    f"{_P}billing_get_order": SEE_BILLING,
    f"{_P}billing_place_order": ORDER,
    f"{_P}billing_cancel_order": ORDER,
    f"{_P}billing_list_invoices": SEE_BILLING,
    f"{_P}billing_get_invoice": SEE_BILLING,
    f"{_P}billing_get_invoice_pdf": SEE_BILLING,
    f"{_P}billing_get_invoice_xml": SEE_BILLING,
    f"{_P}billing_mark_invoice_paid": TAKE_PAYMENTS,
}


def role_of_caller(caller: Caller) -> str | None:
    """``contact`` for a customer's token, else the staff role of the token's user."""
    if caller.customer_id is not None:
        return CONTACT
    return staff_role_of(caller.token.user)


def refusal(request: HttpRequest, operation_id: str) -> HttpResponse | None:
    """403 ``role_forbidden`` (audited) unless the caller's role may run ``operation_id``.

    None lets the operation run: its caller may, or it has no valid token
    (the operation's authentication then answers 401).
    """
    caller = caller_of(request)
    if caller is None:
        return None
    capability = OPERATION_CAPABILITIES.get(operation_id)
    role = role_of_caller(caller)
    if capability is not None and role_can(role, capability):
        return None
    write_audit(
        acting_user=caller.token.user
        if caller.token.user_id
        else (caller.token.contact.user if caller.token.contact else None),
        action="refuse_access",
        obj=caller.token,
        at=clock.now(),
        detail={
            "door": "api",
            "operation": operation_id,
            "method": request.method or "",
            "path": request.path[:300],
            "role": role or "",
            "needs": capability or "unclassified",
        },
    )
    if capability is None:
        logger.error("API operation %s is not in the role matrix; refused.", operation_id)
        return error_response(403, "role_forbidden", "This operation is not open to any role yet.")
    allowed = ", ".join(r for r in ROLES if role_can(r, capability))
    return error_response(
        403,
        "role_forbidden",
        f"A token of role {role or 'none'} may not do this; it needs one of: {allowed}.",
    )


def enforce_roles(api: NinjaAPI) -> None:
    """Put :func:`refusal` in front of every operation of ``api``.

    An API-wide decorator in ninja's "view" mode: ninja applies it to each
    operation as the operation is bound to the API, outermost, around the
    write wrapper, so a refused write takes no idempotency key and the audit
    row of the refusal is not rolled back with it.
    """
    api.add_decorator(functools.partial(_checked, api), mode="view")


def _checked(api: NinjaAPI, run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    operation = inspect.unwrap(run).__self__  # type: ignore[attr-defined]
    operation_id = operation.operation_id or api.get_openapi_operation_id(operation)

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = refusal(request, operation_id)
        if refused is not None:
            return refused
        return run(request, *args, **kwargs)

    return wrapped
