from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "supportledger.desk"
    label = "desk"

    def ready(self) -> None:
        from supportledger.desk.receivers import rerate_after_grant
        from supportledger.entitlements.signals import entitlements_granted

        # A backdated sale or extension re-rates the work it now covers.
        entitlements_granted.connect(rerate_after_grant, dispatch_uid="desk_rerate_after_grant")
