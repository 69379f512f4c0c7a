from django.core.management.base import BaseCommand

from supportledger.service.actions.confirmation import auto_confirm_work


class Command(BaseCommand):
    help = "Confirm work the customer left unconfirmed for the policy's auto-confirm days."

    def handle(self, *args, **options):
        done = auto_confirm_work()
        self.stdout.write(f"{done} piece(s) of work confirmed")
