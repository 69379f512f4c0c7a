"""Holds for customers with overdue invoices, and renewal reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from supportledger.billing import mail
from supportledger.billing.models import (
    ReminderStage,
    SentReminder,
)
from supportledger.billing.queries import (
    get_billing_settings,
    list_overdue_invoices,
    list_renewal_reminders_due,
)
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_put_customer_on_hold
from supportledger.customers.models import Customer
from supportledger.entitlements.convert import local_date

# --- Holds and reminders --------------------------------------------------


def do_hold_overdue_customers(
    *, acting_user: User | None, now: datetime | None = None
) -> list[Customer]:
    """Put on hold every customer with an invoice unpaid ``hold_after_days``
    past its due date (when the settings ask for it), and tell them by mail."""
    at = now or clock.now()
    settings = get_billing_settings()
    if not settings.hold_when_overdue:
        return []
    today = local_date(at, get_vendor_policy().timezone)
    held = []
    overdue = list_overdue_invoices(today=today - timedelta(days=settings.hold_after_days))
    for invoice in overdue.filter(customer__on_hold=False).order_by("customer_id", "due_on"):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=invoice.customer_id)
            if customer.on_hold:
                continue
            do_put_customer_on_hold(
                acting_user=acting_user,
                customer=customer,
                invoice=invoice,
                now=at,
            )
            SentReminder.objects.get_or_create(
                customer=customer,
                stage=ReminderStage.OVERDUE,
                key=invoice.number or "",
                defaults={"invoice": invoice, "sent_at": at},
            )
            mail.queue_on_hold_notice(customer, invoice, at=at)
            held.append(customer)
    return held


def do_send_renewal_reminders(*, acting_user: User | None, now: datetime | None = None) -> int:
    """Send each renewal reminder due today once: ``reminder_days_before``
    days before a support period, contract or incident pack ends, and on the
    first day of the grace month, with the price of renewing that day."""
    at = now or clock.now()
    today = local_date(at, get_vendor_policy().timezone)
    sent = 0
    for due in list_renewal_reminders_due(today=today):
        with transaction.atomic():
            _, created = SentReminder.objects.get_or_create(
                customer=due.entitlement.customer,
                stage=due.stage,
                key=due.key,
                defaults={"entitlement": due.entitlement, "sent_at": at},
            )
            if not created:
                continue
            mail.queue_renewal_reminder(due, at=at)
            write_audit(
                acting_user=acting_user,
                action=AuditAction.SEND_RENEWAL_REMINDER,
                obj=due.entitlement,
                at=at,
                detail={"stage": due.stage, "price": str(due.price), "key": due.key},
            )
            sent += 1
    return sent
