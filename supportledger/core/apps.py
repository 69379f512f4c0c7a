from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "supportledger.core"
    label = "core"
    verbose_name = "supportledger core"
