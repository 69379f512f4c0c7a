from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EntitlementsConfig(AppConfig):
    name = "supportledger.entitlements"
    label = "entitlements"

    def ready(self) -> None:
        from supportledger.entitlements.wipe import register_wipe_function

        connection_created.connect(register_wipe_function, dispatch_uid="ledger_wipe_function")
