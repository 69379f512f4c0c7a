from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "supportledger.catalog"
    label = "catalog"

    def ready(self) -> None:
        from supportledger.catalog.models import ServicePrice
        from supportledger.core import policy_cache

        # The process's copy of the price lists lives in core (with the
        # policy); the catalogue, which owns them, says how to read them.
        policy_cache.hold_price_lists(lambda: ServicePrice.objects.order_by("-effective_from"))
        for signal in (post_save, post_delete):
            signal.connect(
                policy_cache.written,
                sender=ServicePrice,
                dispatch_uid=f"policy_cache_ServicePrice_{signal is post_save}",
            )
