from django.core.management.base import BaseCommand

from supportledger.service.actions.visits import send_appointment_reminders


class Command(BaseCommand):
    help = "Mail the reminder of every on-site visit starting within 24 hours (once each)."

    def handle(self, *args, **options):
        sent = send_appointment_reminders()
        self.stdout.write(f"{sent} reminder(s) sent")
