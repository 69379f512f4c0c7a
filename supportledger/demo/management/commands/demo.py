"""``supportledger demo``: fill an empty database with a believable vendor."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.demo.build import build_large, build_small
from supportledger.rules.presets import PRESET_NAMES


class Command(BaseCommand):
    help = "Load demo data: a vendor of one preset, its customers and six months of work."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--preset", default="prepaid_hours_bg", choices=PRESET_NAMES)
        parser.add_argument("--size", default="small", choices=["small", "large"])
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when a vendor is set up already"
        )

    def handle(self, *args, preset: str, size: str, if_empty: bool, **options):  # type: ignore[no-untyped-def]
        if VendorPolicy.objects.exists():
            if if_empty:
                self.stdout.write("Database not empty; demo data not loaded.")
                return
            raise CommandError("The database is not empty; demo data goes into an empty one.")
        today = clock.now().date()
        try:
            if size == "small":
                counts = build_small(preset, today=today)
            else:
                counts = build_large(preset, today=today, progress=self.stdout.write)
        except ActionRefused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Demo vendor ({preset}): {counts['customers']} customers, "
            f"{counts['work']} pieces of work. Log in as admin / admin (demo only)."
        )
        if size == "small":
            # A handful of contacts can log in to the portal straight away.
            call_command("portal_demo", limit=5, stdout=self.stdout)
