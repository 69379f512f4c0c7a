"""``supportledger portal_demo``: portal logins for the demo customers' contacts.

Run after ``supportledger demo``. Every contact without a login gets one,
username = e-mail, with the demo password printed below (demo data only).
"""

from django.core.management.base import BaseCommand, CommandError

from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Contact
from supportledger.portal.actions import do_give_contact_portal_login

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - demo data only, printed to the operator


class Command(BaseCommand):
    help = "Give every demo contact without one a portal login (password portal-demo-2026)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--limit", type=int, default=20, help="at most this many contacts")

    def handle(self, *args, limit: int, **options):  # type: ignore[no-untyped-def]
        contacts = list(
            Contact.objects.filter(user__isnull=True)
            .select_related("customer")
            .order_by("id")[:limit]
        )
        given = []
        for contact in contacts:
            try:
                do_give_contact_portal_login(
                    acting_user=None, contact=contact, password=DEMO_PASSWORD
                )
            except ActionRefused as refused:
                if refused.code != "email_taken":
                    raise CommandError(refused.message) from refused
                continue
            given.append(contact)
        for contact in given:
            self.stdout.write(
                f"{contact.email.lower():32} {contact.language:3} {contact.customer.organisation}"
            )
        self.stdout.write(
            f"{len(given)} portal logins; password {DEMO_PASSWORD} (demo only), "
            "at http://127.0.0.1:8000/portal/"
        )
