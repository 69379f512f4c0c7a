from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "supportledger.core"
    label = "core"
    verbose_name = "supportledger core"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from supportledger.core import login_throttle, policy_cache
        from supportledger.core.models import VendorPolicy

        user_locked_out.connect(login_throttle.audit_lockout, dispatch_uid="audit_lockout")
        request_started.connect(policy_cache.request_started, dispatch_uid="policy_cache_start")
        request_finished.connect(policy_cache.request_finished, dispatch_uid="policy_cache_end")
        for signal in (post_save, post_delete):
            signal.connect(
                policy_cache.written,
                sender=VendorPolicy,
                dispatch_uid=f"policy_cache_VendorPolicy_{signal is post_save}",
            )
