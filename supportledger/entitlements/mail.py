"""The entitlements' mail: balance alerts at their thresholds, and release
announcements to the contacts whose licences may download the release.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.customers.models import Contact, Customer
from supportledger.mail.compose import OutgoingMail, new_message_id, render_mail, supported_language
from supportledger.mail.models import OutboundKind, OutboundMail
from supportledger.mail.outbox import queue_mail


def queue_balance_alerts(*, acting_user: Any = None, now: datetime | None = None) -> int:
    """Queue every balance alert not yet notified for its customer's
    contacts, each in the contact's language, and mark it notified, in one
    transaction per alert (locked, so two workers never queue it twice).
    Called by the worker. Returns the number of alerts notified."""
    from supportledger.entitlements.queries import list_unnotified_balance_alerts

    at = now or clock.now()
    notified = 0
    for alert_id in list(list_unnotified_balance_alerts().values_list("pk", flat=True)):
        with transaction.atomic():
            notified += _queue_balance_alert(alert_id, acting_user=acting_user, at=at)
    return notified


def _queue_balance_alert(alert_id: int, *, acting_user: Any, at: datetime) -> int:
    from supportledger.entitlements.models import BalanceAlert

    alert = (
        BalanceAlert.objects.select_for_update(of=("self",))
        .select_related("entitlement__customer")
        .get(pk=alert_id)
    )
    if alert.notified_at is not None:
        return 0
    entitlement = alert.entitlement
    customer = entitlement.customer
    for contact in Contact.objects.filter(customer=customer).order_by("pk"):
        language = supported_language(contact.language, customer.language)
        context = {
            "alert": alert,
            "entitlement": entitlement,
            "customer": customer,
            "contact": contact,
            "hours_left": _hours(entitlement.balance_minutes),
        }
        subject, body = render_mail("balance_alert", context, language)
        mail = OutgoingMail(
            to=contact.email,
            subject=subject,
            body=body,
            language=language,
            message_id=new_message_id(),
            automatic="auto-generated",
        )
        queue_mail(
            mail, kind=OutboundKind.BALANCE_ALERT, at=at, balance_alert=alert, contact=contact
        )
    alert.notified_at = at
    alert.save(update_fields=["notified_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SEND_BALANCE_ALERT,
        obj=alert,
        at=at,
        detail={"threshold": alert.threshold, "entitlement": entitlement.reference},
    )
    return 1


def _hours(minutes: int) -> str:
    """Whole minutes as H:MM, the way a balance of hours is read."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def queue_release_mails(*, acting_user: Any = None, release: Any, at: datetime) -> int:
    """Queue the announcement of ``release`` for every contact of every
    customer that may download it today (``rules.eligibility.may_download``,
    policy time zone), each in the contact's language; once per contact and
    release however often it is called. Call it in the transaction that
    publishes the release. Returns the number of mails queued."""
    from supportledger.core.convert import kind_defaults_from_row
    from supportledger.core.queries import get_vendor_policy
    from supportledger.entitlements.convert import (
        entitlement_to_rules,
        licence_to_rules,
        local_date,
    )
    from supportledger.entitlements.models import Entitlement, Licence
    from supportledger.rules import types as rules
    from supportledger.rules.eligibility import may_download

    policy = get_vendor_policy()
    today = local_date(at, policy.timezone)
    kind_defaults = kind_defaults_from_row(policy)
    product = release.product
    rules_release = rules.Release(product.code, release.version, release.released_on)
    licences_by_customer: dict[int, list[rules.Licence]] = {}
    for licence in Licence.objects.filter(product=product).select_related("product"):
        licences_by_customer.setdefault(licence.customer_id, []).append(licence_to_rules(licence))
    already = set(
        OutboundMail.objects.filter(kind=OutboundKind.RELEASE, release=release).values_list(
            "contact_id", flat=True
        )
    )
    queued = 0
    for customer in Customer.objects.filter(pk__in=licences_by_customer).order_by("pk"):
        rows = (
            Entitlement.objects.filter(customer=customer)
            .select_related("licence__product")
            .prefetch_related("products")
        )
        entitlements = [entitlement_to_rules(row, kind_defaults=kind_defaults) for row in rows]
        verdict = may_download(
            licences_by_customer[customer.pk], entitlements, rules_release, today
        )
        if not verdict.allowed:
            continue
        for contact in customer.contacts.order_by("pk"):
            if contact.pk in already:
                continue
            language = supported_language(contact.language, customer.language)
            subject, body = render_mail(
                "release",
                {"release": release, "product": product, "customer": customer, "contact": contact},
                language,
            )
            mail = OutgoingMail(
                to=contact.email,
                subject=subject,
                body=body,
                language=language,
                message_id=new_message_id(),
                automatic="auto-generated",
            )
            row = queue_mail(
                mail, kind=OutboundKind.RELEASE, at=at, release=release, contact=contact
            )
            write_audit(
                acting_user=acting_user, action=AuditAction.QUEUE_RELEASE_MAIL, obj=row, at=at
            )
            queued += 1
    return queued
