"""``supportledger init --preset NAME``: set the vendor up from a policy preset."""

from django.core.management.base import BaseCommand, CommandError

from supportledger.billing.queries import missing_seller_fields
from supportledger.billing.seller import do_apply_seller_defaults
from supportledger.core.errors import ActionRefused
from supportledger.ops.setup import do_set_up_vendor
from supportledger.rules.presets import get_preset


class Command(BaseCommand):
    help = "Create the vendor policy and first service price list from a preset."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--preset",
            required=True,
            help="prepaid_hours_bg, warranty_year_hu, annual_maintenance_gr, "
            "support_period_ru or remote_sla_pl",
        )
        parser.add_argument("--replace", action="store_true", help="replace an existing policy")

    def handle(self, *args, preset: str, replace: bool, **options):  # type: ignore[no-untyped-def]
        try:
            policy = do_set_up_vendor(
                acting_user=None,
                preset_name=preset,
                replace=replace,
            )
        except ActionRefused as exc:
            raise CommandError(exc.message) from exc
        chosen = get_preset(preset)
        do_apply_seller_defaults(acting_user=None, country=chosen.country, language=chosen.language)
        self.stdout.write(f"Vendor set up from preset {preset}: {policy}")
        missing = missing_seller_fields()
        if missing:
            self.stdout.write(
                "Before invoices can be issued, set the seller's "
                + ", ".join(missing)
                + " (supportledger seller --help, or the console's Seller page)."
            )
