"""Fill the new calendar and business-hours settings of a policy started
from the Hungarian or Greek preset, as those presets now set them; and give a
Hungarian warranty year and follow-up contract the seed's services instead of
every category, where the vendor left the old preset value unchanged.

Values are written out here, not read from the presets: a migration states
what it did on the day it was written."""

from django.db import migrations

ALL_CATEGORIES = [
    "backup",
    "configuration",
    "consultation",
    "defect",
    "development",
    "hardware",
    "installation",
    "legal",
    "recovery",
    "training",
    "transfer",
    "update",
]
ALL_MODES = ["chat", "email", "inhouse", "onsite", "phone", "portal", "remote"]
OLD_HU_SPEC = {"covers": ALL_CATEGORIES, "modes": sorted(set(ALL_MODES) - {"onsite"})}
HU_SERVICES = ["configuration", "consultation", "defect", "hardware", "legal", "update"]
HU_MODES = ["chat", "email", "phone", "portal", "remote"]
# 10/2025. (IV. 30.) NGM rendelet a 2026. évi munkaszüneti napok körüli munkarendről.
HU_WORKING_SATURDAYS = ["2026-01-10", "2026-08-08", "2026-12-12"]
HU_REST_DAYS = ["2026-01-02", "2026-08-21", "2026-12-24"]


def _same_spec(stored, spec):
    return (
        isinstance(stored, dict)
        and sorted(stored.get("covers", [])) == spec["covers"]
        and sorted(stored.get("modes", [])) == spec["modes"]
    )


def fill(apps, schema_editor):
    VendorPolicy = apps.get_model("core", "VendorPolicy")
    for row in VendorPolicy.objects.filter(preset="warranty_year_hu"):
        if not row.extra_working_days:
            row.extra_working_days = HU_WORKING_SATURDAYS
        row.closures = sorted(set(row.closures or []) | set(HU_REST_DAYS))
        if not row.business_hours_only_modes:
            row.business_hours_only_modes = ALL_MODES
        kind_defaults = dict(row.kind_defaults or {})
        for kind in ("warranty", "contract"):
            if _same_spec(kind_defaults.get(kind), OLD_HU_SPEC):
                kind_defaults[kind] = {"covers": HU_SERVICES, "modes": HU_MODES}
        kind_defaults.setdefault("warranty", {"covers": HU_SERVICES, "modes": HU_MODES})
        kind_defaults["warranty"] = {**kind_defaults["warranty"], "downloads": True}
        row.kind_defaults = kind_defaults
        row.save()
    for row in VendorPolicy.objects.filter(preset="annual_maintenance_gr"):
        if not row.business_hours_only_modes:
            row.business_hours_only_modes = ["phone"]
            row.save(update_fields=["business_hours_only_modes"])


class Migration(migrations.Migration):
    dependencies = [("core", "0004_policy_working_days_and_hours_only_modes")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
