"""The consent a customer gives before a remote session: the terms in force
and each contact's recorded consent.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.catalog.models import ServicePrice
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.service.models import (
    Consent,
    ConsentTerms,
)
from supportledger.service.queries import (
    get_consent_terms,
)


@transaction.atomic
def do_set_consent_terms(
    *,
    acting_user: User | None,
    language: str,
    text: str,
    now: datetime | None = None,
) -> ConsentTerms:
    """New terms in ``language``: the next version; the old ones stay, so a
    consent keeps pointing at what it agreed to. The same text again writes
    nothing."""
    at = now or clock.now()
    text = (text or "").strip()
    if not text:
        raise ActionRefused("invalid", "text: " + _("the terms cannot be empty."))
    language = (language or "").strip().lower()
    if not language or len(language) > 8:
        raise ActionRefused("invalid", "language: " + _("a language code such as pl."))
    current = get_consent_terms(language, fallback=False)
    if current is not None and current.text == text:
        return current
    terms = ConsentTerms.objects.create(
        language=language,
        version=(current.version + 1) if current is not None else 1,
        text=text,
        created_at=at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_CONSENT_TERMS,
        obj=terms,
        at=at,
        detail={"language": language, "version": terms.version},
    )
    return terms


@transaction.atomic
def do_record_consent(
    *,
    acting_user: User | None,
    contact: Contact,
    request: Request,
    terms_version: str,
    price_list_version: str,
    ip_address: str,
    now: datetime | None = None,
) -> Consent:
    """Record that ``contact`` agreed to the terms (``terms_version``) and the
    service price list (``price_list_version``: the first day of a price list,
    YYYY-MM-DD) for ``request``, from ``ip_address``."""
    at = now or clock.now()
    if contact.customer_id != request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    terms_version = (terms_version or "").strip()
    if not terms_version:
        raise ActionRefused(
            "invalid", "terms_version: " + _("the version of the terms is required.")
        )
    try:
        first_day = date.fromisoformat((price_list_version or "").strip())
    except ValueError:
        first_day = None
    price_list = (
        ServicePrice.objects.filter(effective_from=first_day).first() if first_day else None
    )
    if price_list is None:
        raise ActionRefused(
            "unknown_price_list",
            "price_list_version: "
            + _("no service price list starts on %(version)s.") % {"version": price_list_version},
        )
    if not ip_address:
        raise ActionRefused(
            "invalid", "ip_address: " + _("the address of the consent is required.")
        )
    consent = Consent.objects.create(
        contact=contact,
        request=request,
        terms_version=terms_version,
        price_list_version=price_list.effective_from.isoformat(),
        price_list=price_list,
        given_at=at,
        ip_address=ip_address,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RECORD_CONSENT,
        obj=consent,
        at=at,
        detail={
            "contact": contact.pk,
            "request": request.pk,
            "terms_version": terms_version,
            "price_list_version": consent.price_list_version,
            "ip_address": ip_address,
        },
    )
    return consent
