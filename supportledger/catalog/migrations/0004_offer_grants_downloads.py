"""Offer.grants_downloads: whether an offer lets its holder download new
releases, stored on the offer (editable, versioned) instead of read from the
kind. Existing offers get what their kind granted until now: the policy's
``downloads`` for the kind, else a support period does and a contract does
with ``updates``. Entitlements already sold keep their terms copy as it is
(without the key they still follow the kind's default)."""

from django.db import migrations, models


def _fill(apps, schema_editor):
    Offer = apps.get_model("catalog", "Offer")
    VendorPolicy = apps.get_model("core", "VendorPolicy")
    policy = VendorPolicy.objects.filter(pk=1).first()
    kind_defaults = (policy.kind_defaults or {}) if policy is not None else {}
    for offer in Offer.objects.all():
        stored = (kind_defaults.get(offer.kind) or {}).get("downloads")
        if stored is None:
            stored = offer.kind == "support_period" or (offer.kind == "contract" and offer.updates)
        if stored:
            Offer.objects.filter(pk=offer.pk).update(grants_downloads=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_offers"),
        ("core", "0006_merge_offer_features_and_working_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="grants_downloads",
            field=models.BooleanField(
                default=False,
                help_text="Its holder downloads new releases of its products while it runs.",
            ),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
    ]
